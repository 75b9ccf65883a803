#!/bin/sh
# `make bench-compare`: libgan's and PyTorch's benchmark in one run, then both side by side
# with the ratios libgan / PyTorch of samples/s and of peak RSS (docs/performance.md).
#   bench/compare.sh OUT_DIR [the options of bench/run.sh, except --out]
# Writes OUT_DIR/libgan.csv and OUT_DIR/pytorch.csv. PyTorch is Debian's python3-torch,
# run by $BENCH_PYTHON (default /usr/bin/python3).
set -u
: "${BENCH_PYTHON:=/usr/bin/python3}"
if [ $# -lt 1 ]; then
    echo "usage: bench/compare.sh OUT_DIR [bench/run.sh options]" >&2
    exit 2
fi
dir=$1
shift
if ! "$BENCH_PYTHON" -c 'import torch' 2>/dev/null; then
    echo "bench-compare: PyTorch cannot be imported by $BENCH_PYTHON, so there is nothing to" \
        "compare with. Install it (Debian: apt-get install python3-torch) or name another" \
        "interpreter with BENCH_PYTHON=...; 'make bench' times libgan alone." >&2
    exit 1
fi
here=$(dirname "$0")
mkdir -p "$dir"
"$here/run.sh" "$@" --out "$dir/libgan.csv" || exit 1
echo "PyTorch:"
"$BENCH_PYTHON" "$here/torch_reference.py" "$@" --out "$dir/pytorch.csv" || exit 1
echo
awk -f "$here/report.awk" "$dir/libgan.csv" "$dir/pytorch.csv"
