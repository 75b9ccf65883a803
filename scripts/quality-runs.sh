#!/bin/sh
# The runs behind docs/quality.md: the DCGAN example with each loss at two training-time
# budgets, the `make demo` one (937 BCE steps: one epoch, 4.5 minutes at 2 threads on the
# machine of docs/quality.md) and four times that (about 18 minutes), each generator then
# measured by mnist_eval. A WGAN step (5 critic updates) costs 3.3 BCE steps, so WGAN gets
# 285 and 1136 steps for the same time. The long run resumes the short one's checkpoint
# (bitwise the same as not stopping).
#   scripts/quality-runs.sh [train|eval|all]     (default all)
#   scripts/quality-runs.sh train-one LOSS
# Environment: BUILD (default build), OUT (default $BUILD/quality), THREADS per run
# (default 2), JOBS runs at once (default 1), LOSSES (default "bce lsgan wgan hinge").
# Every run is deterministic for a given thread count; outputs go to $OUT/<loss>/.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
OUT=${OUT:-$BUILD/quality}
THREADS=${THREADS:-2}
JOBS=${JOBS:-1}
LOSSES=${LOSSES:-bce lsgan wgan hinge}
what=${1:-all}

train_one() {
    loss=$1
    dir=$OUT/$loss
    short=937 long=3748
    [ "$loss" = wgan ] && short=285 long=1136
    mkdir -p "$dir"
    "$BUILD/examples/mnist_dcgan" --loss "$loss" --epochs 100 --steps $short \
        --threads "$THREADS" --out "$dir" > "$dir/train-short.log" 2>&1
    cp "$dir/generator.safetensors" "$dir/generator-short.safetensors"
    cp "$dir/samples.png" "$dir/samples-short.png"
    "$BUILD/examples/mnist_dcgan" --loss "$loss" --epochs 100 --steps $long \
        --threads "$THREADS" --out "$dir" --resume "$dir/checkpoint.safetensors" \
        > "$dir/train-long.log" 2>&1
}

evaluate() {
    for loss in $LOSSES; do
        for generator in generator-short generator; do
            "$BUILD/examples/mnist_eval" "$OUT/$loss/$generator.safetensors" --json \
                --threads "$THREADS" > "$OUT/$loss/$generator.json"
        done
    done
    # Training seconds at the end of each budget: the CSV's seconds column (field 9).
    for loss in $LOSSES; do
        csv=$OUT/$loss/stats.csv
        short=937
        [ "$loss" = wgan ] && short=285
        printf '%s: step %s at %ss, step %s at %ss\n' "$loss" $short \
            "$(awk -F, -v s=$short '$1 == s { print $9 }' "$csv")" \
            "$(tail -n 1 "$csv" | cut -d, -f1)" "$(tail -n 1 "$csv" | cut -d, -f9)"
    done
}

if [ "$what" = train-one ]; then
    train_one "$2"
    exit 0
fi
make "$BUILD/examples/mnist_dcgan" "$BUILD/examples/mnist_eval" BUILD="$BUILD" >/dev/null
scripts/fetch-mnist.sh
if [ "$what" != eval ]; then
    export BUILD OUT THREADS
    for loss in $LOSSES; do echo "$loss"; done | xargs -P "$JOBS" -n 1 "$0" train-one
fi
[ "$what" = train ] || evaluate
