#!/bin/sh
# Every public header compiles on its own, first in its file and included twice, as C11
# and as C++11, with -pedantic and every warning an error.
set -u
. "$(dirname "$0")/tap.sh"
: "${CC:=cc}" "${CXX:=c++}" "${BUILD:=build}"
dir=$BUILD/header-check
mkdir -p "$dir"

for header in include/gan.h include/gan/*.h; do
    name=${header#include/}
    source=$dir/$(echo "$name" | tr '/.' '__')
    printf '#include <%s>\n#include <%s>\nint main(void) { return 0; }\n' "$name" "$name" > "$source.c"
    cp "$source.c" "$source.cpp"
    tap_check "$name compiles alone as C11" \
        "$CC" -std=c11 -pedantic -Wall -Wextra -Werror -Iinclude -c "$source.c" -o "$source.c.o"
    tap_check "$name compiles alone as C++11" \
        "$CXX" -std=c++11 -pedantic -Wall -Wextra -Werror -Iinclude -c "$source.cpp" -o "$source.cpp.o"
done
tap_done
