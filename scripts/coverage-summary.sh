#!/bin/sh
# Prints gcovr's CSV summary as a table: lines and branches per file, then the file parsers
# named on the command line together, then every file together; and checks the goals of
# docs/reliability.md (COVERAGE_MIN_LINES % of all lines, COVERAGE_MIN_PARSER_BRANCHES % of
# the parsers' branches). Exits 1 when a goal is missed.
#   scripts/coverage-summary.sh build/coverage/coverage.csv libgan/data/idx.c ...
set -eu
: "${COVERAGE_MIN_LINES:=90}" "${COVERAGE_MIN_PARSER_BRANCHES:=95}"
csv=$1
shift

awk -F, -v parsers=" $* " -v min_lines="$COVERAGE_MIN_LINES" \
    -v min_branches="$COVERAGE_MIN_PARSER_BRANCHES" '
    function percent(covered, total) { return total ? sprintf("%6.1f%%", 100 * covered / total) : "      -" }
    function row(name, lc, lt, bc, bt) {
        printf "%-40s %6d/%-6d %s   %6d/%-6d %s\n", name, lc, lt, percent(lc, lt), bc, bt,
               percent(bc, bt)
    }
    function goal(what, covered, total, minimum) {
        met = total > 0 && 100 * covered >= minimum * total
        printf "goal: %s at least %d%%: %s (%s)\n", what, minimum, met ? "met" : "MISSED",
               percent(covered, total)
        return met
    }
    NR == 1 { printf "%-40s %21s   %21s\n", "file", "lines", "branches"; next }
    {
        row($1, $3, $2, $6, $5)
        lc += $3; lt += $2; bc += $6; bt += $5
        if (index(parsers, " " $1 " ")) {
            plc += $3; plt += $2; pbc += $6; pbt += $5; found++
        }
    }
    END {
        wanted = split(parsers, names, " ")
        if (found != wanted) {
            print "coverage-summary: some parser files have no coverage data" > "/dev/stderr"
            exit 1
        }
        print ""
        row(sprintf("the file parsers (%d files)", found), plc, plt, pbc, pbt)
        row("all of libgan", lc, lt, bc, bt)
        ok = goal("lines of all of libgan", lc, lt, min_lines)
        ok = goal("branches of the file parsers", pbc, pbt, min_branches) && ok
        exit !ok
    }' "$csv"
