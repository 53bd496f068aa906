#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

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
