#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "run_cli.h"

namespace qkdlab::cli {
namespace {

using testing::run_cli;
using testing::scratch;
using testing::testdata;

}  // namespace

TEST(command_sim, counts_in_text_with_the_seed_on_stderr) {
    const auto r = run_cli({"sim", testdata("bell.qasm"), "--shots", "1000", "--seed", "5"});
    ASSERT_EQ(r.status, 0) << r.err;
    std::istringstream lines(r.out);
    std::string key;
    std::size_t count = 0, total = 0;
    while (lines >> key >> count) {
        EXPECT_TRUE(key == "00" || key == "11") << key;
        total += count;
    }
    EXPECT_EQ(total, 1000u);
    EXPECT_NE(r.err.find("2 qubits"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("seed 5"), std::string::npos) << r.err;
}

TEST(command_sim, same_seed_same_output) {
    const auto a = run_cli({"sim", testdata("two_registers.qasm"), "--shots", "2000", "--seed", "42"});
    const auto b = run_cli({"sim", testdata("two_registers.qasm"), "--shots", "2000", "--seed", "42"});
    ASSERT_EQ(a.status, 0);
    EXPECT_EQ(a.out, b.out);
}

TEST(command_sim, json_result_carries_schema_input_seed_and_figures) {
    const auto r = run_cli({"sim", testdata("two_registers.qasm"), "--shots", "4000", "--seed", "7", "--json"});
    ASSERT_EQ(r.status, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["schema"], "qkdlab.sim/1");
    EXPECT_EQ(j["input"]["num_qubits"], 3);
    EXPECT_EQ(j["config"]["seed"], 7);
    EXPECT_EQ(j["config"]["shots"], 4000);
    // Keys are Qiskit's: the last register (high) first, then low as low[1] low[0].
    const auto& counts = j["counts"];
    ASSERT_EQ(counts.size(), 2u);
    const double p1 = std::pow(std::sin(std::numbers::pi / 6), 2);  // ry(pi/3): P(1) = 1/4
    const double ones = counts.value("1 01", 0);
    EXPECT_NEAR(ones / 4000, p1, 4 * std::sqrt(p1 * (1 - p1) / 4000));  // 4 sigma
    EXPECT_EQ(counts.value("1 01", 0) + counts.value("0 01", 0), 4000);
    EXPECT_TRUE(j["stats"]["single_simulation"]);
    EXPECT_GT(j["stats"]["peak_rss_mib"].get<double>(), 0.0);
    // The source itself travels with the result, so the run can be repeated from its own output.
    EXPECT_NE(j["input"]["source"].get<std::string>().find("ry(pi/3) q[2];"), std::string::npos);
}

TEST(command_sim, exact_probabilities_and_statevector) {
    const auto r = run_cli({"sim", testdata("bell.qasm"), "--probabilities", "--statevector", "--json"});
    ASSERT_EQ(r.status, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["probabilities"].size(), 2u);
    EXPECT_NEAR(j["probabilities"]["00"].get<double>(), 0.5, 1e-15);
    EXPECT_NEAR(j["probabilities"]["11"].get<double>(), 0.5, 1e-15);
    EXPECT_NEAR(j["statevector"]["11"][0].get<double>(), 1 / std::sqrt(2.0), 1e-15);
    EXPECT_EQ(j["statevector"]["01"][1].get<double>(), 0.0);
    EXPECT_FALSE(j.contains("counts"));  // no --shots: no sampling
    EXPECT_TRUE(j["final_state_deterministic"]);
    const auto text = run_cli({"sim", testdata("two_registers.qasm"), "--probabilities"});
    EXPECT_NE(text.out.find("001 0.75"), std::string::npos) << text.out;  // q2 q1 q0
    EXPECT_NE(text.out.find("101 0.25"), std::string::npos) << text.out;
}

TEST(command_sim, out_writes_a_whole_file) {
    const auto path = scratch("result.json");
    const auto r = run_cli({"sim", testdata("bell.qasm"), "--shots", "10", "--seed", "1", "--json", "--out", path});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(r.out.empty());
    std::ifstream file(path);
    const auto j = nlohmann::json::parse(file);
    EXPECT_EQ(j["config"]["shots"], 10);
    std::filesystem::remove_all(path.parent_path());
}

TEST(command_sim, bad_input_exits_2_with_the_place_and_writes_nothing) {
    const auto path = scratch("never.json");
    const auto r = run_cli({"sim", testdata("missing_semicolon.qasm"), "--out", path});
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("missing_semicolon.qasm:5:1: expected ';'"), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(path));
    EXPECT_TRUE(r.out.empty());
    std::filesystem::remove_all(path.parent_path());
}

TEST(command_sim, counting_a_circuit_without_classical_bits_is_an_error) {
    const auto r = run_cli({"sim", testdata("no_measurement.qasm")});
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("no classical bits"), std::string::npos) << r.err;
    const auto probabilities = run_cli({"sim", testdata("no_measurement.qasm"), "--probabilities"});
    EXPECT_EQ(probabilities.status, 0) << probabilities.err;
    EXPECT_EQ(probabilities.out, "00 0.5\n01 0.5\n");
}

TEST(command_sim, a_state_larger_than_memory_is_a_runtime_failure) {
    const auto r = run_cli({"sim", testdata("forty_qubits.qasm"), "--shots", "1"});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("a state vector of 40 qubits needs 16384 GiB of memory"), std::string::npos) << r.err;
}

TEST(command_sim, noise_model_on_the_density_matrix_and_by_trajectories) {
    const auto r = run_cli(
        {"sim", testdata("bell.qasm"), "--noise", testdata("noise.json"), "--shots", "4000", "--seed", "2", "--json"});
    ASSERT_EQ(r.status, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["noise"]["method"], "density");  // 2 qubits: density by default
    EXPECT_EQ(j["config"]["method"], "density");
    EXPECT_TRUE(j["stats"]["exact_distribution"]);
    EXPECT_EQ(j["decoherence"].size(), 2u);
    EXPECT_GT(j["decoherence"][1]["idle_ns"].get<double>(), 0.0);           // qubit 1 waits for the h
    EXPECT_GT(j["counts"].value("01", 0) + j["counts"].value("10", 0), 0);  // noise shows
    const auto t = run_cli({"sim", testdata("bell.qasm"), "--noise", testdata("noise.json"), "--method", "trajectories",
                            "--shots", "100", "--seed", "2", "--json"});
    ASSERT_EQ(t.status, 0) << t.err;
    EXPECT_EQ(nlohmann::json::parse(t.out)["noise"]["method"], "trajectories");
}

TEST(command_sim, noise_errors_exit_2) {
    const auto bad = run_cli({"sim", testdata("bell.qasm"), "--noise", testdata("bad_noise.json")});
    EXPECT_EQ(bad.status, 2);
    EXPECT_NE(bad.err.find("bad_noise.json: /after_gates/0/channel/p: must be between 0 and"), std::string::npos)
        << bad.err;
    EXPECT_EQ(
        run_cli({"sim", testdata("bell.qasm"), "--noise", testdata("noise.json"), "--method", "statevector"}).status,
        2);
    EXPECT_EQ(run_cli({"sim", testdata("bell.qasm"), "--noise", testdata("noise.json"), "--method", "trajectories",
                       "--probabilities"})
                  .status,
              2);
    EXPECT_EQ(run_cli({"sim", testdata("bell.qasm"), "--method", "tensor"}).status, 2);
}

TEST(command_sim, bad_options_exit_2) {
    EXPECT_EQ(run_cli({"sim"}).status, 2);                                            // no file
    EXPECT_EQ(run_cli({"sim", testdata("nope.qasm")}).status, 2);                     // missing file
    EXPECT_EQ(run_cli({"sim", testdata("bell.qasm"), "--shots", "0"}).status, 2);     // out of range
    EXPECT_EQ(run_cli({"sim", testdata("bell.qasm"), "--shots", "many"}).status, 2);  // not a number
    EXPECT_EQ(run_cli({"sim", testdata("bell.qasm"), "--frobnicate"}).status, 2);     // unknown flag
    const auto big =
        run_cli({"sim", std::string(QKDLAB_SHARED_DIR) + "/qasmbench/cat_state_n22.qasm", "--statevector"});
    EXPECT_EQ(big.status, 2);
    EXPECT_NE(big.err.find("at most 20"), std::string::npos) << big.err;
}

}  // namespace qkdlab::cli
