#!/bin/sh
# Runs the example programs with tiny settings on a small synthetic IDX file: both MNIST
# trainers, --resume, Ctrl-C, wrong options, generate (C), the C++ example built against
# an installed libgan with pkg-config, and the Python (ctypes) example. Every PNG is read
# back with libpng (tests/tools/png_info). The classifier, mnist_eval and --eval-every
# also use the real MNIST test set in $MNIST_DIR (make check fetches it).
set -u
. "$(dirname "$0")/tap.sh"
: "${BUILD:=build}" "${SONAME:=libgan.so.0}" "${CXX:=c++}" "${PKG_CONFIG:=pkg-config}" "${MAKE:=make}"
examples=$BUILD/examples
png_info=$BUILD/tests/tools/png_info
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

# 256 random 28 x 28 images in an IDX file (magic 0x00000803, count, rows, columns).
mkdir -p "$root/data"
{ printf '\000\000\010\003\000\000\001\000\000\000\000\034\000\000\000\034'
  head -c $((256 * 784)) /dev/urandom; } >"$root/data/train-images-idx3-ubyte"

header='step,epoch,d_loss,g_loss,d_real,d_fake,g_grad_norm,d_grad_norm,seconds,fid,score,digits,diversity,alarm'
# png_is FILE "WIDTH HEIGHT CHANNELS DEPTH": a valid PNG of that size.
png_is() { [ "$("$png_info" "$1")" = "$2" ]; }
# csv_steps FILE N: the header, then rows for steps 1..N in order.
csv_steps() {
    [ "$(head -n 1 "$1")" = "$header" ] &&
        [ "$(tail -n +2 "$1" | cut -d, -f1 | tr '\n' ' ')" = "$(seq 1 "$2" | tr '\n' ' ')" ]
}
# 64 samples of 28 x 28 in 8 columns with 2-pixel borders: 8 * 28 + 9 * 2 = 242.
grid='242 242 1 8'

train() { program=$1; shift; "$examples/$program" --data "$root/data" --batch 16 "$@"; }

tap_check "mnist_gan --small trains 3 steps" train mnist_gan --small --steps 3 --out "$root/gan"
tap_check "mnist_gan writes a 64-sample PNG grid" png_is "$root/gan/samples.png" "$grid"
tap_check "mnist_gan writes stats.csv with the header and 3 rows" csv_steps "$root/gan/stats.csv" 3
tap_check "mnist_gan saves the generator and a checkpoint" \
    test -s "$root/gan/generator.safetensors" -a -s "$root/gan/checkpoint.safetensors"

tap_check "--resume continues the step count and appends to the CSV" sh -c "
    '$examples/mnist_gan' --data '$root/data' --batch 16 --small --steps 5 --out '$root/gan' \
        --resume '$root/gan/checkpoint.safetensors' >'$root/resume.log' &&
    grep -q 'resumed from .* at step 3' '$root/resume.log'"
tap_check "the resumed CSV has rows for steps 1 to 5" csv_steps "$root/gan/stats.csv" 5

tap_check "mnist_dcgan trains 3 steps" train mnist_dcgan --steps 3 --out "$root/dcgan"
tap_check "mnist_dcgan writes a 64-sample PNG grid" png_is "$root/dcgan/samples.png" "$grid"
tap_check "mnist_dcgan writes stats.csv with the header and 3 rows" csv_steps "$root/dcgan/stats.csv" 3
tap_check "mnist_gan --loss wgan|lsgan|hinge each train a step" sh -c "
    for loss in wgan lsgan hinge; do
        '$examples/mnist_gan' --data '$root/data' --batch 16 --small --steps 1 --loss \$loss \
            --out '$root/loss-\$loss' >/dev/null || exit 1
    done"

# Ctrl-C: the run stops after the current step, saves a checkpoint and exits 0.
interrupt() {
    "$examples/mnist_gan" --data "$root/data" --batch 16 --small --epochs 100000 \
        --out "$root/int" >"$root/int.log" 2>&1 &
    pid=$!
    tries=0
    while [ "$(wc -l <"$root/int/stats.csv" 2>/dev/null || echo 0)" -lt 10 ] && [ $tries -lt 100 ]; do
        sleep 0.1
        tries=$((tries + 1))
    done
    kill -INT $pid
    wait $pid && grep -q 'stopped at step' "$root/int.log" &&
        test -s "$root/int/checkpoint.safetensors"
}
tap_check "SIGINT stops the run cleanly and saves a checkpoint" interrupt

# Wrong options: a one-line message and exit status 2.
status_2() { "$@" >/dev/null 2>"$root/err"; [ $? -eq 2 ] && [ "$(wc -l <"$root/err")" -eq 1 ]; }
tap_check "an unknown option exits with status 2" status_2 "$examples/mnist_gan" --bogus
tap_check "an unknown loss exits with status 2" status_2 "$examples/mnist_gan" --loss foo
tap_check "a bad number exits with status 2" status_2 "$examples/mnist_dcgan" --batch 0
tap_check "a non-number exits with status 2" status_2 "$examples/mnist_dcgan" --lr fast
tap_check "a missing value exits with status 2" status_2 "$examples/mnist_dcgan" --steps
tap_check "--small is not an option of mnist_dcgan" status_2 "$examples/mnist_dcgan" --small
tap_check "multistep without milestones exits with status 2" \
    status_2 "$examples/mnist_dcgan" --lr-schedule multistep
tap_check "--patience without --eval-every exits with status 2" \
    status_2 "$examples/mnist_gan" --patience 3
tap_check "an unknown schedule exits with status 2" status_2 "$examples/mnist_gan" --lr-schedule fast

# The workflow options: a schedule with warm-up, two discriminators and instance noise;
# then fine-tuning from that checkpoint with G's first layers frozen.
workflow() {
    train mnist_gan --small --steps 3 --out "$root/flow" --lr-schedule cosine --lr-steps 3 \
        --warmup 1 --discriminators 2 --gman-lambda 1 --instance-noise 0.1 \
        --instance-noise-steps 2 >/dev/null &&
        grep -q discriminator1_optim "$root/flow/checkpoint.safetensors" &&
        train mnist_gan --small --steps 2 --out "$root/tuned" \
            --init-from "$root/flow/checkpoint.safetensors" --freeze-g 2 --freeze-bn-stats \
            >"$root/tuned.log" &&
        grep -q 'tensors loaded' "$root/tuned.log" &&
        train mnist_gan --small --steps 1 --out "$root/from-g" \
            --init-from "$root/flow/generator.safetensors" >"$root/from-g.log" &&
        grep -q 'tensors loaded' "$root/from-g.log"
}
tap_check "schedules, two discriminators, instance noise and --init-from run end to end" workflow
tap_check "--help prints the usage with the defaults" sh -c "
    '$examples/mnist_dcgan' --help | grep -q 'default 0.0002'"

tap_check "generate writes a PNG from a saved generator" sh -c "
    '$examples/generate' '$root/dcgan/generator.safetensors' --count 10 --seed 3 \
        --out '$root/generate.png' >/dev/null"
tap_check "the generate PNG holds 10 samples" png_is "$root/generate.png" '122 92 1 8'
tap_check "generate --raw writes N x 784 little-endian floats" sh -c "
    '$examples/generate' '$root/gan/generator.safetensors' --raw --count 3 \
        --out '$root/raw.f32' >/dev/null && [ \$(wc -c <'$root/raw.f32') -eq $((3 * 784 * 4)) ]"

# C++: install into a DESTDIR and build with nothing but pkg-config (as check-pkgconfig.sh).
prefix=/opt/libgan-examples
pc() { PKG_CONFIG_SYSROOT_DIR=$root/dest PKG_CONFIG_PATH=$root/dest$prefix/lib/pkgconfig \
    "$PKG_CONFIG" "$@"; }
# shellcheck disable=SC2046  # pkg-config prints several words
build_cxx() {
    "$MAKE" --no-print-directory -s install DESTDIR="$root/dest" PREFIX=$prefix >/dev/null &&
        "$CXX" -std=c++11 -Wall -Wextra -Werror examples/cpp/generate.cpp -o "$root/generate++" \
            $(pc --cflags --libs libgan) &&
        LD_LIBRARY_PATH=$root/dest$prefix/lib "$root/generate++" \
            "$root/dcgan/generator.safetensors" "$root/cpp.png" 16 7 >/dev/null &&
        png_is "$root/cpp.png" '122 122 1 8'
}
tap_check "the C++ example builds against an installed libgan with pkg-config and runs" build_cxx

# Python: the ctypes module with Debian's interpreter and the library of the build tree.
library=$(cd "$BUILD" && pwd)/$SONAME
if [ -x /usr/bin/python3 ]; then
    tap_check "the Python example loads the generator and writes a PNG" sh -c "
        /usr/bin/python3 examples/python/generate.py '$root/dcgan/generator.safetensors' \
            '$root/python.png' --count 64 --lib '$library' >/dev/null"
    tap_check "the Python PNG is valid" png_is "$root/python.png" "$grid"
    tap_check "the Python module raises LibganError with libgan's message" sh -c "
        cd examples/python && /usr/bin/python3 -c '
import libgan
lib = libgan.Library(\"$library\")
try:
    lib.load_generator(\"/nonexistent.safetensors\")
except libgan.LibganError as error:
    assert \"nonexistent\" in str(error), error
else:
    raise SystemExit(\"no exception\")
'"
else
    tap_ok "the Python example # SKIP no /usr/bin/python3"
fi

# mnist_classifier on the synthetic images with labels (all 0), the same set as its test set.
mkdir -p "$root/labelled"
for set in train t10k; do
    cp "$root/data/train-images-idx3-ubyte" "$root/labelled/$set-images-idx3-ubyte"
    { printf '\000\000\010\001\000\000\001\000'; head -c 256 /dev/zero; } \
        >"$root/labelled/$set-labels-idx1-ubyte"
done
tap_check "mnist_classifier trains 2 steps and saves the model" \
    "$examples/mnist_classifier" --data "$root/labelled" --epochs 1 --batch 16 --limit 32 \
    --out "$root/classifier.safetensors"
tap_check "mnist_classifier --evaluate measures the saved model on the whole test set" sh -c "
    '$examples/mnist_classifier' --data '$root/labelled' \
        --evaluate '$root/classifier.safetensors' | grep -q '^test accuracy .* of 256)\$'"
tap_check "mnist_classifier: --limit below --batch exits with status 2" \
    status_2 "$examples/mnist_classifier" --batch 64 --limit 10
# The shipped classifier on the real MNIST test set (make check fetches it).
shipped_accuracy() {
    "$examples/mnist_classifier" --data "${MNIST_DIR:-build/data/mnist}" \
        --evaluate models/mnist-classifier.safetensors >"$root/accuracy.log" &&
        awk '{ print } /^test accuracy .* of 10000\)$/ { sub("%", "", $3); ok = $3 >= 99.0 }
             END { exit !ok }' "$root/accuracy.log"
}
tap_check "models/mnist-classifier.safetensors reaches 99.0% on the MNIST test set" shipped_accuracy

# mnist_eval on a barely trained generator: the figures are there and make sense.
mnist=${MNIST_DIR:-build/data/mnist}
eval_figures() {
    "$examples/mnist_eval" "$root/dcgan/generator.safetensors" --samples 200 --seed 4 \
        --data "$mnist" >"$root/eval.txt" &&
        awk '/^classifier FID/ { fid = $3; floor = $NF + 0 }
             /^classifier score/ { score = $3; test_score = $(NF - 2) }
             /^digits covered/ { digits = $3 }
             END { exit !(floor > 0 && floor < 20 && fid > 10 * floor && score >= 1 &&
                          test_score > 9.5 && digits >= 1 && digits <= 10) }' "$root/eval.txt"
}
tap_check "mnist_eval: a 3-step generator is far from the test set, real images are close" eval_figures
json_matches_text() {
    "$examples/mnist_eval" "$root/dcgan/generator.safetensors" --samples 200 --seed 4 \
        --data "$mnist" --json >"$root/eval.json" || return 1
    text=$(awk '/^classifier FID/ { print $3 }' "$root/eval.txt")
    json=$(sed -n 's/.*"samples": {"samples": 200, "fid": \([^,]*\),.*/\1/p' "$root/eval.json")
    awk -v a="$text" -v b="$json" 'BEGIN { d = (a - b) / a; exit !(b != "" && d < 1e-5 && d > -1e-5) }'
}
tap_check "mnist_eval --json gives the same FID as the text" json_matches_text
tap_check "mnist_eval: a missing generator exits 1 and names it" sh -c "
    ! '$examples/mnist_eval' '$root/missing.safetensors' --data '$mnist' 2>'$root/err' &&
    grep -q missing.safetensors '$root/err'"
tap_check "mnist_eval: --samples 5 exits with status 2" \
    status_2 "$examples/mnist_eval" "$root/dcgan/generator.safetensors" --samples 5

# --eval-every: measured rows carry the figures, the others are empty, and training is
# bitwise the same as without measuring.
eval_every() {
    for run in measured plain; do
        set -- --data "$mnist" --small --batch 16 --steps 4 --threads 1 --out "$root/every-$run"
        [ $run = measured ] && set -- "$@" --eval-every 2 --eval-samples 20
        "$examples/mnist_gan" "$@" >/dev/null || return 1
    done
    [ "$(cut -d, -f1,10-12 "$root/every-measured/stats.csv" | tail -n +2 |
        awk -F, '{ print $1 ":" ($2 != "" && $3 >= 1 && $4 >= 1) }' | tr '\n' ' ')" = \
        "1:0 2:1 3:0 4:1 " ] &&
        cmp -s "$root/every-measured/generator.safetensors" "$root/every-plain/generator.safetensors"
}
tap_check "--eval-every 2 measures steps 2 and 4 and leaves training unchanged" eval_every

# Early stopping: patience 1 with a minimum improvement no FID can reach ends the run at
# the second evaluation, with the first generator kept as the best.
early_stop() {
    "$examples/mnist_gan" --data "$mnist" --small --batch 16 --steps 50 --threads 1 \
        --eval-every 2 --eval-samples 20 --patience 1 --min-improvement 1e6 \
        --out "$root/early" >"$root/early.log" || return 1
    grep -q 'early stop at step 4' "$root/early.log" &&
        test -s "$root/early/best-generator.safetensors" &&
        [ "$(tail -n +2 "$root/early/stats.csv" | wc -l)" -eq 4 ]
}
tap_check "--patience stops the run and keeps the best generator" early_stop
tap_done
