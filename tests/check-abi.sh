#!/bin/sh
# The library's ABI against the committed baseline abi/libgan.abi: a removed or changed
# function or type fails, an added one does not. A second check proves the first can
# fail, by relinking the library without one of its functions.
set -u
. "$(dirname "$0")/tap.sh"
: "${BUILD:=build}" "${VERSION:?run through make}" "${CC:=cc}" "${PKG_CONFIG:=pkg-config}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

compatible_with_baseline() {
    abidiff --no-added-syms --suppressions abi/suppressions.abignore --headers-dir2 include \
        abi/libgan.abi "$1"
}

tap_check "the ABI keeps every function and type of abi/libgan.abi" \
    compatible_with_baseline "$BUILD/libgan.so.$VERSION"

# Drop the first symbol of the version script and relink from the same objects.
removed=$(sed -n 's/^[[:space:]]*\(gan_[A-Za-z0-9_]*\);.*/\1/p' libgan.map | head -n 1)
grep -v "^[[:space:]]*$removed;" libgan.map > "$tmp/libgan.map"
# shellcheck disable=SC2046  # pkg-config prints several words
"$CC" -shared -Wl,-soname,libgan.so.0 -Wl,--version-script="$tmp/libgan.map" \
    -o "$tmp/libgan.so" $(find "$BUILD/obj" -name '*.o' | sort) \
    $($PKG_CONFIG --libs openblas) -lm
if compatible_with_baseline "$tmp/libgan.so" > "$tmp/report"; then
    tap_not_ok "the ABI check fails when $removed is removed"
else
    tap_ok "the ABI check fails when $removed is removed"
fi
tap_done
