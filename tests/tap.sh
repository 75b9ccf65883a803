# Sourced by the check scripts: numbered TAP results, and the plan printed at the end.
tap_count=0
tap_failed=0
tap_ok() { tap_count=$((tap_count + 1)); echo "ok $tap_count - $1"; }
tap_not_ok() { tap_count=$((tap_count + 1)); tap_failed=$((tap_failed + 1)); echo "not ok $tap_count - $1"; }
# tap_check DESCRIPTION COMMAND...: one result from a command's exit status; its output
# is shown as TAP comments only when it fails.
tap_check() {
    description=$1
    shift
    if output=$("$@" 2>&1); then
        tap_ok "$description"
    else
        tap_not_ok "$description"
        printf '%s\n' "$output" | sed 's/^/# /'
    fi
}
tap_done() { echo "1..$tap_count"; [ "$tap_failed" -eq 0 ]; }
