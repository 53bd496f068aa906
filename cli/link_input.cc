#include "cli/link_input.h"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>
#include <utility>

#include "qkdlab/core/error.h"

namespace qkdlab::cli {
namespace {

struct Alias {
    const char* name;
    const char* pointer;
};

constexpr Alias ALIASES[] = {
    {"distance_km", "/channel/length_km"},
    {"length_km", "/channel/length_km"},
    {"loss_db_per_km", "/channel/loss_db_per_km"},
    {"extra_loss_db", "/channel/extra_loss_db"},
    {"misalignment", "/channel/misalignment"},
    {"efficiency", "/detectors/efficiency"},
    {"dark_count_probability", "/detectors/dark_count_probability"},
    {"afterpulse_probability", "/detectors/afterpulse_probability"},
    {"dead_time_ns", "/detectors/dead_time_ns"},
    {"clock_hz", "/clock_hz"},
    {"mu", "/source/intensities/0/mean_photon_number"},
    {"mean_pair_number", "/source/mean_pair_number"},
    {"position_km", "/source/position_km"},
    {"z_probability", "/basis/z_probability"},
    {"error_correction_efficiency", "/post_processing/error_correction_efficiency"},
    {"eve_fraction", "/eve/fraction"},
};

std::string format_number(double x) {
    char text[32];
    std::snprintf(text, sizeof text, "%.17g", x);
    return text;
}

}  // namespace

std::pair<std::string, std::string> split_assignment(const std::string& text, const std::string& option) {
    const std::size_t eq = text.find('=');
    if (eq == std::string::npos || eq == 0) {
        throw Error(option + " '" + text + "': expected NAME=VALUE (NAME one of " + link_parameter_help() + ")");
    }
    return {text.substr(0, eq), text.substr(eq + 1)};
}

void add_link_options(CLI::App& app, LinkInput& input, const std::string& default_preset) {
    std::string presets;
    for (const std::string& name : qkd::link_preset_names()) presets += (presets.empty() ? "" : ", ") + name;
    auto* preset =
        app.add_option("--preset", input.preset, "A built-in link: " + presets + " (default " + default_preset + ")");
    auto* file = app.add_option("--link", input.file, "A link in JSON (schema qkdlab.link/1, docs/link.md)");
    preset->excludes(file);
    app.add_option("--set", input.sets,
                   "Change one parameter of the link, NAME=VALUE, NAME an alias (" + link_parameter_help() +
                       ") or a JSON pointer such as /detectors/efficiency; repeatable")
        ->type_name("NAME=VALUE");
    input.preset = default_preset;
}

qkd::Link resolve_link(const LinkInput& input) {
    qkd::Link link = input.file.empty() ? qkd::link_preset(input.preset) : qkd::read_link_file(input.file);
    for (const std::string& set : input.sets) {
        const auto [name, value] = split_assignment(set, "--set");
        link = with_parameter(link, link_parameter(name), value);
    }
    qkd::check(link);
    return link;
}

LinkParameter link_parameter(const std::string& name) {
    if (!name.empty() && name.front() == '/') return {name, name};
    for (const Alias& alias : ALIASES)
        if (name == alias.name) return {name, alias.pointer};
    throw Error("unknown link parameter '" + name + "'; expected a JSON pointer such as /channel/length_km or one of " +
                link_parameter_help());
}

std::string link_parameter_help() {
    std::string names;
    for (const Alias& alias : ALIASES) names += (names.empty() ? "" : ", ") + std::string(alias.name);
    return names;
}

qkd::Link with_parameter(const qkd::Link& link, const LinkParameter& parameter, const std::string& value) {
    nlohmann::json document = qkd::to_json(link);
    nlohmann::json parsed = nlohmann::json::parse(value, nullptr, false);
    if (parsed.is_discarded() || parsed.is_object() || parsed.is_array()) parsed = value;  // a name
    const nlohmann::json::json_pointer pointer = [&] {
        try {
            return nlohmann::json::json_pointer(parameter.pointer);
        } catch (const nlohmann::json::exception&) {
            throw Error("'" + parameter.name + "' is not a JSON pointer (RFC 6901)");
        }
    }();
    try {
        const nlohmann::json parent = document.at(pointer.parent_pointer());
        if (!parent.is_object() && !parent.is_array()) throw Error("");
    } catch (const std::exception&) {
        throw ConfigError(parameter.pointer, "no such place in the link's configuration");
    }
    if (pointer == nlohmann::json::json_pointer("/channel/length_km") &&
        link.source.kind == qkd::SourceKind::entangled_pairs && parsed.is_number()) {
        const double length = parsed.get<double>();
        const double share = link.channel.length_km > 0 ? link.source.position_km / link.channel.length_km : 0.5;
        document["source"]["position_km"] = length * share;
    }
    try {
        document[pointer] = parsed;
    } catch (const nlohmann::json::exception&) {
        throw ConfigError(parameter.pointer, "no such place in the link's configuration");
    }
    std::string text;
    try {
        text = document.dump();
    } catch (const nlohmann::json::exception&) {
        throw ConfigError(parameter.pointer, "the value is not valid UTF-8");
    }
    return qkd::parse_link(text, parameter.name + "=" + value);
}

qkd::Link with_value(const qkd::Link& link, const LinkParameter& parameter, double value) {
    return with_parameter(link, parameter, format_number(value));
}

void add_run_length_options(CLI::App& app, RunLength& run, const std::string& scope) {
    auto* pulses = app.add_option("--pulses", run.pulses,
                                  "Pulses to emulate " + scope + " (default 1e9 in photon mode, 1e5 in qubit mode)");
    auto* seconds = app.add_option("--seconds", run.seconds, "Emulated time " + scope + ", at the link's clock_hz");
    pulses->excludes(seconds);
    app.add_option("--mode", run.mode,
                   "photon (exact photon statistics, only clicks sampled) or qubit (every signal a qsim state)")
        ->check(CLI::IsMember({"photon", "qubit"}))
        ->capture_default_str();
}

std::uint64_t pulse_count(const RunLength& run, const qkd::Link& link) {
    constexpr double MAX_PULSES = 1e15;
    const double pulses = run.seconds           ? *run.seconds * link.clock_hz
                          : run.pulses          ? *run.pulses
                          : run.mode == "qubit" ? 1e5
                                                : 1e9;
    const std::string what = run.seconds ? "--seconds" : "--pulses";
    if (!run.seconds && pulses != std::floor(pulses)) throw Error("--pulses: expected a whole number");
    if (!(pulses >= 1 && pulses <= MAX_PULSES)) {
        std::ostringstream message;
        message << what << ": the run must have between 1 and " << MAX_PULSES << " pulses, got " << pulses;
        throw Error(message.str());
    }
    return static_cast<std::uint64_t>(std::llround(pulses));
}

}  // namespace qkdlab::cli
