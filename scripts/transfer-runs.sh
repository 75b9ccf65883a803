#!/bin/sh
# The runs behind docs/tutorial.md's "Fine-tuning on Fashion-MNIST": a DCGAN pre-trained on
# MNIST, fine-tuned on Fashion-MNIST with its first layers frozen, against the same DCGAN
# trained on Fashion-MNIST from scratch for the same time. Sample quality is the classifier
# FID in the feature space of a Fashion-MNIST classifier trained here by the classifier
# example (the LeNet of examples/mnist_classifier.c on Fashion-MNIST's training set).
#   scripts/transfer-runs.sh          (about 15 minutes on 2 cores)
# Environment: BUILD (default build), OUT (default $BUILD/transfer), FASHION (the IDX
# folder; default Debian's dataset-fashion-mnist), PRETRAIN steps on MNIST (default 937:
# the `make demo` budget), STEPS on Fashion-MNIST (default 1200), EVERY (default 300).
# The three Fashion-MNIST runs (from scratch; from the MNIST weights; from them with the
# first layers frozen) go at the same time, one thread each, so that they share the machine
# alike; each CSV's seconds column is its own training time.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
OUT=${OUT:-$BUILD/transfer}
FASHION=${FASHION:-/usr/share/datasets/fashion-mnist}
PRETRAIN=${PRETRAIN:-937}
STEPS=${STEPS:-1200}
EVERY=${EVERY:-300}
mkdir -p "$OUT"

classifier=$OUT/fashion-classifier.safetensors
if [ ! -s "$classifier" ]; then
    "$BUILD/examples/mnist_classifier" --data "$FASHION" --out "$classifier" \
        > "$OUT/classifier.log" 2>&1
fi
if [ ! -s "$OUT/pretrain/checkpoint.safetensors" ]; then
    "$BUILD/examples/mnist_dcgan" --steps "$PRETRAIN" --threads 2 --out "$OUT/pretrain" \
        > "$OUT/pretrain.log" 2>&1
fi

common="--data $FASHION --steps $STEPS --threads 1 --eval-every $EVERY --classifier $classifier"
# "frozen": G's first three layers (Dense 100 -> 7x7x256, BatchNorm, LeakyReLU) and D's
# first convolution keep their MNIST weights.
"$BUILD/examples/mnist_dcgan" $common --out "$OUT/scratch" > "$OUT/scratch.log" 2>&1 &
scratch=$!
"$BUILD/examples/mnist_dcgan" $common --out "$OUT/init" \
    --init-from "$OUT/pretrain/checkpoint.safetensors" > "$OUT/init.log" 2>&1 &
init=$!
"$BUILD/examples/mnist_dcgan" $common --out "$OUT/frozen" \
    --init-from "$OUT/pretrain/checkpoint.safetensors" --freeze-g 3 --freeze-d 1 \
    > "$OUT/frozen.log" 2>&1 &
frozen=$!
wait $scratch
wait $init
wait $frozen

grep -h 'test accuracy' "$OUT/classifier.log" | tail -n 1
echo "| run | step | training time | classifier FID | classifier score | classes covered |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
for run in scratch init frozen; do
    awk -F, -v run="$run" 'NR > 1 && $10 != "" {
        printf "| %s | %d | %.0f s | %.1f | %.2f | %d |\n", run, $1, $9, $10, $11, $12 }' \
        "$OUT/$run/stats.csv"
done
