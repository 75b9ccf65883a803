# Plots the sample quality measured during a run (--eval-every) from a stats.csv written
# by the MNIST examples:  gnuplot -e "csv='stats.csv'; out='quality.png'" scripts/quality.gp
# Rows without a measurement have empty quality fields; gnuplot skips them.
set datafile separator ','
set datafile missing ''
set terminal pngcairo size 960,600 noenhanced
set output out
set key autotitle columnhead outside top center horizontal
set multiplot layout 2,1
set ylabel 'classifier FID (lower is better)'
set logscale y
plot csv using 1:10 with linespoints lw 1 pt 7 ps 0.6 title 'FID vs MNIST test set'
unset logscale y
set xlabel 'step'
set ylabel 'classifier score / digits'
set yrange [0:10.5]
plot csv using 1:11 with linespoints lw 1 pt 7 ps 0.6 title 'classifier score', \
     '' using 1:12 with linespoints lw 1 pt 5 ps 0.6 title 'digits covered'
unset multiplot
