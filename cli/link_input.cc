#include "cli/link_input.h"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
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

constexpr std::size_t MAX_SWEEP_POINTS = 10000;

std::string format_number(double x) {
    char text[32];
    std::snprintf(text, sizeof text, "%.17g", x);
    return text;
}

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

std::pair<std::string, std::string> split_assignment(const std::string& text, const std::string& option) {
    const std::size_t eq = text.find('=');
    if (eq == std::string::npos || eq == 0) {
        throw Error(option + " '" + text + "': expected NAME=VALUE (NAME one of " + link_parameter_help() + ")");
    }
    return {text.substr(0, eq), text.substr(eq + 1)};
}

}  // namespace

void add_link_options(CLI::App& app, LinkInput& input, const std::string& default_preset) {
    std::string presets;
    for (const std::string& name : qkd::link_preset_names()) presets += (presets.empty() ? "" : ", ") + name;
    auto* preset = app.add_option("--preset", input.preset,
                                  "A built-in link: " + presets + " (default " + default_preset + ")");
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
    return qkd::parse_link(document.dump(), parameter.name + "=" + value);
}

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
        throw Error("--sweep '" + spec + "': " +
                    (geometric ? "a geometric sweep needs FACTOR > 1 and START > 0" : "STEP must be positive"));
    }
    for (std::size_t i = 0;; ++i) {
        const double x = geometric ? start * std::pow(step, static_cast<double>(i)) : start + step * static_cast<double>(i);
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

qkd::Link with_value(const qkd::Link& link, const LinkParameter& parameter, double value) {
    return with_parameter(link, parameter, format_number(value));
}

}  // namespace qkdlab::cli
