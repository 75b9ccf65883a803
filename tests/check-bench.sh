#!/bin/sh
# A tiny run of the benchmark harness (bench/, docs/performance.md): the driver runs each
# workload in its own process and prints the table, every record has sane values, and the
# FLOP counts are the ones worked out by hand in docs/performance.md. Nothing is timed as
# a pass/fail criterion. Needs MNIST in $MNIST_DIR (make check fetches it).
set -u
. "$(dirname "$0")/tap.sh"
: "${BUILD:=build}"
bench=$BUILD/bench/gan_bench
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
columns=engine,version,variant,workload,kind,threads,batch,steps,ms,samples_per_s,gflop,gflops
columns=$columns,rss_mib,blas_core

tap_check "gan_bench --csv-header names the columns" \
    sh -c "[ \"\$('$bench' --csv-header)\" = '$columns' ]"

tap_check "bench/run.sh runs both sgemm references, W1 and W3-gen-b1 and prints the table" sh -c "
    bench/run.sh --seconds 0.2 --repeats 1 --threads 1 --workloads 'W1 W3-gen-b1' \
        --out '$root/libgan.csv' >'$root/table.txt' 2>'$root/progress.txt'"

# records_sane FILE N: the header and N records, each with positive, finite figures that
# agree with each other (samples/s x ms/step = batch, GFLOP / (ms/step) = GFLOP/s).
records_sane() {
    awk -F, -v want="$2" 'NR == 1 { ok = $0 == "'$columns'"; next }
        function sane(x) { return x + 0 > 0 && x + 0 < 1e30 && x !~ /nan|inf/ }
        { n++
          ok = ok && $1 == "libgan" && $6 == 1 && $8 >= 1 && $14 != "" && sane($7) && sane($9) &&
               sane($10) && sane($11) && sane($12) && sane($13)
          d = $10 * $9 / 1000 / $7 - 1; ok = ok && d * d < 1e-6
          d = $11 / ($9 / 1000) / $12 - 1; ok = ok && d * d < 1e-6 }
        END { exit !(ok && n == want) }' "$1"
}
tap_check "the CSV holds 3 records with positive, finite, consistent figures" \
    records_sane "$root/libgan.csv" 4

# flop_is FILE WORKLOAD GFLOP: the record's GFLOP per step, to 6 digits.
flop_is() {
    awk -F, -v w="$2" -v want="$3" '$4 == w { d = $11 / want - 1; found = d * d < 1e-10 }
        END { exit !found }' "$1"
}
tap_check "sgemm counts 2 n^3 FLOP (n = 2048)" flop_is "$root/libgan.csv" sgemm 17.1799
tap_check "sgemm-libgan counts the same" flop_is "$root/libgan.csv" sgemm-libgan 17.1799
tap_check "W1 counts 1 859 584 FLOP per sample per step" flop_is "$root/libgan.csv" W1 0.119013
tap_check "W3-gen-b1 counts the DCGAN generator's 103 488 000 FLOP" \
    flop_is "$root/libgan.csv" W3-gen-b1 0.103488

# The table: the CPU and OpenBLAS's core, the faster sgemm reference at 100% and the other
# at most that, the workloads at a positive percentage of it.
table_rows() {
    awk '/^CPU: .*OpenBLAS core: [^ ]/ { header = 1 }
         $1 ~ /^sgemm/ { references++; full += $8 == "100.0"; within += $8 + 0 <= 100 }
         $1 == "W1" || $1 == "W3-gen-b1" { rows++; positive += $8 + 0 > 0 }
         END { exit !(header && references == 2 && full >= 1 && within == 2 && rows == 2 &&
                      positive == 2) }' "$1"
}
tap_check "the table names the CPU and OpenBLAS's core and shows % of the sgemm peak" \
    table_rows "$root/table.txt"

# One DCGAN training step at batch 64: a quarter of the 120.9 GFLOP of a batch-256 step.
w3_flop() {
    "$bench" --csv-header >"$root/w3.csv" &&
        "$bench" W3-b64 --seconds 0.001 --warmup 0 --repeats 1 >>"$root/w3.csv" &&
        flop_is "$root/w3.csv" W3-b64 30.2324
}
tap_check "W3-b64 counts 472 381 952 FLOP per sample per step (W3-b256: 120.9 GFLOP)" w3_flop

# usage_error ARGS...: exit status 2 and a one-line message.
usage_error() {
    "$bench" "$@" >/dev/null 2>"$root/err"
    [ $? -eq 2 ] && [ "$(wc -l <"$root/err")" -eq 1 ]
}
tap_check "an unknown workload exits with status 2" usage_error W9
tap_check "no workload exits with status 2" usage_error --threads 1
tap_check "a bad --seconds exits with status 2" usage_error W1 --seconds 0
tap_done
