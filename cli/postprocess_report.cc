#include "cli/postprocess_report.h"

#include <cmath>
#include <sstream>

#include "cli/files.h"
#include "qkdlab/core/error.h"

namespace qkdlab::cli {
namespace {

nlohmann::ordered_json interval_json(const qkd::QberInterval& interval) {
    return {{"bits", interval.bits},
            {"errors", interval.errors},
            {"value", interval.qber},
            {"lower", interval.lower},
            {"upper", interval.upper}};
}

double per(double bits, double total) { return total > 0 ? bits / total : 0.0; }

std::string key_hex(const core::BitVector& key) {
    static constexpr char HEX[] = "0123456789abcdef";
    std::string out;
    out.reserve(key.size() / 4 + 2);
    const std::size_t bytes = (key.size() + 7) / 8;
    for (std::size_t j = 0; j < bytes; ++j) {
        const auto byte = static_cast<unsigned>(key.words()[j / 8] >> (8 * (j % 8)) & 0xffu);
        out += HEX[byte >> 4];
        out += HEX[byte & 0xfu];
    }
    return out;
}

}  // namespace

void add_postprocess_options(CLI::App& app, PostprocessInput& input) {
    app.add_option("--reconciliation", input.reconciliation, "Error reconciliation: cascade (interactive) or ldpc")
        ->check(CLI::IsMember({"cascade", "ldpc"}))
        ->capture_default_str();
    app.add_option("--sample-fraction", input.sample_fraction, "Share of the sifted key disclosed to estimate its QBER")
        ->capture_default_str();
    app.add_option("--pe-failure", input.failure_probability,
                   "Failure probability of each Clopper-Pearson interval of parameter estimation")
        ->capture_default_str();
    app.add_option("--epsilon-sec", input.epsilon_sec, "Secrecy of the final key (Lim et al. 2014)")
        ->capture_default_str();
    app.add_option("--epsilon-cor", input.epsilon_cor,
                   "Correctness of the final key: the verification hash's collision probability")
        ->capture_default_str();
}

qkd::PostprocessOptions postprocess_options(const PostprocessInput& input, const qkd::Link& link) {
    qkd::PostprocessOptions options;
    options.reconciliation = qkd::parse_reconciliation_method(input.reconciliation);
    options.estimation.sample_fraction = input.sample_fraction;
    options.estimation.failure_probability = input.failure_probability;
    options.estimation.reconciliation_efficiency = link.error_correction_efficiency;
    options.epsilon_sec = input.epsilon_sec;
    options.epsilon_cor = input.epsilon_cor;
    try {
        qkd::check(options);
    } catch (const ConfigError& e) {
        static const std::pair<const char*, const char*> OPTION_NAMES[] = {
            {"/estimation/sample_fraction", "--sample-fraction"},
            {"/estimation/failure_probability", "--pe-failure"},
            {"/estimation/reconciliation_efficiency", "the link's /error_correction_efficiency"},
            {"/epsilon_sec", "--epsilon-sec"},
            {"/epsilon_cor", "--epsilon-cor"}};
        for (const auto& [path, option] : OPTION_NAMES) {
            if (e.json_path() == path) throw Error(std::string(option) + ": " + e.message());
        }
        throw;
    }
    qkd::check_postprocessable(link);
    return options;
}

nlohmann::ordered_json block_json(const qkd::BlockReport& r) {
    nlohmann::ordered_json json;
    json["party"] = r.party == qkd::Party::alice ? "alice" : "bob";
    json["aborted"] = r.aborted;
    json["abort_stage"] = r.aborted ? nlohmann::ordered_json(r.abort_stage) : nlohmann::ordered_json(nullptr);
    json["abort_reason"] = r.aborted ? nlohmann::ordered_json(r.abort_reason) : nlohmann::ordered_json(nullptr);
    json["detections"] = r.detections;
    json["sifted_bits"] = r.sifted_bits;
    json["test_bits"] = r.test_bits;
    json["sample_bits"] = r.sample_bits;
    json["qber"] = r.bit_error.qber;
    json["qber_interval"] = interval_json(r.bit_error);
    json["phase_error_interval"] = interval_json(r.phase_error);
    json["qber_limit"] = r.qber_limit;
    json["reconciliation"] = qkd::to_string(r.method);
    json["reconciled_bits"] = r.reconciled_bits;
    json["leaked_bits"] = r.leaked_bits;
    json["reconciliation_efficiency"] = r.reconciliation_efficiency;
    json["frames"] = r.frames;
    json["frame_errors"] = r.frame_errors;
    json["discarded_bits"] = r.discarded_bits;
    json["round_trips"] = r.round_trips;
    json["corrected_bits"] = r.corrected_bits;
    json["verified"] = r.verified;
    json["verification_tag_bits"] = r.verification_tag_bits;
    json["verification_collision_bound"] = r.verification_collision_bound;
    const qkd::FiniteKeyBounds& b = r.finite_key.bounds;
    json["finite_key"] = {{"length", r.finite_key.length},
                          {"key_vacuum_events", b.key_vacuum_events},
                          {"key_single_photon_events", b.key_single_photon_events},
                          {"test_single_photon_events", b.test_single_photon_events},
                          {"test_single_photon_errors", b.test_single_photon_errors},
                          {"phase_error_rate", b.phase_error_rate}};
    json["final_key_bits"] = r.final_key_bits;
    json["confirmation_bits"] = r.confirmation_bits;
    json["secret_key_rate_bps"] = per(static_cast<double>(r.final_key_bits), r.emulated_seconds);
    json["secret_key_rate_per_pulse"] = per(static_cast<double>(r.final_key_bits), static_cast<double>(r.pulses));
    json["keys_identical"] =
        r.keys_identical ? nlohmann::ordered_json(*r.keys_identical) : nlohmann::ordered_json(nullptr);
    json["authentication_bits_used"] = r.authentication_bits_used;
    json["authentication_bits_replenished"] = r.authentication_bits_replenished;
    json["delivered_key_bits"] = r.delivered_key_bits;
    json["net_key_rate_bps"] = per(static_cast<double>(r.delivered_key_bits), r.emulated_seconds);
    json["key_id"] = r.key_id.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(r.key_id);
    json["messages_sent"] = r.messages_sent;
    json["bytes_sent"] = r.bytes_sent;
    json["bytes_received"] = r.bytes_received;
    nlohmann::ordered_json stages = nlohmann::ordered_json::object();
    for (const auto& [stage, seconds] : r.stage_seconds) stages[stage] = seconds;
    json["stage_seconds"] = std::move(stages);
    json["cpu_seconds"] = r.cpu_seconds;
    return json;
}

nlohmann::ordered_json run_json(const qkd::PostprocessRun& run) {
    nlohmann::ordered_json json = block_json(run.alice.report);
    json.erase("party");
    const bool both_keys = run.alice.key && run.bob.key;
    // The confirmation compared hashes over the channel; here both blocks are at hand as well.
    json["keys_identical"] =
        run.alice.report.keys_identical && run.bob.report.keys_identical
            ? nlohmann::ordered_json(*run.alice.report.keys_identical && *run.bob.report.keys_identical &&
                                     (!both_keys || run.alice.key->key == run.bob.key->key))
            : nlohmann::ordered_json(nullptr);
    json["bob"] = {{"aborted", run.bob.report.aborted},
                   {"abort_stage", run.bob.report.aborted ? nlohmann::ordered_json(run.bob.report.abort_stage)
                                                          : nlohmann::ordered_json(nullptr)},
                   {"abort_reason", run.bob.report.aborted ? nlohmann::ordered_json(run.bob.report.abort_reason)
                                                           : nlohmann::ordered_json(nullptr)},
                   {"corrected_bits", run.bob.report.corrected_bits},
                   {"delivered_key_bits", run.bob.report.delivered_key_bits}};
    return json;
}

std::string block_text(const qkd::BlockReport& r) {
    std::ostringstream out;
    out << "post-processing (" << qkd::to_string(r.method) << "):\n";
    out << "  sifted " << r.sifted_bits << " key bits + " << r.test_bits << " test bits; sample " << r.sample_bits
        << " bits, QBER " << r.bit_error.qber << " [" << r.bit_error.lower << ", " << r.bit_error.upper
        << "], phase error <= " << r.phase_error.upper << " (limit " << r.qber_limit << ")\n";
    if (r.reconciled_bits > 0) {
        out << "  reconciled " << r.reconciled_bits << " bits: leaked " << r.leaked_bits << ", f "
            << r.reconciliation_efficiency << ", " << r.frame_errors << " of " << r.frames << " frames failed, "
            << r.round_trips << " round trips\n";
    }
    if (r.verification_tag_bits > 0) {
        out << "  verification: " << (r.verified ? "passed" : "failed") << " (" << r.verification_tag_bits
            << "-bit tag, collision bound " << r.verification_collision_bound << ")\n";
    }
    if (r.final_key_bits > 0) {
        out << "  final key " << r.final_key_bits << " bits (finite-key bound " << r.finite_key.length
            << ", phase error <= " << r.finite_key.bounds.phase_error_rate
            << "): " << per(static_cast<double>(r.final_key_bits), r.emulated_seconds) << " bit/s, "
            << per(static_cast<double>(r.final_key_bits), static_cast<double>(r.pulses)) << " bits per pulse\n";
        out << "  authentication used " << r.authentication_bits_used << " pool bits, replenished "
            << r.authentication_bits_replenished << "; delivered " << r.delivered_key_bits << " bits";
        if (r.delivered_key_bits > 0) out << " as key " << r.key_id;
        out << "\n";
        if (r.authentication_bits_replenished < r.authentication_bits_used) {
            out << "  the block used more authentication key than it made: the pool shrank by "
                << r.authentication_bits_used - r.authentication_bits_replenished << " bits\n";
        }
    }
    if (r.keys_identical) out << "  keys identical: " << (*r.keys_identical ? "yes" : "no") << " (hash comparison)\n";
    if (r.aborted) out << "  ABORTED at " << r.abort_stage << ": " << r.abort_reason << "\n";
    return out.str();
}

nlohmann::ordered_json blocks_json(const std::vector<qkd::PostprocessRun>& runs) {
    double sifted = 0, test = 0, sample = 0, errors = 0, leaked = 0, entropy_bits = 0, frames = 0, frame_errors = 0,
           trips = 0, final_bits = 0, confirmation = 0, used = 0, replenished = 0, delivered = 0, seconds = 0,
           pulses = 0, aborted = 0;
    bool verified = true, any_confirmed = false, identical = true;
    nlohmann::ordered_json blocks = nlohmann::ordered_json::array();
    for (const qkd::PostprocessRun& run : runs) {
        const qkd::BlockReport& r = run.alice.report;
        sifted += static_cast<double>(r.sifted_bits);
        test += static_cast<double>(r.test_bits);
        sample += static_cast<double>(r.bit_error.bits);
        errors += static_cast<double>(r.bit_error.errors);
        leaked += static_cast<double>(r.leaked_bits);
        if (r.reconciliation_efficiency > 0 && std::isfinite(r.reconciliation_efficiency))
            entropy_bits += static_cast<double>(r.leaked_bits) / r.reconciliation_efficiency;
        frames += static_cast<double>(r.frames);
        frame_errors += static_cast<double>(r.frame_errors);
        trips += static_cast<double>(r.round_trips);
        final_bits += static_cast<double>(r.final_key_bits);
        confirmation += static_cast<double>(r.confirmation_bits);
        used += static_cast<double>(r.authentication_bits_used);
        replenished += static_cast<double>(r.authentication_bits_replenished);
        delivered += static_cast<double>(r.delivered_key_bits);
        seconds += r.emulated_seconds;
        pulses += static_cast<double>(r.pulses);
        aborted += r.aborted;
        if (r.verification_tag_bits > 0) verified = verified && r.verified;
        const nlohmann::ordered_json block = run_json(run);
        if (!block["keys_identical"].is_null()) {
            any_confirmed = true;
            identical = identical && block["keys_identical"].get<bool>();
        }
        blocks.push_back(block);
    }
    const bool all_aborted = !runs.empty() && aborted == static_cast<double>(runs.size());
    nlohmann::ordered_json json;
    json["blocks_run"] = runs.size();
    json["aborted_blocks"] = aborted;
    json["aborted"] = all_aborted;
    json["abort_stage"] = all_aborted ? blocks[0]["abort_stage"] : nlohmann::ordered_json(nullptr);
    json["abort_reason"] = all_aborted ? blocks[0]["abort_reason"] : nlohmann::ordered_json(nullptr);
    json["sifted_bits"] = sifted;
    json["test_bits"] = test;
    json["sample_bits"] = sample;
    json["qber"] = per(errors, sample);
    json["reconciliation"] = runs.empty() ? "" : qkd::to_string(runs.front().alice.report.method);
    json["leaked_bits"] = leaked;
    json["reconciliation_efficiency"] = per(leaked, entropy_bits);
    json["frames"] = frames;
    json["frame_errors"] = frame_errors;
    json["round_trips"] = trips;
    json["verified"] = verified;
    json["final_key_bits"] = final_bits;
    json["secret_key_rate_bps"] = per(final_bits, seconds);
    json["secret_key_rate_per_pulse"] = per(final_bits, pulses);
    json["confirmation_bits"] = confirmation;
    json["keys_identical"] = any_confirmed ? nlohmann::ordered_json(identical) : nlohmann::ordered_json(nullptr);
    json["authentication_bits_used"] = used;
    json["authentication_bits_replenished"] = replenished;
    json["delivered_key_bits"] = delivered;
    json["net_key_rate_bps"] = per(delivered, seconds);
    json["blocks"] = std::move(blocks);
    return json;
}

std::string blocks_text(const std::vector<qkd::PostprocessRun>& runs) {
    if (runs.size() == 1) return block_text(runs.front().alice.report);
    const nlohmann::ordered_json totals = blocks_json(runs);
    std::ostringstream out;
    out << "post-processing (" << totals["reconciliation"].get<std::string>() << ", " << runs.size() << " blocks):\n";
    for (std::size_t b = 0; b < runs.size(); ++b) {
        const qkd::BlockReport& r = runs[b].alice.report;
        out << "  block " << b << ": sifted " << r.sifted_bits << ", QBER " << r.bit_error.qber << ", f "
            << r.reconciliation_efficiency << ", final " << r.final_key_bits << " bits";
        if (r.aborted) out << ", ABORTED at " << r.abort_stage << ": " << r.abort_reason;
        out << "\n";
    }
    out << "  total: final key " << totals["final_key_bits"].get<double>() << " bits, "
        << totals["secret_key_rate_bps"].get<double>() << " bit/s; delivered "
        << totals["delivered_key_bits"].get<double>() << " bits after "
        << totals["authentication_bits_replenished"].get<double>() << " went back to the authentication pool\n";
    return out.str();
}

KeyFileSink::~KeyFileSink() {
    for (qkd::KeyBlock& block : blocks_) block.key.wipe();
}

void KeyFileSink::deliver(qkd::KeyBlock block) { blocks_.push_back(std::move(block)); }

void KeyFileSink::write(std::ostream& out) const {
    if (path_.empty()) return;
    nlohmann::ordered_json json;
    json["schema"] = "qkdlab.keys/1";
    json["party"] = party_;
    nlohmann::ordered_json blocks = nlohmann::ordered_json::array();
    for (const qkd::KeyBlock& b : blocks_) {
        blocks.push_back({{"id", b.id},
                          {"bits", b.key.size()},
                          {"key_hex", key_hex(b.key)},
                          {"epsilon_sec", b.epsilon_sec},
                          {"epsilon_cor", b.epsilon_cor},
                          {"link", b.link},
                          {"block_index", b.block_index},
                          {"created_unix_ms", b.created_unix_ms}});
    }
    json["blocks"] = std::move(blocks);
    write_output(path_, json.dump(2) + "\n", out);
}

}  // namespace qkdlab::cli
