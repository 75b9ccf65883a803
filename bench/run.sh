#!/bin/sh
# Runs libgan's benchmark workloads, each in a process of its own (peak RSS is per process),
# writes their CSV records to --out and prints the table (docs/performance.md). The sgemm
# references (OpenBLAS's, then libgan's own GEMM) run first at every thread count: "% peak"
# is a workload's GFLOP/s over the faster of the two.
#   bench/run.sh [--seconds S] [--repeats R] [--threads "1 2"] [--workloads "W1 W2 ..."]
#                [--data DIR] [--out FILE]
# Environment: BUILD (where gan_bench was built, default build), MNIST_DIR, and anything
# OpenBLAS reads when it is loaded (OPENBLAS_CORETYPE), which every process inherits.
set -u
: "${BUILD:=build}"
program=$BUILD/bench/gan_bench
seconds=10
repeats=3
threads="1 2"
workloads="W1 W2 W3-b64 W3-b256 W3-gen-b1 W3-gen-b256"
data=${MNIST_DIR:-build/data/mnist}
out=$BUILD/bench/libgan.csv
while [ $# -gt 0 ]; do
    if [ $# -lt 2 ]; then
        echo "bench/run.sh: $1 needs a value" >&2
        exit 2
    fi
    case $1 in
    --seconds) seconds=$2 ;;
    --repeats) repeats=$2 ;;
    --threads) threads=$2 ;;
    --workloads) workloads=$2 ;;
    --data) data=$2 ;;
    --out) out=$2 ;;
    *) echo "bench/run.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift 2
done

mkdir -p "$(dirname "$out")"
"$program" --csv-header >"$out" || exit 1
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
echo "CPU: ${cpu:-unknown} ($(nproc) cores); OpenBLAS core: $("$program" --blas-core)" \
    "(OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset})"
echo "each workload: warm-up, then $repeats repetition(s) of at least $seconds s; the median"

list="sgemm sgemm-libgan"
for w in $workloads; do
    case "$w" in sgemm | sgemm-libgan) ;; *) list="$list $w" ;; esac
done
failed=0
for t in $threads; do
    for w in $list; do
        echo "  $w, $t thread(s)" >&2
        "$program" "$w" --threads "$t" --seconds "$seconds" --repeats "$repeats" \
            --data "$data" >>"$out" || failed=1
    done
done
awk -f "$(dirname "$0")/report.awk" "$out"
echo "records: $out"
exit $failed
