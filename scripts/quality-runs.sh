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

# field JSON GROUP KEY: a number from one line of mnist_eval --json ("samples", "train_floor").
field() {
    sed -n "s/.*\"$2\": {.*\"$3\": \([-0-9.e+]*\).*/\1/p" "$1"
}

# Measures every generator and prints docs/quality.md's table: one row per loss and budget,
# with the training seconds at the end of the budget (the CSV's seconds column, field 9).
evaluate() {
    echo "| loss | budget | steps | training time | classifier FID | classifier score | digits | KL to uniform |"
    echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
    for loss in $LOSSES; do
        short=937 long=3748
        [ "$loss" = wgan ] && short=285 long=1136
        for budget in short long; do
            generator=generator
            steps=$long
            [ $budget = short ] && generator=generator-short steps=$short
            json=$OUT/$loss/$generator.json
            "$BUILD/examples/mnist_eval" "$OUT/$loss/$generator.safetensors" --json \
                --threads "$THREADS" > "$json"
            seconds=$(awk -F, -v s=$steps '$1 == s { print $9 }' "$OUT/$loss/stats.csv")
            label=demo
            [ $budget = long ] && label='20 minutes'
            printf '| %s | %s | %s | %.0f s | %.1f | %.2f ± %.2f | %s | %.3f |\n' "$loss" "$label" \
                $steps "$seconds" "$(field "$json" samples fid)" "$(field "$json" samples score)" \
                "$(field "$json" samples score_spread)" "$(field "$json" samples classes_present)" \
                "$(field "$json" samples kl_uniform)"
        done
    done
    json=$OUT/$(echo $LOSSES | cut -d' ' -f1)/generator.json
    printf '| real: 10 000 training images | | | | %.1f | %.2f ± %.2f | %s | %.3f |\n' \
        "$(field "$json" train_floor fid)" "$(field "$json" train_floor score)" \
        "$(field "$json" train_floor score_spread)" \
        "$(field "$json" train_floor classes_present)" "$(field "$json" train_floor kl_uniform)"
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
