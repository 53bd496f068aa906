#include "qkdlab/qkd/ldpc_code.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <thread>
#include <vector>

#include "qkdlab/core/error.h"

namespace {

using namespace qkdlab;
using qkd::LdpcCode;
using qkd::LdpcCodeParameters;

// Whether two variables share two checks (a 4-cycle), over every pair of checks of every variable.
bool has_four_cycle(const LdpcCode& code) {
    for (std::uint32_t c = 0; c < code.checks(); ++c) {
        // Variables met through the other checks of c's variables, marked with c + 1.
        for (std::uint32_t v : code.check_variables(c)) {
            for (std::uint32_t d : code.variable_checks(v)) {
                if (d <= c) continue;
                for (std::uint32_t u : code.check_variables(d)) {
                    if (u == v) continue;
                    // u and v share checks c and d if u is also in c.
                    const auto row = code.check_variables(c);
                    if (std::binary_search(row.begin(), row.end(), u)) return true;
                }
            }
        }
    }
    return false;
}

TEST(ldpc_code, both_adjacency_directions_agree) {
    const LdpcCode code = LdpcCode::peg({2000, 600, 3});
    ASSERT_EQ(code.check_offsets().size(), 601u);
    std::size_t from_columns = 0;
    for (std::uint32_t v = 0; v < code.bits(); ++v) {
        const auto checks = code.variable_checks(v);
        EXPECT_TRUE(std::is_sorted(checks.begin(), checks.end()));
        EXPECT_TRUE(std::adjacent_find(checks.begin(), checks.end()) == checks.end()) << "double edge at " << v;
        for (std::uint32_t c : checks) {
            const auto row = code.check_variables(c);
            EXPECT_TRUE(std::binary_search(row.begin(), row.end(), v));
        }
        from_columns += checks.size();
    }
    EXPECT_EQ(from_columns, code.edges());
}

TEST(ldpc_code, realises_the_variable_degree_distribution_and_concentrated_checks) {
    for (double rate : {0.5, 0.7, 0.85, 0.95}) {
        const auto bits = std::uint32_t{8000};
        const auto checks = static_cast<std::uint32_t>(std::lround(bits * (1 - rate)));
        const LdpcCode code = LdpcCode::peg({bits, checks, 11});
        const qkd::LdpcDegreeDistribution distribution = qkd::ldpc_degree_distribution(1 - double(checks) / bits);
        std::map<std::uint32_t, std::size_t> edges_by_degree;
        for (std::uint32_t v = 0; v < bits; ++v)
            edges_by_degree[code.variable_checks(v).size()] += code.variable_checks(v).size();
        ASSERT_EQ(edges_by_degree.size(), distribution.degrees.size()) << "rate " << rate;
        for (std::size_t i = 0; i < distribution.degrees.size(); ++i) {
            const double fraction = double(edges_by_degree[distribution.degrees[i]]) / double(code.edges());
            // Rounding of node counts moves a fraction by at most degree / edges.
            EXPECT_NEAR(fraction, distribution.edge_fractions[i], 1e-3)
                << "rate " << rate << " degree " << distribution.degrees[i];
        }
        // PEG's lowest-degree-first choice: check degrees within one or two of the mean.
        const double mean = double(code.edges()) / checks;
        std::uint32_t low = ~0u, high = 0;
        for (std::uint32_t c = 0; c < checks; ++c) {
            low = std::min<std::uint32_t>(low, code.check_variables(c).size());
            high = std::max<std::uint32_t>(high, code.check_variables(c).size());
        }
        EXPECT_GE(low + 2, std::floor(mean)) << "rate " << rate;
        EXPECT_LE(high, std::ceil(mean) + 2) << "rate " << rate;
    }
}

TEST(ldpc_code, tabulated_distributions_are_normalised_and_meet_bsc_stability) {
    for (double rate : {0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95}) {
        const qkd::LdpcDegreeDistribution d = qkd::ldpc_degree_distribution(rate);
        double sum = 0, inverse_mean = 0;
        for (std::size_t i = 0; i < d.degrees.size(); ++i) {
            EXPECT_GT(d.edge_fractions[i], 0);
            EXPECT_LE(d.degrees[i], 60u);
            sum += d.edge_fractions[i];
            inverse_mean += d.edge_fractions[i] / d.degrees[i];
        }
        EXPECT_NEAR(sum, 1, 1e-12);
        ASSERT_EQ(d.degrees[0], 2u);
        // Stability on the BSC (Richardson, Shokrollahi and Urbanke 2001): lambda_2 rho'(1) <
        // 1 / (2 sqrt(p (1 - p))) at any p the code is to decode; checked at the crossover p where
        // f = (1 - R) / h(p) = 1.1, with rho'(1) ~ mean check degree - 1.
        double p_low = 0, p_high = 0.5;
        for (int i = 0; i < 60; ++i) {
            const double mid = (p_low + p_high) / 2;
            const double h = -mid * std::log2(mid) - (1 - mid) * std::log2(1 - mid);
            (1.1 * h < 1 - rate ? p_low : p_high) = mid;
        }
        const double mean_check = 1 / inverse_mean / (1 - rate);
        EXPECT_LT(d.edge_fractions[0] * (mean_check - 1), 1 / (2 * std::sqrt(p_low * (1 - p_low)))) << rate;
        // Fewer degree-2 variables than checks (node fraction lambda_2 / 2 / sum_i lambda_i / i below
        // 1 - R), with 5% to spare: more would close cycles of degree-2 variables, which PEG cannot
        // avoid, and make low-weight codewords.
        EXPECT_LT(d.edge_fractions[0] / 2 / inverse_mean, 0.96 * (1 - rate)) << rate;
    }
    // Rates between table entries take the nearest one.
    EXPECT_EQ(qkd::ldpc_degree_distribution(0.71).edge_fractions, qkd::ldpc_degree_distribution(0.7).edge_fractions);
    EXPECT_THROW(qkd::ldpc_degree_distribution(0.2), Error);
    EXPECT_THROW(qkd::ldpc_degree_distribution(0.99), Error);
}

// The variables that lie on a 4-cycle (share two checks with another variable).
std::size_t variables_on_four_cycles(const LdpcCode& code) {
    std::vector<std::uint32_t> seen(code.bits(), ~0u);
    std::size_t count = 0;
    for (std::uint32_t v = 0; v < code.bits(); ++v) {
        bool on_cycle = false;
        for (std::uint32_t c : code.variable_checks(v)) {
            for (std::uint32_t u : code.check_variables(c)) {
                if (u == v) continue;
                if (seen[u] == v) on_cycle = true;
                seen[u] = v;
            }
        }
        count += on_cycle;
    }
    return count;
}

// PEG avoids 4-cycles while the checks within distance 2 of a variable are not all of them and its
// distance-2 search stays within budget. The tabulated distributions put about a quarter of the
// edges on degree-60 variables, which on short codes reach most checks within distance 2: measured,
// 20% of the variables of a 4000-bit rate-1/2 code lie on a 4-cycle (mostly light variables sharing
// two checks with a heavy one), 9% at 16000 bits. The fraction must not grow with the code (it reaches 0 at 16000 bits
// here).
TEST(ldpc_code, four_cycles_become_rarer_as_codes_grow) {
    double previous = 1;
    for (const LdpcCodeParameters& parameters :
         {LdpcCodeParameters{4000, 2000, 1}, {8000, 4000, 3}, {16000, 8000, 4}}) {
        const LdpcCode code = LdpcCode::peg(parameters);
        const double fraction = double(variables_on_four_cycles(code)) / double(code.bits());
        EXPECT_LT(fraction, 0.25) << parameters.bits;
        EXPECT_LE(fraction, previous) << parameters.bits;
        EXPECT_EQ(fraction > 0, has_four_cycle(code)) << parameters.bits;
        previous = fraction;
    }
    // The check itself sees a 4-cycle: a dense code of 40 variables on 8 checks must have one.
    EXPECT_TRUE(has_four_cycle(LdpcCode::peg({40, 8, 1})));
    EXPECT_GT(variables_on_four_cycles(LdpcCode::peg({40, 8, 1})), 0u);
}

TEST(ldpc_code, same_seed_same_code_other_seed_other_code) {
    const LdpcCode a = LdpcCode::peg({3000, 900, 42}), b = LdpcCode::peg({3000, 900, 42}),
                   c = LdpcCode::peg({3000, 900, 43});
    EXPECT_TRUE(std::ranges::equal(a.all_check_variables(), b.all_check_variables()));
    EXPECT_TRUE(std::ranges::equal(a.check_offsets(), b.check_offsets()));
    EXPECT_TRUE(std::ranges::equal(a.puncturing_order(), b.puncturing_order()));
    EXPECT_FALSE(std::ranges::equal(a.all_check_variables(), c.all_check_variables()));
}

TEST(ldpc_code, cache_returns_one_shared_build_across_threads) {
    const LdpcCodeParameters parameters{5000, 1000, 9};
    std::vector<std::shared_ptr<const LdpcCode>> got(4);
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < got.size(); ++i) threads.emplace_back([&, i] { got[i] = qkd::ldpc_code(parameters); });
    for (std::thread& t : threads) t.join();
    for (const auto& code : got) EXPECT_EQ(code.get(), got[0].get());
    EXPECT_NE(qkd::ldpc_code({5000, 1000, 10}).get(), got[0].get());
}

TEST(ldpc_code, puncturing_order_is_untainted_and_has_full_column_rank) {
    const LdpcCode code = LdpcCode::peg({8000, 1600, 5});
    const auto order = code.puncturing_order();
    ASSERT_GT(order.size(), 100u);
    // No check holds two punctured variables.
    std::vector<int> per_check(code.checks(), 0);
    for (std::uint32_t v : order) {
        for (std::uint32_t c : code.variable_checks(v)) EXPECT_EQ(++per_check[c], 1) << "check " << c;
    }
    EXPECT_EQ(qkd::peeled_column_rank(code, order), order.size());
    // Peeling proves nothing about two equal columns: take two variables with the same checks in a
    // hand-made situation, a variable listed twice counts once, and a set of every variable of a
    // check and all their neighbours is not peeled completely in a dense code.
    const LdpcCode dense = LdpcCode::peg({64, 32, 2});
    std::vector<std::uint32_t> all(64);
    for (std::uint32_t v = 0; v < 64; ++v) all[v] = v;
    // 64 columns of a 32-row matrix have rank at most 32: peeling must not claim more.
    EXPECT_LE(qkd::peeled_column_rank(dense, all), 32u);
}

TEST(ldpc_code, syndrome_is_h_times_the_word) {
    const LdpcCode code = LdpcCode::peg({500, 250, 8});
    core::BitVector word(500);
    for (std::size_t i = 0; i < 500; i += 7) word[i] = true;
    const core::BitVector syndrome = code.syndrome(word);
    for (std::uint32_t c = 0; c < code.checks(); ++c) {
        bool parity = false;
        for (std::uint32_t v : code.check_variables(c)) parity ^= word[v];
        EXPECT_EQ(syndrome[c], parity);
    }
}

TEST(ldpc_code, builds_a_65k_code_in_seconds) {
    const auto start = std::chrono::steady_clock::now();
    const LdpcCode code = LdpcCode::peg({65536, 32768, 1});
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_GT(code.edges(), 200000u);
    // A few seconds in Release; the margin is for a loaded shared machine.
    EXPECT_LT(seconds, 30.0);
    RecordProperty("seconds", std::to_string(seconds));
}

TEST(ldpc_code, rejects_bad_parameters) {
    EXPECT_THROW(qkd::check(LdpcCodeParameters{8, 4, 0}), Error);
    EXPECT_THROW(qkd::check(LdpcCodeParameters{1000, 0, 0}), Error);
    EXPECT_THROW(qkd::check(LdpcCodeParameters{1000, 1000, 0}), Error);
    EXPECT_THROW(qkd::check(LdpcCodeParameters{1000, 800, 0}), Error);  // rate 0.2
    EXPECT_THROW(qkd::ldpc_code({1000, 5, 0}), Error);                  // rate 0.995
    EXPECT_NO_THROW(qkd::check(LdpcCodeParameters{1000, 500, 0}));
}

}  // namespace
