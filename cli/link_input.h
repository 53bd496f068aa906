#pragma once
// The link a qkd command runs on: a built-in preset or a JSON file, then --set overrides, read into
// one checked Link; and its parameters by name. Overrides and sweep points are applied
// to the link's JSON and read back with parse_link, so a bad value is reported with its JSON path
// exactly as in a file.

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "qkdlab/qkd/link.h"

namespace qkdlab::cli {

struct LinkInput {
    std::string preset;             // --preset
    std::string file;               // --link
    std::vector<std::string> sets;  // --set NAME=VALUE
};

// Adds --preset, --link and --set to a command.
void add_link_options(CLI::App& app, LinkInput& input, const std::string& default_preset);

// The link described by the options (the default preset when neither --preset nor --link is given).
qkd::Link resolve_link(const LinkInput& input);

// A parameter of the link named by an alias (distance_km, misalignment, ...) or a JSON pointer into
// the link's JSON (/detectors/efficiency).
struct LinkParameter {
    std::string name;     // as given
    std::string pointer;  // the JSON pointer it stands for
};
LinkParameter link_parameter(const std::string& name);
// The aliases and what they stand for, for --help.
std::string link_parameter_help();

// The link with one parameter set to `value` (a number or, for string fields, a name). Changing
// the length of a link with an entangled source keeps the source at the same fraction of it.
qkd::Link with_parameter(const qkd::Link& link, const LinkParameter& parameter, const std::string& value);
qkd::Link with_value(const qkd::Link& link, const LinkParameter& parameter, double value);

// How long a run is: --pulses, or --seconds at the link's clock, or the mode's default (1e9 pulses
// in photon mode, 1e5 in qubit mode); and --mode.
struct RunLength {
    std::optional<double> pulses;
    std::optional<double> seconds;
    std::string mode = "photon";
};
// Adds --pulses and --seconds (exclusive) and --mode; `scope` goes into their help ("per point").
void add_run_length_options(CLI::App& app, RunLength& run, const std::string& scope);
// The pulses of one run; throws Error naming the option unless it is a whole number in [1, 1e15].
std::uint64_t pulse_count(const RunLength& run, const qkd::Link& link);

// NAME=VALUE split at the first '='; throws Error naming the option otherwise.
std::pair<std::string, std::string> split_assignment(const std::string& text, const std::string& option);

}  // namespace qkdlab::cli
