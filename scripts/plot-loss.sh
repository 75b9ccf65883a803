#!/bin/sh
# Draws the loss plot of a training run with gnuplot (scripts/loss.gp), and when the run
# measured sample quality (--eval-every) and a third argument is given, the quality plot
# (scripts/quality.gp); or says how to get them when gnuplot is missing; the numbers are in
# the CSV either way.
#   scripts/plot-loss.sh stats.csv loss.png [quality.png]
set -eu
csv=$1
out=$2
quality=${3:-}
if ! command -v gnuplot >/dev/null 2>&1; then
    echo "plot-loss: gnuplot is not installed (apt-get install gnuplot-nox); no plot, the numbers are in $csv"
    exit 0
fi
# plot SCRIPT OUT: pngcairo is in every Debian gnuplot; fall back to the plain png terminal.
plot() {
    if gnuplot -e 'set terminal' 2>&1 | grep -q pngcairo; then
        gnuplot -e "csv='$csv'; out='$2'" "$(dirname "$0")/$1"
    else
        sed 's/pngcairo/png/' "$(dirname "$0")/$1" | gnuplot -e "csv='$csv'; out='$2'" -
    fi
    echo "plot-loss: $2"
}
plot loss.gp "$out"
# Field 10 is the FID of the rows that were measured.
if [ -n "$quality" ] && awk -F, 'NR > 1 && $10 != "" { found = 1 } END { exit !found }' "$csv"; then
    plot quality.gp "$quality"
fi
