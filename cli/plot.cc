#include "cli/plot.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <system_error>

#include "qkdlab/core/text_file.h"

namespace qkdlab::cli {
namespace {

namespace fs = std::filesystem;

// A gnuplot string literal in double quotes.
std::string quoted(const std::string& text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

// A scratch folder that is removed with everything in it.
class ScratchDir {
  public:
    ScratchDir() {
        std::string pattern = (fs::temp_directory_path() / "qkdlab-plot-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr)
            throw std::runtime_error("cannot make a temporary folder for gnuplot");
        path_ = pattern;
    }
    ~ScratchDir() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    const fs::path& path() const { return path_; }

  private:
    fs::path path_;
};

// Writes one series as columns x y [error]; returns whether any point was written.
bool write_series(const fs::path& file, const PlotSeries& series, bool log_y) {
    std::ofstream out(file);
    bool any = false;
    for (std::size_t i = 0; i < series.x.size(); ++i) {
        if (log_y && !(series.y[i] > 0)) continue;
        out << series.x[i] << ' ' << series.y[i];
        if (!series.y_error.empty()) out << ' ' << series.y_error[i];
        out << '\n';
        any = true;
    }
    if (!out) throw std::runtime_error("cannot write gnuplot data in " + file.parent_path().string());
    return any;
}

}  // namespace

void plot_svg(const std::string& path, const std::string& title, const std::string& x_label,
              const std::vector<PlotPanel>& panels) {
    const ScratchDir scratch;
    const fs::path target(path);
    const fs::path temp_svg = target.string() + ".tmp." + std::to_string(::getpid());
    std::string script =
        "set terminal svg size 800," + std::to_string(300 + 250 * panels.size()) +
        " dynamic enhanced font 'sans,12' background rgb 'white'\n"
        "set output " +
        quoted(temp_svg.string()) +
        "\nset grid\nset key outside top center horizontal\nset autoscale xfix\nset offsets graph 0.02, graph 0.02\n"
        "set multiplot layout " +
        std::to_string(panels.size()) + ",1 title " + quoted(title) + " noenhanced\n";
    int file_number = 0;
    for (const PlotPanel& panel : panels) {
        std::string plots;
        bool log_y = panel.log_y;
        bool any_positive = false;
        for (const PlotSeries& series : panel.series)
            for (double y : series.y) any_positive = any_positive || y > 0;
        if (!any_positive) log_y = false;
        for (const PlotSeries& series : panel.series) {
            const fs::path data = scratch.path() / ("series" + std::to_string(file_number++) + ".dat");
            if (!write_series(data, series, log_y)) continue;
            plots +=
                std::string(plots.empty() ? "plot " : ", ") + quoted(data.string()) +
                (series.y_error.empty() ? " using 1:2 with lines lw 2" : " using 1:2:3 with yerrorbars pt 7 ps 0.6") +
                " title " + quoted(series.title) + " noenhanced";
        }
        script +=
            "set xlabel " + quoted(x_label) + " noenhanced\nset ylabel " + quoted(panel.y_label) + " noenhanced\n";
        script += log_y ? "set logscale y\nset format y \"10^{%L}\"\n" : "unset logscale y\nset format y \"%g\"\n";
        script += plots.empty()
                      ? "set label 1 'no points to draw' at graph 0.5, 0.5 center\nplot NaN notitle\nunset label 1\n"
                      : plots + "\n";
    }
    script += "unset multiplot\nset output\n";
    const fs::path script_file = scratch.path() / "plot.gp";
    const fs::path log_file = scratch.path() / "gnuplot.log";
    std::ofstream(script_file) << script;
    const std::string command = "gnuplot " + script_file.string() + " > " + log_file.string() + " 2>&1";
    const int status = std::system(command.c_str());
    std::error_code ignored;
    if (status != 0 || !fs::exists(temp_svg)) {
        fs::remove(temp_svg, ignored);
        const std::string log = core::read_text_file(log_file).value_or("");
        throw std::runtime_error("gnuplot failed (is gnuplot-nox installed?): " + log.substr(0, 400));
    }
    std::error_code ec;
    fs::rename(temp_svg, target, ec);
    if (ec) {
        fs::remove(temp_svg, ignored);
        throw std::runtime_error("cannot write '" + path + "': " + ec.message());
    }
}

}  // namespace qkdlab::cli
