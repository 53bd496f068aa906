# Plots the CSV of build/examples/decoherence as an SVG: T1 and T2 decay, simulated and closed form.
#   gnuplot -e "csv='decoherence.csv'; svg='decoherence.svg'" examples/decoherence.gp
set terminal svg size 800,500 dynamic enhanced font "sans,12"
set output svg
set datafile separator ","
set key top right
set xlabel "idle time t (µs)"
set ylabel "population / coherence"
set title "Decoherence of an idle qubit"
set yrange [0:1.05]
plot csv using 1:2 skip 1 with points pt 7 ps 0.6 title "P(1), simulated from |1>", \
     csv using 1:3 skip 1 with lines lw 2 title "exp(-t/T1)", \
     csv using 1:4 skip 1 with points pt 5 ps 0.6 title "<X>, simulated from |+>", \
     csv using 1:5 skip 1 with lines lw 2 title "exp(-t/T2)"
