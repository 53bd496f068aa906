#pragma once
// The sweep of one link parameter that `qkdlab rate` and `qkdlab link` share: the options that ask
// for it and shape its output (--sweep, --json, --out, --csv, --plot), the values it visits, and its
// description in a result.

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/link_input.h"

namespace qkdlab::cli {

// --sweep NAME=START:STOP:STEP (arithmetic, STOP included) or NAME=START:STOP:*FACTOR (geometric).
struct Sweep {
    LinkParameter parameter;
    bool geometric = false;
    std::vector<double> values;
};
Sweep parse_sweep(const std::string& spec);
// A finer grid over the same range (for an analytic curve under simulated points).
std::vector<double> refine(const Sweep& sweep, int per_step);

struct SweepOptions {
    std::optional<std::string> sweep;
    bool json = false;
    std::string out;
    std::string csv;
    std::string plot;
};
// Adds --sweep, --json (described by json_help), --out, --csv and --plot (plot_help).
void add_sweep_options(CLI::App& app, SweepOptions& options, const std::string& json_help,
                       const std::string& plot_help);

// What a command visits: the sweep's values, or the one point of the base link.
struct SweepPlan {
    std::optional<Sweep> sweep;
    std::vector<double> values;
    std::string x_name;       // the swept parameter, or distance_km
    bool own_column = false;  // the parameter is not distance_km: points carry it as a field of its own

    // {"parameter", "pointer", "values"}, or null without a sweep.
    nlohmann::ordered_json json() const;
    // The link at values[i].
    qkd::Link link_at(const qkd::Link& base, double value) const;
};
SweepPlan plan_sweep(const SweepOptions& options, const qkd::Link& base);

}  // namespace qkdlab::cli
