#!/bin/sh
# Every public declaration has its Doxygen comment: doxygen, with every warning an error.
set -u
. "$(dirname "$0")/tap.sh"
: "${BUILD:=build}" "${VERSION:=unknown}"
out=$BUILD/docs-check
rm -rf "$out"
mkdir -p "$out"
run_doxygen() {
    { cat docs/Doxyfile; echo "OUTPUT_DIRECTORY=$out"; echo "PROJECT_NUMBER=$VERSION"; } | doxygen -
}
tap_check "doxygen documents the public headers without a warning" run_doxygen
tap_done
