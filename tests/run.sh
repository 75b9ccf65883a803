#!/bin/sh
# Runs test programs that print TAP (the cmocka programs with CMOCKA_MESSAGE_OUTPUT=TAP,
# and the check scripts), shows their output, and ends with one line that counts every
# test: "libgan: N passed, M failed". A program that exits non-zero, or prints fewer
# results than its plan announced, counts as one more failure.
#   tests/run.sh [--wrapper "valgrind ..."] program...
set -u

wrapper=""
if [ "${1:-}" = "--wrapper" ]; then
    wrapper=$2
    shift 2
fi

export CMOCKA_MESSAGE_OUTPUT=TAP
passed=0
failed=0
failures=""
log=$(mktemp)
trap 'rm -f "$log"' EXIT

for program in "$@"; do
    name=$(basename "$program")
    echo "# $name"
    # shellcheck disable=SC2086  # the wrapper is a command line
    $wrapper "$program" >"$log" 2>&1
    status=$?
    sed 's/^/    /' "$log"
    ok=$(grep -c '^ok ' "$log")
    not_ok=$(grep -c '^not ok ' "$log")
    planned=$(sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' "$log" | awk '{s += $1} END {print s + 0}')
    passed=$((passed + ok))
    failed=$((failed + not_ok))
    [ "$not_ok" -gt 0 ] && failures="$failures $name"
    if [ "$status" -ne 0 ] && [ "$not_ok" -eq 0 ]; then
        echo "not ok - $name exited with status $status"
        failed=$((failed + 1))
        failures="$failures $name"
    elif [ "$((ok + not_ok))" -ne "$planned" ]; then
        echo "not ok - $name planned $planned tests and reported $((ok + not_ok))"
        failed=$((failed + 1))
        failures="$failures $name"
    fi
done

[ -n "$failures" ] && echo "# failed in:$failures"
echo "libgan: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
