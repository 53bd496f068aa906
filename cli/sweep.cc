#include "cli/sweep.h"

#include <cmath>

#include "qkdlab/core/error.h"

namespace qkdlab::cli {
namespace {

constexpr std::size_t MAX_SWEEP_POINTS = 10000;

double parse_number(const std::string& text, const std::string& spec) {
    std::size_t used = 0;
    double x = 0;
    try {
        x = std::stod(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != text.size() || text.empty() || !std::isfinite(x)) {
        throw Error("--sweep '" + spec + "': '" + text + "' is not a number");
    }
    return x;
}

}  // namespace

Sweep parse_sweep(const std::string& spec) {
    const auto [name, range] = split_assignment(spec, "--sweep");
    Sweep sweep{link_parameter(name), false, {}};
    const std::size_t first = range.find(':');
    const std::size_t second = first == std::string::npos ? first : range.find(':', first + 1);
    if (second == std::string::npos) {
        throw Error("--sweep '" + spec + "': expected NAME=START:STOP:STEP or NAME=START:STOP:*FACTOR");
    }
    const double start = parse_number(range.substr(0, first), spec);
    const double stop = parse_number(range.substr(first + 1, second - first - 1), spec);
    const std::string step_text = range.substr(second + 1);
    const bool geometric = !step_text.empty() && step_text.front() == '*';
    sweep.geometric = geometric;
    const double step = parse_number(geometric ? step_text.substr(1) : step_text, spec);
    if (stop < start) throw Error("--sweep '" + spec + "': STOP must not be below START");
    if (geometric ? !(step > 1 && start > 0) : !(step > 0)) {
        throw Error("--sweep '" + spec +
                    "': " + (geometric ? "a geometric sweep needs FACTOR > 1 and START > 0" : "STEP must be positive"));
    }
    for (std::size_t i = 0;; ++i) {
        const double x =
            geometric ? start * std::pow(step, static_cast<double>(i)) : start + step * static_cast<double>(i);
        if (x > stop * (1 + 1e-12) + 1e-12 * std::abs(geometric ? stop : step)) break;
        if (sweep.values.size() == MAX_SWEEP_POINTS) {
            throw Error("--sweep '" + spec + "': more than " + std::to_string(MAX_SWEEP_POINTS) + " points");
        }
        sweep.values.push_back(x);
    }
    return sweep;
}

std::vector<double> refine(const Sweep& sweep, int per_step) {
    std::vector<double> fine;
    const std::vector<double>& v = sweep.values;
    for (std::size_t i = 0; i + 1 < v.size(); ++i) {
        for (int k = 0; k < per_step; ++k) {
            const double t = static_cast<double>(k) / per_step;
            fine.push_back(sweep.geometric ? v[i] * std::pow(v[i + 1] / v[i], t) : v[i] + (v[i + 1] - v[i]) * t);
        }
    }
    if (!v.empty()) fine.push_back(v.back());
    return fine;
}

void add_sweep_options(CLI::App& app, SweepOptions& options, const std::string& json_help,
                       const std::string& plot_help) {
    app.add_option("--sweep", options.sweep, "Sweep one parameter: NAME=START:STOP:STEP or NAME=START:STOP:*FACTOR")
        ->type_name("SPEC");
    app.add_flag("--json", options.json, json_help);
    app.add_option("--out", options.out, "Write the result to this file (default: standard output)");
    app.add_option("--csv", options.csv, "Also write the points as CSV to this file");
    app.add_option("--plot", options.plot, plot_help);
}

nlohmann::ordered_json SweepPlan::json() const {
    if (!sweep) return nullptr;
    return {{"parameter", sweep->parameter.name}, {"pointer", sweep->parameter.pointer}, {"values", sweep->values}};
}

qkd::Link SweepPlan::link_at(const qkd::Link& base, double value) const {
    return sweep ? with_value(base, sweep->parameter, value) : base;
}

SweepPlan plan_sweep(const SweepOptions& options, const qkd::Link& base) {
    SweepPlan plan;
    if (options.sweep) plan.sweep = parse_sweep(*options.sweep);
    plan.values = plan.sweep ? plan.sweep->values : std::vector<double>{base.channel.length_km};
    plan.x_name = plan.sweep ? plan.sweep->parameter.name : "distance_km";
    plan.own_column = plan.x_name != "distance_km";
    return plan;
}

}  // namespace qkdlab::cli
