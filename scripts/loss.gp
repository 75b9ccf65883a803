# Plots the losses and mean discriminator outputs of a stats.csv written by the MNIST
# examples:  gnuplot -e "csv='stats.csv'; out='loss.png'" scripts/loss.gp
set datafile separator ','
set terminal pngcairo size 960,600 noenhanced
set output out
set key autotitle columnhead outside top center horizontal
set multiplot layout 2,1
set ylabel 'loss'
plot csv using 1:3 with lines lw 1 title 'D loss', '' using 1:4 with lines lw 1 title 'G loss'
set xlabel 'step'
set ylabel 'mean D output'
plot csv using 1:5 with lines lw 1 title 'D(x)', '' using 1:6 with lines lw 1 title 'D(G(z))'
unset multiplot
