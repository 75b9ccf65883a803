#!/bin/sh
# Runs libFuzzer targets one after the other (make fuzz; fuzz/README.md) and prints, per
# target, the executions, their speed, the coverage (cov: edges, ft: features), the corpus,
# and the findings: files written to the crash folder (0 expected).
#   fuzz/run.sh --seconds N --build DIR TARGET...
# DIR holds the binaries DIR/fuzz_TARGET; the run writes DIR/corpus/TARGET (new inputs: the
# committed seeds are only read), DIR/crashes/TARGET and DIR/logs/TARGET.log.
# Exit status 1 if any target found something or failed to run.
set -u
cd "$(dirname "$0")/.." || exit 1
. fuzz/targets.sh

seconds=60
build=build/fuzz
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) seconds=$2; shift 2 ;;
        --build) build=$2; shift 2 ;;
        *) break ;;
    esac
done
[ $# -gt 0 ] || { echo "usage: fuzz/run.sh --seconds N --build DIR TARGET..." >&2; exit 2; }

# The targets write their temporary files (saved round-trip copies) to memory when it can.
[ -d /dev/shm ] && [ -w /dev/shm ] && export TMPDIR=/dev/shm
# One core per fuzzer: OpenBLAS would otherwise start a thread per core.
export OPENBLAS_NUM_THREADS=1
export UBSAN_OPTIONS=print_stacktrace=1

# stat LOG NAME: a number of libFuzzer's final statistics (stat::NAME: N).
stat() { sed -n "s/^stat::$2: *//p" "$1" | tail -n 1; }
# progress LOG FIELD: the word after FIELD on the last progress line ("cov: 1234").
progress() { grep -E '^#[0-9]+' "$1" | tail -n 1 | sed -n "s/.* $2: *\([^ ]*\).*/\1/p"; }

failed=0
printf '%-13s %7s %11s %7s %6s %7s %15s %5s %8s %7s\n' target seconds executions exec/s cov ft \
    corpus new crashes rss_mb
for target in "$@"; do
    binary=$build/fuzz_$target
    work=$build/corpus/$target
    crashes=$build/crashes/$target
    log=$build/logs/$target.log
    mkdir -p "$work" "$crashes" "$(dirname "$log")"
    before=$(find "$crashes" -type f | wc -l)
    # shellcheck disable=SC2046  # options and folders are words
    "$binary" $(fuzz_options "$target") -max_total_time="$seconds" -timeout=30 \
        -print_final_stats=1 -artifact_prefix="$crashes/" "$work" $(fuzz_seed_dirs "$target") \
        >"$log" 2>&1
    status=$?
    found=$(($(find "$crashes" -type f | wc -l) - before))
    printf '%-13s %7s %11s %7s %6s %7s %15s %5s %8s %7s\n' "$target" "$seconds" \
        "$(stat "$log" number_of_executed_units)" "$(stat "$log" average_exec_per_sec)" \
        "$(progress "$log" cov)" "$(progress "$log" ft)" \
        "$(find "$work" -type f | wc -l)/$(($(find "$work" -type f -exec cat {} + | wc -c) / 1024))K" \
        "$(stat "$log" new_units_added)" "$found" "$(stat "$log" peak_rss_mb)"
    if [ "$status" -ne 0 ] || [ "$found" -ne 0 ]; then
        failed=1
        echo "fuzz: $target exited with status $status; its log: $log" >&2
        grep -E 'ERROR|SUMMARY|check failed|Test unit written' "$log" | head -n 10 >&2
    fi
done
echo "fuzz: logs in $build/logs, new inputs in $build/corpus, findings in $build/crashes"
exit "$failed"
