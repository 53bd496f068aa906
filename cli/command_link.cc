// qkdlab link: emulate a QKD link pulse by pulse (photon or qubit mode), estimate what Alice and Bob
// would, and report gains, QBERs, decoy bounds, the key rate and whether an attack shows; at one
// point or over a sweep of one parameter, as text, JSON, CSV and a gnuplot SVG over the expectation of
// the exact model.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <random>
#include <sstream>

#include "cli/cli.h"
#include "cli/command.h"
#include "cli/files.h"
#include "cli/link_input.h"
#include "cli/plot.h"
#include "cli/postprocess_report.h"
#include "cli/sweep.h"
#include "cli/table.h"
#include "qkdlab/core/error.h"
#include "qkdlab/qkd/emulation.h"
#include "qkdlab/qkd/link_estimate.h"
#include "qkdlab/qkd/postprocess.h"

namespace qkdlab::cli {
namespace {

constexpr const char* LINK_SCHEMA = "qkdlab.link-run/1";

struct LinkOptions {
    LinkInput link;
    std::optional<std::string> protocol;
    RunLength run;
    std::optional<std::string> eve;
    std::optional<double> eve_fraction;
    std::optional<std::uint64_t> seed;
    bool postprocess = false;
    PostprocessInput postprocessing;
    std::uint64_t auth_pool_bits = std::uint64_t{1} << 20;
    std::optional<double> block_seconds;
    std::string alice_keys;
    std::string bob_keys;
    SweepOptions output;
};

// One generator per sweep point, derived from the seed (SplitMix64 of seed and point).
std::uint64_t point_seed(std::uint64_t seed, std::size_t point) {
    std::uint64_t z = seed + 0x9e3779b97f4a7c15ull * (point + 1);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

qkd::Link prepare_link(const LinkOptions& options, qkd::Link link) {
    if (options.protocol) link.protocol = qkd::parse_protocol(*options.protocol);
    if (options.eve) link.eve.kind = qkd::parse_attack(*options.eve);
    if (options.eve_fraction) link.eve.fraction = *options.eve_fraction;
    qkd::check(link);
    return link;
}

struct PointResult {
    qkd::Link link;
    qkd::RawRecords records;
    qkd::LinkEstimate estimate;
    std::vector<qkd::PostprocessRun> postprocessed;  // one per block; empty without --postprocess
    double run_time_s = 0;
};

nlohmann::ordered_json point_json(const SweepPlan& plan, double value, const PointResult& r) {
    const qkd::LinkEstimate& e = r.estimate;
    nlohmann::ordered_json json;
    if (plan.own_column) json[plan.x_name] = value;
    json["distance_km"] = r.link.channel.length_km;
    json["key_rate_per_pulse"] = e.key_rate_per_pulse;
    json["key_rate_sigma"] = e.key_rate_sigma;
    json["key_rate_bps"] = e.key_rate_bps;
    json["qber"] = e.qber;
    json["gain"] = e.gain;
    json["sifted_bits"] = e.sifted_bits;
    nlohmann::ordered_json intensities = nlohmann::ordered_json::array();
    for (const qkd::IntensityEstimate& i : e.intensities) {
        intensities.push_back({{"name", i.name},
                               {"mean_photon_number", i.mean_photon_number},
                               {"pulses", i.pulses},
                               {"detections", i.detections},
                               {"sifted", i.sifted},
                               {"errors", i.errors},
                               {"gain", i.gain},
                               {"gain_sigma", i.gain_sigma},
                               {"qber", i.qber},
                               {"qber_sigma", i.qber_sigma},
                               {"expected_gain", i.expected_gain},
                               {"expected_qber", i.expected_qber}});
    }
    json["intensities"] = std::move(intensities);
    json["decoy_bounds"] = e.has_decoy_bounds ? nlohmann::ordered_json{{"y1_lower", e.decoy.yield_lower},
                                                                       {"e1_upper", e.decoy.error_upper}}
                                              : nlohmann::ordered_json(nullptr);
    if (r.link.protocol == qkd::Protocol::e91) {
        json["chsh"] = e.chsh;
        json["chsh_sigma"] = e.chsh_sigma;
    }
    json["eve_known_fraction"] = e.eve_known_fraction;
    json["attack_detected"] = e.attack_detected;
    json["alarms"] = e.alarms;
    const qkd::RawRecords& rec = r.records;
    json["records"] = {
        {"pulses", rec.pulses},         {"detections", rec.detections()}, {"alice_clicks", rec.alice_clicks},
        {"bob_clicks", rec.bob_clicks}, {"dead_pulses", rec.dead_pulses}, {"record_bytes", rec.record_bytes()}};
    json["emulated_seconds"] = static_cast<double>(rec.pulses) / r.link.clock_hz;
    if (!r.postprocessed.empty()) json["postprocess"] = blocks_json(r.postprocessed);
    json["run_time_s"] = r.run_time_s;
    json["pulses_per_second"] = r.run_time_s > 0 ? static_cast<double>(rec.pulses) / r.run_time_s : 0.0;
    return json;
}

std::string summary_text(const PointResult& r, const std::string& mode, std::uint64_t seed) {
    const qkd::LinkEstimate& e = r.estimate;
    std::ostringstream out;
    out << "link " << r.link.name << ": " << qkd::to_string(r.link.protocol) << ", " << r.link.channel.length_km
        << " km, " << mode << " mode, eve " << qkd::to_string(r.link.eve.kind) << ", seed " << seed << "\n";
    out << r.records.pulses << " pulses (" << static_cast<double>(r.records.pulses) / r.link.clock_hz << " s at "
        << r.link.clock_hz << " Hz), " << r.records.detections()
        << (r.link.source.kind == qkd::SourceKind::entangled_pairs ? " coincidences" : " detections") << "\n";
    Table table;
    table.columns = {"mean_photon_number", "pulses",        "detections",   "gain", "gain_sigma", "qber",
                     "qber_sigma",         "expected_gain", "expected_qber"};
    std::string names;
    for (const qkd::IntensityEstimate& i : e.intensities) {
        table.rows.push_back({i.mean_photon_number, static_cast<double>(i.pulses), static_cast<double>(i.detections),
                              i.gain, i.gain_sigma, i.qber, i.qber_sigma, i.expected_gain, i.expected_qber});
        names += (names.empty() ? "" : ", ") + i.name;
    }
    out << "per intensity (" << names << "):\n" << table.text();
    if (e.has_decoy_bounds)
        out << "decoy bounds: Y1 >= " << e.decoy.yield_lower << ", e1 <= " << e.decoy.error_upper << "\n";
    if (r.link.protocol == qkd::Protocol::e91) out << "CHSH S = " << e.chsh << " +- " << e.chsh_sigma << "\n";
    out << "sifted bits " << e.sifted_bits << ", QBER " << e.qber << "\n";
    out << "key rate: " << e.key_rate_per_pulse << " +- " << e.key_rate_sigma << " bits per pulse, " << e.key_rate_bps
        << " bit/s\n";
    if (r.link.eve.kind != qkd::AttackKind::none)
        out << "eve learnt " << 100 * e.eve_known_fraction << "% of the sifted bits\n";
    if (e.attack_detected) {
        out << "attack detected:\n";
        for (const std::string& alarm : e.alarms) out << "  " << alarm << "\n";
    } else {
        out << "no attack detected\n";
    }
    if (!r.postprocessed.empty()) out << blocks_text(r.postprocessed);
    return out.str();
}

// Blocks of --block-seconds each; without it the whole run, cut into as few blocks as keep each
// under MAX_BLOCK_DETECTIONS detections (privacy amplification's Toeplitz seed has at most 2^26 bits).
constexpr std::uint64_t MAX_BLOCK_DETECTIONS = std::uint64_t{1} << 25;
std::uint64_t block_count(const LinkOptions& options, const qkd::RawRecords& records, const qkd::Link& link) {
    const double per_block = options.block_seconds ? *options.block_seconds * link.clock_hz : 0.0;
    const auto blocks = options.block_seconds
                            ? static_cast<std::uint64_t>(std::ceil(static_cast<double>(records.pulses) / per_block))
                            : (records.detections() + MAX_BLOCK_DETECTIONS - 1) / MAX_BLOCK_DETECTIONS;
    return std::clamp<std::uint64_t>(blocks, 1, records.pulses);
}

// The pre-shared authentication key both parties start from: uniform bits from the run's seed (a
// simulation; `qkdlab node` reads it from a file).
core::BitVector pre_shared_key(std::uint64_t bits, std::uint64_t seed) {
    core::Rng rng(point_seed(seed, ~std::uint64_t{0}));
    core::BitVector key(bits);
    for (core::BitVector::Word& word : key.words()) word = rng();
    key.resize(bits);
    return key;
}

int run_link(const LinkOptions& options, Streams io) {
    check_output_paths({{"--out", options.output.out},
                        {"--csv", options.output.csv},
                        {"--plot", options.output.plot},
                        {"--alice-keys", options.alice_keys},
                        {"--bob-keys", options.bob_keys}});
    if (!options.postprocess && (!options.alice_keys.empty() || !options.bob_keys.empty()))
        throw Error("--alice-keys and --bob-keys need --postprocess");
    const qkd::Link base = prepare_link(options, resolve_link(options.link));
    if (options.block_seconds && !(*options.block_seconds > 0 && std::isfinite(*options.block_seconds)))
        throw Error("--block-seconds: expected a positive number of seconds");
    if (options.block_seconds && !options.postprocess) throw Error("--block-seconds needs --postprocess");
    if (options.postprocess && options.auth_pool_bits < 1024)
        throw Error("--auth-pool-bits: expected at least 1024, got " + std::to_string(options.auth_pool_bits));
    const qkd::Fidelity fidelity = qkd::parse_fidelity(options.run.mode);
    const SweepPlan plan = plan_sweep(options.output, base);
    const std::vector<double>& values = plan.values;
    const std::uint64_t seed =
        options.seed ? *options.seed : std::random_device{}() * 0x100000000ull + std::random_device{}();
    const auto start = std::chrono::steady_clock::now();

    std::vector<PointResult> results;
    KeyFileSink alice_keys(options.alice_keys, "alice"), bob_keys(options.bob_keys, "bob");
    for (std::size_t p = 0; p < values.size(); ++p) {
        PointResult r{plan.link_at(base, values[p]), {}, {}, {}, 0};
        const std::optional<qkd::PostprocessOptions> postprocessing =
            options.postprocess ? std::optional(postprocess_options(options.postprocessing, r.link)) : std::nullopt;
        const std::uint64_t pulses = pulse_count(options.run, r.link);
        auto last_report = std::chrono::steady_clock::now();
        const qkd::Progress progress = [&](std::uint64_t done, std::uint64_t total) {
            const auto now = std::chrono::steady_clock::now();
            if (now - last_report < std::chrono::seconds(2)) return;
            last_report = now;
            io.err << "qkdlab link: ";
            if (values.size() > 1) io.err << "point " << p + 1 << " of " << values.size() << ", ";
            io.err << static_cast<int>(100.0 * static_cast<double>(done) / static_cast<double>(total)) << "% of "
                   << total << " pulses\n";
        };
        core::Rng rng(plan.sweep ? point_seed(seed, p) : seed);
        const auto point_start = std::chrono::steady_clock::now();
        r.records = qkd::emulate(r.link, fidelity, pulses, rng, progress);
        r.estimate = qkd::estimate_link(r.link, r.records);
        if (postprocessing) {
            const std::uint64_t point = plan.sweep ? point_seed(seed, p) : seed;
            const std::uint64_t blocks = block_count(options, r.records, r.link);
            const core::BitVector pool = pre_shared_key(options.auth_pool_bits, point);
            if (blocks == 1) {
                r.postprocessed.push_back(qkd::postprocess_in_process(r.records, r.link, *postprocessing, point, pool));
            } else {
                r.postprocessed = qkd::postprocess_blocks(qkd::split_into_blocks(r.records, blocks), r.link,
                                                          *postprocessing, point, pool);
            }
            for (qkd::PostprocessRun& run : r.postprocessed) {
                if (run.alice.key) alice_keys.deliver(std::move(*run.alice.key));
                if (run.bob.key) bob_keys.deliver(std::move(*run.bob.key));
            }
        }
        r.run_time_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - point_start).count();
        results.push_back(std::move(r));
    }

    nlohmann::ordered_json points = nlohmann::ordered_json::array();
    Table table;
    if (plan.own_column) table.columns.push_back(plan.x_name);
    for (const char* column : {"distance_km", "key_rate_per_pulse", "key_rate_sigma", "key_rate_bps", "qber",
                               "qber_sigma", "gain", "gain_sigma", "y1_lower", "e1_upper", "attack_detected"})
        table.columns.emplace_back(column);
    if (options.postprocess) {
        for (const char* column : {"final_key_bits", "secret_key_rate_bps", "keys_identical"})
            table.columns.emplace_back(column);
    }
    PlotSeries rate_points{"emulated (" + options.run.mode + " mode)", {}, {}, {}};
    PlotSeries qber_points = rate_points;
    for (std::size_t p = 0; p < results.size(); ++p) {
        const PointResult& r = results[p];
        const qkd::LinkEstimate& e = r.estimate;
        points.push_back(point_json(plan, values[p], r));
        const double qber_sigma = e.intensities.empty() ? 0.0 : e.intensities[0].qber_sigma;
        const double gain_sigma = e.intensities.empty() ? 0.0 : e.intensities[0].gain_sigma;
        std::vector<double> row;
        if (plan.own_column) row.push_back(values[p]);
        row.insert(row.end(), {r.link.channel.length_km, e.key_rate_per_pulse, e.key_rate_sigma, e.key_rate_bps, e.qber,
                               qber_sigma, e.gain, gain_sigma, e.has_decoy_bounds ? e.decoy.yield_lower : 0.0,
                               e.has_decoy_bounds ? e.decoy.error_upper : 0.0, e.attack_detected ? 1.0 : 0.0});
        if (!r.postprocessed.empty()) {
            const nlohmann::ordered_json totals = blocks_json(r.postprocessed);
            row.insert(row.end(), {totals["final_key_bits"].get<double>(), totals["secret_key_rate_bps"].get<double>(),
                                   totals["keys_identical"] == true ? 1.0 : 0.0});
        }
        table.rows.push_back(std::move(row));
        rate_points.x.push_back(values[p]);
        rate_points.y.push_back(e.key_rate_per_pulse);
        rate_points.y_error.push_back(e.key_rate_sigma);
        qber_points.x.push_back(values[p]);
        qber_points.y.push_back(e.qber);
        qber_points.y_error.push_back(qber_sigma);
    }

    nlohmann::ordered_json result;
    result["schema"] = LINK_SCHEMA;
    result["link"] = qkd::to_json(base);
    result["mode"] = options.run.mode;
    result["seed"] = seed;
    const bool same_pulses = std::all_of(results.begin(), results.end(), [&](const PointResult& r) {
        return r.records.pulses == results.front().records.pulses;
    });
    result["pulses_per_point"] =
        same_pulses ? nlohmann::ordered_json(results.front().records.pulses) : nlohmann::ordered_json(nullptr);
    result["sweep"] = plan.json();
    if (options.postprocess) {
        const qkd::PostprocessOptions used = postprocess_options(options.postprocessing, base);
        result["postprocess_options"] = {{"reconciliation", qkd::to_string(used.reconciliation)},
                                         {"sample_fraction", used.estimation.sample_fraction},
                                         {"pe_failure", used.estimation.failure_probability},
                                         {"abort_efficiency", used.estimation.reconciliation_efficiency},
                                         {"epsilon_sec", used.epsilon_sec},
                                         {"epsilon_cor", used.epsilon_cor},
                                         {"auth_pool_bits", options.auth_pool_bits}};
    }
    result["points"] = std::move(points);

    const SweepOptions& output = options.output;
    if (!output.csv.empty()) write_output(output.csv, table.csv(), io.out);
    alice_keys.write(io.out);
    bob_keys.write(io.out);
    if (!output.plot.empty()) {
        PlotSeries rate_curve{"expected (exact model, no Eve)", {}, {}, {}};
        PlotSeries qber_curve = rate_curve;
        const std::vector<double> grid = plan.sweep ? refine(*plan.sweep, 4) : values;
        for (double x : grid) {
            qkd::Link link = plan.link_at(base, x);
            link.eve = qkd::Eavesdropper{};
            const qkd::ExpectedRate expected = qkd::expected_rate(link);
            rate_curve.x.push_back(x);
            rate_curve.y.push_back(expected.key_rate_per_pulse);
            qber_curve.x.push_back(x);
            qber_curve.y.push_back(expected.qber);
        }
        plot_svg(output.plot, qkd::to_string(base.protocol) + " on " + base.name, plan.x_name,
                 {{"key rate (bits per pulse)", true, {rate_curve, rate_points}},
                  {"QBER", false, {qber_curve, qber_points}}});
    }
    const std::string text = plan.sweep ? table.text() : summary_text(results.front(), options.run.mode, seed);
    write_output(output.out, output.json ? result.dump(2) + "\n" : text, io.out);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::uint64_t total = 0;
    for (const PointResult& r : results) total += r.records.pulses;
    io.err << "qkdlab link: " << total << " pulses in " << seconds << " s (" << static_cast<double>(total) / seconds
           << " pulses/s), seed " << seed << "\n";
    return EXIT_OK;
}

}  // namespace

Command add_link_command(CLI::App& app) {
    auto options = std::make_shared<LinkOptions>();
    CLI::App* link = app.add_subcommand(
        "link", "Emulate a QKD link pulse by pulse and estimate gains, QBERs, decoy bounds and the key rate");
    add_link_options(*link, options->link, "metro-25km");
    link->add_option("--protocol", options->protocol, "bb84, decoy-bb84, bbm92 or e91 (default: the link's)")
        ->check(CLI::IsMember({"bb84", "decoy-bb84", "bbm92", "e91"}));
    add_run_length_options(*link, options->run, "per point");
    link->add_option("--eve", options->eve, "none, intercept-resend, pns or beam-splitting (default: the link's)")
        ->check(CLI::IsMember({"none", "intercept-resend", "pns", "beam-splitting"}));
    link->add_option("--eve-fraction", options->eve_fraction, "intercept-resend: the share of pulses attacked");
    link->add_option("--seed", options->seed, "Seed of the generator (default: random, printed)");
    link->add_flag("--postprocess", options->postprocess,
                   "Run the whole post-processing chain on each point's records (Alice and Bob in two threads over an "
                   "authenticated in-process channel) and report every stage");
    add_postprocess_options(*link, options->postprocessing);
    link->add_option("--auth-pool-bits", options->auth_pool_bits,
                     "Size of the pre-shared authentication key both parties start from (drawn from the seed)")
        ->capture_default_str();
    link->add_option("--block-seconds", options->block_seconds,
                     "Post-process each this many emulated seconds as a block of its own (default: the whole run, cut "
                     "only where a block would pass 2^25 detections)");
    link->add_option("--alice-keys", options->alice_keys, "Write Alice's key blocks to this JSON file (qkdlab.keys/1)");
    link->add_option("--bob-keys", options->bob_keys, "Write Bob's key blocks to this JSON file (qkdlab.keys/1)");
    add_sweep_options(
        *link, options->output, "Write JSON (schema qkdlab.link-run/1) instead of text",
        "Also draw the emulated points with error bars over the exact model's expectation, with gnuplot, into "
        "this SVG");
    return {link, [options](Streams io) { return run_link(*options, io); }};
}

}  // namespace qkdlab::cli
