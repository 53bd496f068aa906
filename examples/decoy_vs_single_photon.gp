# Plots the CSV of build/examples/decoy_vs_single_photon as an SVG: key rate against distance.
#   gnuplot -e "csv='rates.csv'; svg='rates.svg'" examples/decoy_vs_single_photon.gp
set terminal svg size 800,500 dynamic enhanced font "sans,12" background rgb "white"
set output svg
set datafile separator ","
set key top right
set logscale y
set format y "10^{%L}"
set yrange [1e-9:1e-1]
set xlabel "fibre length (km), GYS link: 0.21 dB/km, {/Symbol h}_{Bob} = 4.5%, e_d = 3.3%"
set ylabel "secret bits per pulse"
set title "BB84: decoy states against an ideal single-photon source"
plot csv using 1:($5 > 0 ? $5 : 1/0) skip 1 with lines lw 2 title "single-photon source", \
     csv using 1:($2 > 0 ? $2 : 1/0) skip 1 with lines lw 2 title "decoy, infinitely many", \
     csv using 1:($3 > 0 ? $3 : 1/0) skip 1 with lines lw 2 dt 2 title "decoy, vacuum + weak", \
     csv using 1:($4 > 0 ? $4 : 1/0) skip 1 with lines lw 2 dt 3 title "weak pulses, no decoys"
