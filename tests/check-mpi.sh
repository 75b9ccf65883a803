#!/bin/sh
# libgan-mpi under mpirun (make check runs it where MPI is found; mk/mpi.mk): 2 and 4
# processes train as 1 process on the whole batch (to 1e-5 relative, each tensor against its
# largest value) and hold bitwise-identical models; synchronised BatchNorm the same, and
# without it they do not; a resumed run equals an uninterrupted one bit for bit; a killed
# and a hung process end the run with an error within the time limit; mnist_dcgan_mpi trains
# and resumes; a program builds against the installed add-on with pkg-config.
set -u
. "$(dirname "$0")/tap.sh"
: "${BUILD:=build}" "${CC:=cc}" "${PKG_CONFIG:=pkg-config}" "${MAKE:=make}"
train=$BUILD/tests/mpi/mpi_train
png_info=$BUILD/tests/tools/png_info
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

# Open MPI refuses root unless told; 2 cores hold up to 4 processes only oversubscribed.
# Every run is bounded, so a hang fails the test instead of stopping the suite.
mpi_flags="--oversubscribe"
[ "$(id -u)" -eq 0 ] && mpi_flags="$mpi_flags --allow-run-as-root"
# Under AddressSanitizer (make check-asan): Open MPI's own leaks are suppressed (full stacks
# are needed to see that they are its), and the options reach every process.
if [ -n "${ASAN_OPTIONS:-}" ]; then
    export ASAN_OPTIONS="$ASAN_OPTIONS:fast_unwind_on_malloc=0"
    export LSAN_OPTIONS="suppressions=$(pwd)/tests/mpi/lsan.supp"
    mpi_flags="$mpi_flags -x ASAN_OPTIONS -x LSAN_OPTIONS -x UBSAN_OPTIONS"
fi
# shellcheck disable=SC2086  # the flags are words
run() { timeout 120 mpirun $mpi_flags "$@"; }

# 256 images of 8 x 8 in an IDX file, with deterministic pixels (the same run, the same bits).
{
    printf '\000\000\010\003\000\000\001\000\000\000\000\010\000\000\000\010'
    i=0
    while [ $i -lt 16384 ]; do
        # shellcheck disable=SC2059  # the format is the octal escape of one byte
        printf "\\$(printf %o $(((i * 37 + i / 64 * 11) % 256)))"
        i=$((i + 1))
    done
} >"$root/images.idx"
data="--data $root/images.idx --batch 16 --steps 20"

# expect_status STATUS COMMAND...: the command exits with exactly STATUS.
expect_status() { want=$1; shift; "$@"; [ $? -eq "$want" ]; }

# shellcheck disable=SC2086
{
tap_check "1 process trains 20 steps on batch 16" run -np 1 "$train" $data --write "$root/one"
tap_check "2 processes on 8 each train as 1 process on 16 (1e-5), bitwise alike" \
    run -np 2 "$train" $data --compare "$root/one"
tap_check "4 processes on 4 each train as 1 process on 16 (1e-5), bitwise alike" \
    run -np 4 "$train" $data --compare "$root/one"
tap_check "1 process with BatchNorm players" run -np 1 "$train" $data --bn --write "$root/bn"
tap_check "2 processes with synchronised BatchNorm train as 1 process (1e-5)" \
    run -np 2 "$train" $data --bn --sync-bn --compare "$root/bn"
tap_check "2 processes with their own BatchNorm statistics do not" \
    expect_status 3 run -np 2 "$train" $data --bn --compare "$root/bn"

tap_check "2 processes train 20 steps straight" \
    run -np 2 "$train" $data --bn --sync-bn --write "$root/straight"
tap_check "rank 0 saves a checkpoint at step 10" \
    run -np 2 "$train" $data --bn --sync-bn --steps 10 --checkpoint "$root/checkpoint.safetensors"
tap_check "resumed from it to step 20, the world equals the straight run bit for bit" \
    run -np 2 "$train" $data --bn --sync-bn --resume "$root/checkpoint.safetensors" \
        --compare "$root/straight" --exact
}

# ends_in_time LIMIT PATTERN COMMAND...: fails, within LIMIT seconds, saying PATTERN.
ends_in_time() {
    limit=$1 pattern=$2
    shift 2
    start=$(date +%s)
    "$@" >"$root/log" 2>&1 && return 1
    elapsed=$(($(date +%s) - start))
    cat "$root/log"
    echo "ended after $elapsed s"
    [ "$elapsed" -le "$limit" ] && grep -q "$pattern" "$root/log"
}
# shellcheck disable=SC2086
tap_check "a killed process ends the run with an error within 30 s" \
    ends_in_time 30 "exited on signal 9" run -np 2 "$train" $data --die-at 5
# shellcheck disable=SC2086
tap_check "a hung process makes the others fail after the 3 s timeout, within 30 s" \
    ends_in_time 30 "no answer from the other processes in 3 s" \
    run -np 2 "$train" $data --hang-at 5 --timeout 3

# The example, on the real MNIST that make check fetched.
mnist="--data ${MNIST_DIR:-$BUILD/data/mnist} --batch 16 --threads 1 --out $root/dcgan"
# shellcheck disable=SC2086
tap_check "mnist_dcgan_mpi: 2 processes train 3 steps" \
    run -np 2 "$BUILD/examples/mnist_dcgan_mpi" $mnist --steps 3
tap_check "mnist_dcgan_mpi: rank 0 writes the grid, 3 rows of stats and a checkpoint" sh -c "
    [ \"\$('$png_info' '$root/dcgan/samples.png')\" = '242 242 1 8' ] &&
    [ \$(wc -l <'$root/dcgan/stats.csv') -eq 4 ] && test -s '$root/dcgan/checkpoint.safetensors'"
# shellcheck disable=SC2086
tap_check "mnist_dcgan_mpi: --resume goes on to step 5 with --sync-bn" sh -c "
    timeout 120 mpirun $mpi_flags -np 2 '$BUILD/examples/mnist_dcgan_mpi' $mnist --steps 5 \
        --sync-bn --resume '$root/dcgan/checkpoint.safetensors' | grep -q 'resumed from' &&
    [ \$(wc -l <'$root/dcgan/stats.csv') -eq 6 ]"
tap_check "mnist_dcgan_mpi: a global batch the processes cannot share is refused" \
    expect_status 2 run -np 2 "$BUILD/examples/mnist_dcgan_mpi" --batch 15 --steps 1 \
        --out "$root/refused"

# The installed add-on, used with nothing but pkg-config (not under AddressSanitizer: the
# program built here would link the instrumented library without the sanitizer).
prefix=$root/prefix
consumer() {
    "$MAKE" --no-print-directory -s install PREFIX="$prefix" >/dev/null &&
        # shellcheck disable=SC2046  # pkg-config prints several words
        "$CC" -std=c11 -Wall -Werror tests/mpi/consumer.c -o "$root/consumer" \
            $(PKG_CONFIG_PATH=$prefix/lib/pkgconfig "$PKG_CONFIG" --cflags --libs libgan-mpi) &&
        LD_LIBRARY_PATH=$prefix/lib run -np 2 "$root/consumer"
}
if [ -z "${ASAN_OPTIONS:-}" ]; then
    tap_check "a program builds with pkg-config libgan-mpi against the installed add-on and runs" \
        consumer
fi
tap_done
