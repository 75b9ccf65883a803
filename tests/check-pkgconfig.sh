#!/bin/sh
# Installs libgan into a temporary DESTDIR, builds small C and C++ programs with nothing
# but pkg-config (shared, and static with --static) and runs them; then uninstalls and
# checks that nothing is left behind.
set -u
. "$(dirname "$0")/tap.sh"
: "${CC:=cc}" "${CXX:=c++}" "${PKG_CONFIG:=pkg-config}" "${MAKE:=make}"
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
prefix=/opt/libgan-test
libdir=$prefix/lib64

# The installed libgan.pc names /opt/...; the sysroot makes pkg-config look under $root.
# Its own system directories stay on the path so libgan's Requires.private resolve.
pc() {
    PKG_CONFIG_SYSROOT_DIR=$root \
    PKG_CONFIG_PATH=$root$libdir/pkgconfig \
        "$PKG_CONFIG" "$@"
}

tap_check "make install honours DESTDIR, PREFIX and LIBDIR" \
    "$MAKE" --no-print-directory -s install DESTDIR="$root" PREFIX=$prefix LIBDIR=$libdir
tap_check "the installed files are where they belong" sh -c "
    test -f '$root$prefix/include/gan.h' && test -f '$root$prefix/include/gan/tensor.h' &&
    test -L '$root$libdir/libgan.so' && test -L '$root$libdir/libgan.so.0' &&
    test -f '$root$libdir/libgan.a' && test -f '$root$libdir/pkgconfig/libgan.pc'"
tap_check "libgan.pc names the installed directories" \
    grep -q "^libdir=$libdir\$" "$root$libdir/pkgconfig/libgan.pc"

# shellcheck disable=SC2046  # pkg-config prints several words
build_shared() {
    "$CC" -std=c11 -Wall -Werror tests/pkgconfig/consumer.c -o "$root/consumer" \
        $(pc --cflags --libs libgan) && LD_LIBRARY_PATH=$root$libdir "$root/consumer"
}
build_cxx() {
    "$CXX" -std=c++11 -Wall -Werror tests/pkgconfig/consumer.cpp -o "$root/consumer++" \
        $(pc --cflags --libs libgan) && LD_LIBRARY_PATH=$root$libdir "$root/consumer++"
}
# Static: pkg-config --static adds the private dependencies; -l:libgan.a picks the
# archive even though the shared library sits beside it.
build_static() {
    libs=$(pc --static --libs libgan | sed 's/-lgan\b/-l:libgan.a/')
    "$CC" -std=c11 -Wall -Werror tests/pkgconfig/consumer.c -o "$root/consumer-static" \
        $(pc --cflags libgan) $libs &&
        ! readelf -d "$root/consumer-static" | grep -q 'libgan.so' &&
        "$root/consumer-static"
}
tap_check "a C program builds with pkg-config --cflags --libs libgan and runs" build_shared
tap_check "a C++11 program builds with pkg-config and runs" build_cxx
tap_check "a C program links libgan.a with pkg-config --static and runs" build_static

tap_check "make uninstall removes every installed file" sh -c "
    '$MAKE' --no-print-directory -s uninstall DESTDIR='$root' PREFIX=$prefix LIBDIR=$libdir &&
    test -z \"\$(find '$root$prefix' -type f -o -type l)\""
tap_done
