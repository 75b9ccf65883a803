#!/bin/sh
# Replays every fuzz target's committed corpus without a fuzzing engine (fuzz/replay.c,
# fuzz/README.md): each input must pass the target's checks (a clean failure or a usable
# result, no leak). One result per target, with the number of files; the replay must have
# run every one of them.
set -u
cd "$(dirname "$0")/.." || exit 1
. tests/tap.sh
. fuzz/targets.sh
: "${BUILD:=build}"

# replays BINARY COUNT FOLDER...: the replay exits 0 having run COUNT (> 0) inputs.
replays() {
    binary=$1
    count=$2
    shift 2
    [ "$count" -gt 0 ] || { echo "no seeds in $*"; return 1; }
    "$binary" "$@" >"$log" 2>&1
    status=$?
    tail -n 5 "$log"
    [ "$status" -eq 0 ] && [ "$(tail -n 1 "$log")" = "replay: $count inputs" ]
}

log=$(mktemp)
trap 'rm -f "$log"' EXIT
for target in $FUZZ_ALL_TARGETS; do
    folders=$(fuzz_seed_dirs "$target")
    # shellcheck disable=SC2086  # folders are words
    count=$(find $folders -maxdepth 1 -type f ! -name '.*' | wc -l)
    # shellcheck disable=SC2086
    tap_check "fuzz target $target: its corpus replays cleanly ($count files)" \
        replays "$BUILD/fuzz/replay_$target" "$count" $folders
done
tap_done
