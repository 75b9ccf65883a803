#!/bin/sh
# Draws the loss plot of a training run with gnuplot (scripts/loss.gp), or says how to
# get it when gnuplot is missing; the numbers are in the CSV either way.
#   scripts/plot-loss.sh stats.csv loss.png
set -eu
csv=$1
out=$2
if ! command -v gnuplot >/dev/null 2>&1; then
    echo "plot-loss: gnuplot is not installed (apt-get install gnuplot-nox); no loss plot, the numbers are in $csv"
    exit 0
fi
# pngcairo is in every Debian gnuplot; fall back to the plain png terminal otherwise.
if gnuplot -e 'set terminal' 2>&1 | grep -q pngcairo; then
    gnuplot -e "csv='$csv'; out='$out'" "$(dirname "$0")/loss.gp"
else
    sed 's/pngcairo/png/' "$(dirname "$0")/loss.gp" | gnuplot -e "csv='$csv'; out='$out'" -
fi
echo "plot-loss: $out"
