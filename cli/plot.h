#pragma once
// Plots drawn by gnuplot (Debian's gnuplot-nox) as SVG, from numbers a command computed: lines
// for analytic curves, points with error bars for simulated ones, one or more panels stacked over
// a shared x axis. The SVG appears whole or not at all.

#include <string>
#include <vector>

namespace qkdlab::cli {

struct PlotSeries {
    std::string title;
    std::vector<double> x;
    std::vector<double> y;
    std::vector<double> y_error;  // empty: a line; otherwise points with these error bars
};

struct PlotPanel {
    std::string y_label;
    bool log_y = false;  // points at or below zero are left out on a log axis
    std::vector<PlotSeries> series;
};

// Throws std::runtime_error if gnuplot is missing or fails.
void plot_svg(const std::string& path, const std::string& title, const std::string& x_label,
              const std::vector<PlotPanel>& panels);

}  // namespace qkdlab::cli
