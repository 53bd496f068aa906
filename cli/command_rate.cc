// qkdlab rate: the asymptotic key rate of a link in closed form, at one point or over a sweep of one
// parameter, as text, JSON, CSV and a gnuplot SVG.

#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>

#include "cli/cli.h"
#include "cli/command.h"
#include "cli/files.h"
#include "cli/link_input.h"
#include "cli/plot.h"
#include "cli/sweep.h"
#include "cli/table.h"
#include "qkdlab/core/error.h"
#include "qkdlab/qkd/analytic_rate.h"

namespace qkdlab::cli {
namespace {

constexpr const char* RATE_SCHEMA = "qkdlab.rate/1";

struct RateOptions {
    LinkInput link;
    std::optional<std::string> protocol;
    std::string decoys = "vacuum+weak";
    std::optional<double> mu;
    std::optional<double> nu;
    std::optional<double> mean_pair_number;
    bool keep_intensities = false;
    SweepOptions output;
};

// The link with the protocol and the intensities the options ask for.
qkd::Link prepare_link(const RateOptions& options, qkd::Link link) {
    if (options.protocol == "single-photon") {
        link.protocol = qkd::Protocol::bb84;
        link.source = qkd::Source{qkd::SourceKind::single_photon, {}, 0, 0};
    } else if (options.protocol) {
        link.protocol = qkd::parse_protocol(*options.protocol);
    }
    if (options.mu) link = with_value(link, link_parameter("mu"), *options.mu);
    if (options.mean_pair_number)
        link = with_value(link, link_parameter("mean_pair_number"), *options.mean_pair_number);
    if (options.nu) {
        // The weak decoy the vacuum + weak analysis uses: the weakest non-vacuum one.
        std::size_t weak = 0;
        for (std::size_t i = 1; i < link.source.intensities.size(); ++i) {
            const double nu = link.source.intensities[i].mean_photon_number;
            if (nu > 0 && (weak == 0 || nu < link.source.intensities[weak].mean_photon_number)) weak = i;
        }
        if (weak == 0) throw Error("--nu: the link has no weak decoy intensity");
        link = with_value(link, {"nu", "/source/intensities/" + std::to_string(weak) + "/mean_photon_number"},
                          *options.nu);
    }
    qkd::check(link);
    return link;
}

nlohmann::ordered_json point_json(const SweepPlan& plan, double value, const qkd::Link& link,
                                  const qkd::RatePoint& point) {
    nlohmann::ordered_json json;
    if (plan.own_column) json[plan.x_name] = value;
    json["distance_km"] = link.channel.length_km;
    json["key_rate_per_pulse"] = point.key_rate_per_pulse;
    json["key_rate_bps"] = point.key_rate_bps;
    json["qber"] = point.qber;
    json["gain"] = point.gain;
    json["intensities"] = point.intensities;
    return json;
}

int run_rate(const RateOptions& options, Streams io) {
    check_output_paths({{"--out", options.output.out}, {"--csv", options.output.csv}, {"--plot", options.output.plot}});
    const qkd::Link base = prepare_link(options, resolve_link(options.link));
    const qkd::DecoyAnalysis decoys =
        options.decoys == "infinite" ? qkd::DecoyAnalysis::infinite : qkd::DecoyAnalysis::vacuum_weak;
    const SweepPlan plan = plan_sweep(options.output, base);
    // A sweep of the intensity being optimised would be undone by the optimiser: keep it as swept.
    const bool sweeps_intensity =
        plan.sweep && (plan.sweep->parameter.pointer == "/source/intensities/0/mean_photon_number" ||
                       plan.sweep->parameter.pointer == "/source/mean_pair_number");
    const bool optimise = !options.keep_intensities && !options.mu && !options.mean_pair_number && !sweeps_intensity;
    const std::string protocol_name = options.protocol.value_or(qkd::to_string(base.protocol));

    Table table;
    if (plan.own_column) table.columns.push_back(plan.x_name);
    for (const char* column : {"distance_km", "key_rate_per_pulse", "key_rate_bps", "qber", "gain", "mu", "nu"})
        table.columns.emplace_back(column);
    nlohmann::ordered_json points = nlohmann::ordered_json::array();
    PlotSeries rate_curve{protocol_name, {}, {}, {}};
    PlotSeries qber_curve{protocol_name, {}, {}, {}};
    for (double value : plan.values) {
        const qkd::Link link = plan.link_at(base, value);
        const qkd::RatePoint point = qkd::analytic_rate(link, link.protocol, decoys, optimise);
        points.push_back(point_json(plan, value, link, point));
        std::vector<double> row;
        if (plan.own_column) row.push_back(value);
        row.insert(row.end(), {link.channel.length_km, point.key_rate_per_pulse, point.key_rate_bps, point.qber,
                               point.gain, point.intensities.empty() ? 0.0 : point.intensities[0],
                               point.intensities.size() > 1 ? point.intensities[1] : 0.0});
        table.rows.push_back(std::move(row));
        rate_curve.x.push_back(value);
        rate_curve.y.push_back(point.key_rate_per_pulse);
        qber_curve.x.push_back(value);
        qber_curve.y.push_back(point.qber);
    }

    nlohmann::ordered_json result;
    result["schema"] = RATE_SCHEMA;
    result["link"] = qkd::to_json(base);
    result["protocol"] = protocol_name;
    result["decoys"] = base.protocol == qkd::Protocol::decoy_bb84 ? nlohmann::ordered_json(options.decoys) : nullptr;
    result["optimise_intensity"] = optimise;
    result["sweep"] = plan.json();
    result["points"] = std::move(points);

    const SweepOptions& output = options.output;
    if (!output.csv.empty()) write_output(output.csv, table.csv(), io.out);
    if (!output.plot.empty()) {
        plot_svg(output.plot, protocol_name + " on " + base.name + " (closed form)", plan.x_name,
                 {{"key rate (bits per pulse)", true, {rate_curve}}, {"QBER", false, {qber_curve}}});
    }
    write_output(output.out, output.json ? result.dump(2) + "\n" : table.text(), io.out);
    return EXIT_OK;
}

}  // namespace

Command add_rate_command(CLI::App& app) {
    auto options = std::make_shared<RateOptions>();
    CLI::App* rate = app.add_subcommand(
        "rate", "Asymptotic key rate of a link in closed form (no sampling), at one point or over a sweep");
    add_link_options(*rate, options->link, "metro-25km");
    rate->add_option("--protocol", options->protocol,
                     "bb84, decoy-bb84, single-photon (BB84 with an ideal single-photon source), bbm92 or e91 "
                     "(default: the link's)")
        ->check(CLI::IsMember({"bb84", "decoy-bb84", "single-photon", "bbm92", "e91"}));
    rate->add_option("--decoys", options->decoys, "decoy-bb84: infinite (Y1 and e1 known) or vacuum+weak (MQZL bounds)")
        ->check(CLI::IsMember({"infinite", "vacuum+weak"}))
        ->capture_default_str();
    rate->add_option("--mu", options->mu, "The signal's mean photon number (not optimised then)");
    rate->add_option("--nu", options->nu, "The weak decoy's mean photon number");
    rate->add_option("--mean-pair-number", options->mean_pair_number,
                     "An entangled source's mean pairs per pulse (not optimised then)");
    rate->add_flag("--keep-intensities", options->keep_intensities,
                   "Use the link's intensities as they are instead of optimising the signal's");
    add_sweep_options(*rate, options->output, "Write JSON (schema qkdlab.rate/1) instead of a table",
                      "Also draw the key rate and QBER with gnuplot into this SVG file");
    return {rate, [options](Streams io) { return run_rate(*options, io); }};
}

}  // namespace qkdlab::cli
