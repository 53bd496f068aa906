#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "qkdlab/core/text_file.h"
#include "run_cli.h"

namespace qkdlab::cli {
namespace {

using testing::run_cli;
using testing::scratch;

// The result without the fields that measure the run itself (time and speed).
nlohmann::json without_timing(nlohmann::json j) {
    for (auto& point : j["points"]) {
        point.erase("run_time_s");
        point.erase("pulses_per_second");
    }
    return j;
}

}  // namespace

TEST(command_link, decoy_run_on_the_metro_preset_reports_every_documented_field) {
    const auto r = run_cli({"link", "--preset", "metro-25km", "--pulses", "2e7", "--seed", "1", "--json"});
    ASSERT_EQ(r.status, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["schema"], "qkdlab.link-run/1");
    EXPECT_EQ(j["seed"], 1);
    EXPECT_EQ(j["mode"], "photon");
    EXPECT_EQ(j["link"]["name"], "metro-25km");
    ASSERT_EQ(j["points"].size(), 1u);
    const auto& p = j["points"][0];
    EXPECT_EQ(p["distance_km"], 25);
    EXPECT_EQ(p["records"]["pulses"], 20000000);
    EXPECT_GT(p["key_rate_per_pulse"].get<double>(), 0);
    EXPECT_FALSE(p["attack_detected"]);
    ASSERT_EQ(p["intensities"].size(), 3u);
    const auto& signal = p["intensities"][0];
    EXPECT_EQ(signal["name"], "signal");
    EXPECT_DOUBLE_EQ(p["gain"].get<double>(), signal["gain"].get<double>());
    EXPECT_DOUBLE_EQ(p["qber"].get<double>(), signal["qber"].get<double>());
    // Emulated against exact: within 4 sigma.
    EXPECT_NEAR(signal["qber"].get<double>(), signal["expected_qber"].get<double>(),
                4 * signal["qber_sigma"].get<double>());
    EXPECT_NEAR(signal["gain"].get<double>(), signal["expected_gain"].get<double>(),
                4 * signal["gain_sigma"].get<double>());
    EXPECT_TRUE(p["decoy_bounds"].contains("y1_lower"));
    EXPECT_NE(r.err.find("seed 1"), std::string::npos) << r.err;
}

TEST(command_link, the_same_seed_gives_the_same_result) {
    const std::vector<std::string> args = {"link", "--preset", "gys-2004", "--seconds", "2", "--seed", "9", "--json"};
    const auto a = run_cli(args), b = run_cli(args);
    ASSERT_EQ(a.status, 0) << a.err;
    EXPECT_EQ(without_timing(nlohmann::json::parse(a.out)), without_timing(nlohmann::json::parse(b.out)));
}

TEST(command_link, intercept_resend_shows_and_leaves_no_key) {
    const auto r =
        run_cli({"link", "--preset", "metro-25km", "--pulses", "1e7", "--seed", "3", "--eve", "intercept-resend"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("attack detected"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("key rate: 0 +- 0 bits per pulse"), std::string::npos) << r.out;
}

TEST(command_link, qubit_mode_and_a_sweep_with_csv_and_plot) {
    const auto csv = scratch("link.csv"), svg = scratch("link.svg");
    const auto r = run_cli({"link", "--preset", "metro-25km", "--mode", "qubit", "--pulses", "20000", "--seed", "4",
                            "--sweep", "distance_km=0:50:25", "--csv", csv.string(), "--plot", svg.string()});
    ASSERT_EQ(r.status, 0) << r.err;
    const std::string table = core::read_text_file(csv).value_or("");
    EXPECT_EQ(table.rfind("distance_km,key_rate_per_pulse,", 0), 0u) << table;
    EXPECT_EQ(std::count(table.begin(), table.end(), '\n'), 4);
    EXPECT_NE(core::read_text_file(svg).value_or("").find("<svg"), std::string::npos);
}

TEST(command_link, bad_input_names_the_place_and_writes_nothing) {
    const auto out = scratch("never.json");
    struct Case {
        std::vector<std::string> args;
        std::string message;
    };
    const Case cases[] = {
        {{"--pulses", "0"}, "--pulses"},
        {{"--pulses", "1.5"}, "whole number"},
        {{"--pulses", "10", "--seconds", "1"}, "excludes"},
        {{"--preset", "entangled-50km", "--eve", "pns"}, "/eve/kind"},
        {{"--mode", "wave"}, "--mode"},
        {{"--eve-fraction", "1.5", "--eve", "intercept-resend"}, "/eve/fraction"},
        {{"--sweep", "distance_km=0:1e9:1"}, "more than"},
    };
    for (const Case& c : cases) {
        std::vector<std::string> args = {"link", "--out", out.string(), "--pulses", "1000"};
        if (c.args[0] == "--pulses") args.resize(3);
        args.insert(args.end(), c.args.begin(), c.args.end());
        const auto r = run_cli(args);
        EXPECT_EQ(r.status, 2) << c.args[0];
        EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
        EXPECT_FALSE(std::filesystem::exists(out));
    }
}

}  // namespace qkdlab::cli

namespace qkdlab::cli {
namespace {

nlohmann::json read_json(const std::filesystem::path& path) {
    return nlohmann::json::parse(*core::read_text_file(path));
}

}  // namespace

// The whole chain from the command line: every field the issue names, both parties' key files
// with the same key under the same id, and the counts adding up.
TEST(command_link, postprocess_reports_every_stage_and_writes_identical_keys) {
    const auto alice_keys = scratch("pp_alice_keys.json"), bob_keys = scratch("pp_bob_keys.json");
    const auto r =
        run_cli({"link", "--link", testing::testdata("finite_key_link.json"), "--pulses", "3e7", "--seed", "3",
                 "--postprocess", "--json", "--alice-keys", alice_keys.string(), "--bob-keys", bob_keys.string()});
    ASSERT_EQ(r.status, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["postprocess_options"]["reconciliation"], "cascade");
    const auto& p = j["points"][0]["postprocess"];
    for (const char* field : {"sifted_bits", "qber", "leaked_bits", "reconciliation_efficiency", "final_key_bits",
                              "secret_key_rate_bps", "aborted", "abort_reason", "keys_identical", "frame_errors",
                              "round_trips", "verified", "secret_key_rate_per_pulse", "blocks"})
        EXPECT_TRUE(p.contains(field)) << field;
    ASSERT_EQ(p["blocks"].size(), 1u);
    for (const char* field : {"finite_key", "qber_interval", "phase_error_interval", "stage_seconds", "key_id"})
        EXPECT_TRUE(p["blocks"][0].contains(field)) << field;
    EXPECT_FALSE(p["aborted"]);
    EXPECT_TRUE(p["abort_reason"].is_null());
    EXPECT_TRUE(p["keys_identical"]);
    EXPECT_GT(p["sifted_bits"].get<double>(), 1e5);
    EXPECT_NEAR(p["qber"].get<double>(), 0.011, 0.004);
    EXPECT_GT(p["reconciliation_efficiency"].get<double>(), 1.0);
    EXPECT_LT(p["reconciliation_efficiency"].get<double>(), 1.2);
    EXPECT_GT(p["final_key_bits"].get<double>(), 0);
    EXPECT_DOUBLE_EQ(p["secret_key_rate_bps"].get<double>(), p["final_key_bits"].get<double>() / 0.03);
    EXPECT_EQ(p["delivered_key_bits"].get<std::uint64_t>() + p["authentication_bits_replenished"].get<std::uint64_t>() +
                  p["confirmation_bits"].get<std::uint64_t>(),
              p["final_key_bits"].get<std::uint64_t>());

    const auto a = read_json(alice_keys), b = read_json(bob_keys);
    EXPECT_EQ(a["schema"], "qkdlab.keys/1");
    EXPECT_EQ(a["party"], "alice");
    ASSERT_EQ(a["blocks"].size(), 1u);
    ASSERT_EQ(b["blocks"].size(), 1u);
    EXPECT_EQ(a["blocks"][0]["id"], b["blocks"][0]["id"]);
    EXPECT_EQ(a["blocks"][0]["key_hex"], b["blocks"][0]["key_hex"]);
    EXPECT_EQ(a["blocks"][0]["bits"], p["delivered_key_bits"]);
    EXPECT_EQ(a["blocks"][0]["id"].get<std::string>().size(), 36u);
    // Keys never reach the report.
    EXPECT_EQ(r.out.find(a["blocks"][0]["key_hex"].get<std::string>().substr(0, 32)), std::string::npos);
}

// A run cut into blocks: the pool carries over (each block's replenishment pays for the next), the
// totals add up, and every block's key lands in the key file.
TEST(command_link, postprocess_in_blocks_reports_totals_and_every_block) {
    const auto keys = scratch("pp_blocks_keys.json");
    const auto r = run_cli({"link", "--link", testing::testdata("finite_key_link.json"), "--pulses", "9e7", "--seed",
                            "5", "--postprocess", "--block-seconds", "0.03", "--json", "--alice-keys", keys.string()});
    ASSERT_EQ(r.status, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    const auto& p = j["points"][0]["postprocess"];
    ASSERT_EQ(p["blocks"].size(), 3u);
    EXPECT_EQ(p["blocks_run"], 3);
    double final_bits = 0;
    std::set<std::string> ids;
    for (const auto& block : p["blocks"]) {
        EXPECT_FALSE(block["aborted"]) << block["abort_reason"];
        EXPECT_TRUE(block["keys_identical"]);
        final_bits += block["final_key_bits"].get<double>();
        ids.insert(block["key_id"].get<std::string>());
    }
    EXPECT_EQ(ids.size(), 3u);
    EXPECT_DOUBLE_EQ(p["final_key_bits"].get<double>(), final_bits);
    EXPECT_DOUBLE_EQ(p["secret_key_rate_bps"].get<double>(), final_bits / 0.09);
    EXPECT_TRUE(p["keys_identical"]);
    EXPECT_EQ(read_json(keys)["blocks"].size(), 3u);
}

TEST(command_link, postprocess_aborts_under_intercept_resend_and_outputs_no_key) {
    const auto keys = scratch("pp_eve_keys.json");
    const auto r =
        run_cli({"link", "--link", testing::testdata("finite_key_link.json"), "--pulses", "1e7", "--seed", "4", "--eve",
                 "intercept-resend", "--postprocess", "--json", "--alice-keys", keys.string()});
    ASSERT_EQ(r.status, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    const auto& p = j["points"][0]["postprocess"];
    EXPECT_TRUE(p["aborted"]);
    EXPECT_EQ(p["abort_stage"], "estimation");
    EXPECT_EQ(p["aborted_blocks"], 1);
    EXPECT_FALSE(p["abort_reason"].get<std::string>().empty());
    EXPECT_EQ(p["final_key_bits"], 0);
    EXPECT_TRUE(p["keys_identical"].is_null());
    EXPECT_TRUE(read_json(keys)["blocks"].empty());
}

TEST(command_link, postprocess_rejects_bad_options_before_running) {
    const auto keys = scratch("pp_never.json");
    struct Case {
        std::vector<std::string> args;
        std::string message;
    };
    const std::vector<Case> cases = {
        {{"--protocol", "bb84", "--postprocess"}, "finite-key bound"},
        {{"--postprocess", "--epsilon-sec", "2"}, "--epsilon-sec"},
        {{"--postprocess", "--sample-fraction", "1"}, "--sample-fraction"},
        {{"--postprocess", "--reconciliation", "turbo"}, "--reconciliation"},
        {{"--alice-keys", keys.string()}, "need --postprocess"},
        {{"--postprocess", "--auth-pool-bits", "10"}, "--auth-pool-bits"},
        {{"--block-seconds", "1"}, "--block-seconds needs --postprocess"},
        {{"--postprocess", "--block-seconds", "0"}, "--block-seconds"},
    };
    for (const Case& c : cases) {
        std::vector<std::string> args = {"link", "--pulses", "1000", "--seed", "1"};
        args.insert(args.end(), c.args.begin(), c.args.end());
        const auto r = run_cli(args);
        EXPECT_EQ(r.status, 2) << c.message;
        EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
        EXPECT_FALSE(std::filesystem::exists(keys));
    }
}

}  // namespace qkdlab::cli
