#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "run_cli.h"

namespace qkdlab::cli {

TEST(command_demo, teleportation_matches_its_closed_form) {
    const auto r = testing::run_cli({"demo", "--theta", "2.0", "--shots", "20000", "--seed", "3", "--json"});
    ASSERT_EQ(r.status, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    const double measured = j["bob_p1"]["measured"], expected = j["bob_p1"]["expected"], sigma = j["bob_p1"]["sigma"];
    EXPECT_NEAR(expected, std::pow(std::sin(1.0), 2), 1e-15);
    EXPECT_NEAR(measured, expected, 4 * sigma);  // 4 sigma for 20000 shots
    EXPECT_EQ(j["counts"].size(), 8u);           // Alice's two bits are uniform, Bob's follows theta
}

TEST(command_demo, runs_on_defaults) {
    const auto r = testing::run_cli({"demo"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("Teleportation"), std::string::npos);
    EXPECT_EQ(testing::run_cli({"demo", "--theta", "7"}).status, 2);
}

}  // namespace qkdlab::cli
