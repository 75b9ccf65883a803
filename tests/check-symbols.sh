#!/bin/sh
# The exported symbols, the version script and the GAN_API declarations agree, and
# nothing outside the gan_ namespace leaks out of the shared or the static library.
set -u
. "$(dirname "$0")/tap.sh"
: "${BUILD:=build}"
shared=$BUILD/libgan.so
static=$BUILD/libgan.a
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Functions and data the shared library exports, without their version suffix.
nm -D --defined-only "$shared" | awk '$2 != "A" {print $3}' | sed 's/@.*//' | sort > "$tmp/exported"
# Names in the version script's global sections.
sed -n 's/^[[:space:]]*\(gan_[A-Za-z0-9_]*\);.*/\1/p' libgan.map | sort > "$tmp/map"
# Names declared with GAN_API (one declaration per line, name before the parenthesis).
grep -h 'GAN_API' include/gan.h include/gan/*.h | grep -v '#define GAN_API' |
    sed -n 's/.*[ *]\([A-Za-z_][A-Za-z0-9_]*\)(.*/\1/p' | sort > "$tmp/declared"

not_prefixed() { ! grep -v '^gan_' "$1"; }
same_lines() { diff -u "$1" "$2"; }
all_versioned() {
    nm -D --defined-only "$shared" | awk '$2 != "A" {print $3}' | grep -v '@@\?LIBGAN_'
    [ $? -eq 1 ]
}
static_namespace_clean() {
    # Every global the archive defines (internal gan__ helpers included) starts with gan_.
    ! nm -g --defined-only "$static" | awk 'NF == 3 {print $3}' | grep -v '^gan_'
}

tap_check "some symbols are exported" test -s "$tmp/exported"
tap_check "every exported symbol starts with gan_" not_prefixed "$tmp/exported"
tap_check "exported symbols are exactly those in libgan.map" same_lines "$tmp/map" "$tmp/exported"
tap_check "every GAN_API declaration is exported, and nothing else" same_lines "$tmp/declared" "$tmp/exported"
tap_check "every exported symbol carries a LIBGAN_ version" all_versioned
tap_check "no symbol of the static library leaves the gan_ namespace" static_namespace_clean
tap_check "the SONAME is libgan.so.0" sh -c "readelf -d '$shared' | grep -q 'SONAME.*\[libgan.so.0\]'"
tap_done
