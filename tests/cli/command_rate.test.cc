#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "qkdlab/core/text_file.h"
#include "qkdlab/qkd/analytic_rate.h"
#include "run_cli.h"

namespace qkdlab::cli {
namespace {

using testing::run_cli;
using testing::scratch;

}  // namespace

TEST(command_rate, sweep_of_distance_matches_the_library_point_by_point) {
    const auto r = run_cli({"rate", "--preset", "gys-2004", "--protocol", "decoy-bb84", "--decoys", "infinite",
                            "--sweep", "distance_km=0:200:10", "--json"});
    ASSERT_EQ(r.status, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["schema"], "qkdlab.rate/1");
    EXPECT_EQ(j["link"]["name"], "gys-2004");
    EXPECT_EQ(j["sweep"]["pointer"], "/channel/length_km");
    ASSERT_EQ(j["points"].size(), 21u);
    qkd::Link link = qkd::link_preset("gys-2004");
    double last_with_key = -1;
    for (const auto& point : j["points"]) {
        for (const char* field : {"distance_km", "key_rate_per_pulse", "key_rate_bps", "qber", "gain", "intensities"})
            EXPECT_TRUE(point.contains(field)) << field;
        link.channel.length_km = point["distance_km"];
        const qkd::RatePoint expected =
            qkd::analytic_rate(link, qkd::Protocol::decoy_bb84, qkd::DecoyAnalysis::infinite, true);
        EXPECT_DOUBLE_EQ(point["key_rate_per_pulse"].get<double>(), expected.key_rate_per_pulse);
        EXPECT_DOUBLE_EQ(point["qber"].get<double>(), expected.qber);
        if (expected.key_rate_per_pulse > 0) last_with_key = point["distance_km"];
    }
    // Infinite decoys on the GYS link reach 142 km (Ma, Qi, Zhao and Lo 2005, fig. 1).
    EXPECT_EQ(last_with_key, 140);
}

TEST(command_rate, given_intensities_are_kept_and_single_photon_is_a_protocol) {
    const auto a = run_cli({"rate", "--preset", "gys-2004", "--mu", "0.3", "--nu", "0.02", "--json"});
    ASSERT_EQ(a.status, 0) << a.err;
    const auto ja = nlohmann::json::parse(a.out);
    EXPECT_FALSE(ja["optimise_intensity"]);
    EXPECT_DOUBLE_EQ(ja["points"][0]["intensities"][0].get<double>(), 0.3);
    const auto b = run_cli({"rate", "--preset", "gys-2004", "--protocol", "single-photon", "--json"});
    ASSERT_EQ(b.status, 0) << b.err;
    const auto jb = nlohmann::json::parse(b.out);
    EXPECT_EQ(jb["link"]["source"]["kind"], "single-photon");
    EXPECT_GT(jb["points"][0]["key_rate_per_pulse"].get<double>(), 0);
}

TEST(command_rate, a_sweep_of_the_signal_intensity_is_not_optimised_away) {
    const auto r = run_cli({"rate", "--sweep", "mu=0.2:0.8:0.3", "--json"});
    ASSERT_EQ(r.status, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_FALSE(j["optimise_intensity"]);
    ASSERT_EQ(j["points"].size(), 3u);
    for (std::size_t i = 0; i < 3; ++i)
        EXPECT_DOUBLE_EQ(j["points"][i]["intensities"][0].get<double>(), 0.2 + 0.3 * static_cast<double>(i));
}

TEST(command_rate, writes_csv_and_a_plot) {
    const auto csv = scratch("rate.csv"), svg = scratch("rate.svg");
    const auto r = run_cli({"rate", "--preset", "entangled-50km", "--sweep", "distance_km=10:100:30", "--csv",
                            csv.string(), "--plot", svg.string()});
    ASSERT_EQ(r.status, 0) << r.err;
    const std::string table = core::read_text_file(csv).value_or("");
    EXPECT_EQ(table.rfind("distance_km,key_rate_per_pulse,key_rate_bps,qber,gain,mu,nu\n", 0), 0u) << table;
    EXPECT_EQ(std::count(table.begin(), table.end(), '\n'), 5);
    EXPECT_NE(core::read_text_file(svg).value_or("").find("<svg"), std::string::npos);
    EXPECT_EQ(r.out.rfind("# distance_km", 0), 0u) << r.out;
}

TEST(command_rate, bad_input_names_the_place_and_writes_nothing) {
    const auto out = scratch("never.json");
    struct Case {
        std::vector<std::string> args;
        std::string message;
    };
    const Case cases[] = {
        {{"--sweep", "colour=1:2:1"}, "unknown link parameter 'colour'"},
        {{"--sweep", "distance_km=10:0:1"}, "STOP must not be below START"},
        {{"--sweep", "distance_km=0:10:0"}, "STEP must be positive"},
        {{"--sweep", "distance_km=0:x:1"}, "'x' is not a number"},
        {{"--set", "/channel/length_km=-5"}, "/channel/length_km"},
        {{"--set", "/channel/colour=1"}, "/channel/colour"},
        {{"--set", "efficiency"}, "expected NAME=VALUE"},
        {{"--protocol", "bbm92"}, "/protocol"},
        {{"--preset", "nowhere"}, "nowhere"},
        {{"--link", "/nonexistent/link.json"}, "/nonexistent/link.json"},
        {{"--csv", out.string()}, "name the same file"},
        {{"--plot", "/nonexistent/folder/p.svg"}, "does not exist"},
        {{"--set", "/name=\xff"}, "not valid UTF-8"},
    };
    for (const Case& c : cases) {
        std::vector<std::string> args = {"rate", "--out", out.string()};
        args.insert(args.end(), c.args.begin(), c.args.end());
        const auto r = run_cli(args);
        EXPECT_EQ(r.status, 2) << c.args[0] << " " << c.args[1];
        EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
        EXPECT_FALSE(std::filesystem::exists(out));
    }
}

}  // namespace qkdlab::cli
