#include "qkdlab/qsim/noise_model.h"

#include <gtest/gtest.h>

#include <string>

#include "qkdlab/core/error.h"

namespace qkdlab::qsim {
namespace {

const char* FULL = R"({
  "schema": "qkdlab.noise/1",
  "qubits": {"default": {"t1_us": 100, "t2_us": 80}, "2": {"t1_us": 40, "t2_us": 30}},
  "gate_durations_ns": {"default": 50, "cx": 300, "measure": 1000},
  "idle_noise": true,
  "after_gates": [
    {"gates": ["h", "x"], "qubits": [0, 1], "channel": {"type": "depolarizing", "p": 0.001}},
    {"gates": ["cx"], "channel": {"type": "depolarizing2", "p": 0.01}},
    {"channel": {"type": "kraus", "operators": [[[1, 0], [0, [0, 1]]]]}}
  ],
  "readout": {"default": [[0.98, 0.02], [0.05, 0.95]]}
})";

}  // namespace

TEST(noise_model, reads_every_section) {
    const NoiseModel model = NoiseModel::parse(FULL);
    EXPECT_TRUE(model.idle_noise());
    EXPECT_EQ(model.relaxation(0)->t1_us, 100);
    EXPECT_EQ(model.relaxation(2)->t2_us, 30);
    EXPECT_EQ(model.duration_ns("cx"), 300);
    EXPECT_EQ(model.duration_ns("h"), 50);  // the default
    EXPECT_EQ(model.duration_ns("measure"), 1000);
    ASSERT_EQ(model.gate_noise().size(), 3u);
    EXPECT_EQ(model.gate_noise()[0].gates, (std::vector<std::string>{"h", "x"}));
    EXPECT_EQ(model.gate_noise()[0].qubits, (std::vector<Qubit>{0, 1}));
    EXPECT_EQ(model.gate_noise()[1].channel.num_qubits(), 2u);
    EXPECT_EQ(model.gate_noise()[2].channel.operators().size(), 1u);  // the S gate as a Kraus set
    EXPECT_NEAR((*model.readout(5))[1][0], 0.05, 0);
    EXPECT_FALSE(NoiseModel::parse("{}").readout(0).has_value());
    EXPECT_EQ(NoiseModel::parse("{}").duration_ns("h"), 0);
}

TEST(noise_model, malformed_json_names_line_and_column) {
    try {
        (void)NoiseModel::parse("{\n  \"idle_noise\": tru\n}", "model.json");
        FAIL();
    } catch (const ParseError& e) {
        EXPECT_EQ(e.file(), "model.json");
        EXPECT_EQ(e.line(), 2u) << e.what();
        EXPECT_NE(e.message().find("malformed JSON"), std::string::npos) << e.what();
    }
}

TEST(noise_model, faults_name_their_json_path) {
    struct Case {
        const char* json;
        const char* path;
        const char* fragment;
    };
    const Case cases[] = {
        {R"({"idle": true})", "/idle", "unknown field"},
        {R"({"schema": "qkdlab.noise/9"})", "/schema", "expected \"qkdlab.noise/1\""},
        {R"({"qubits": {"default": {"t1_us": 10, "t2_us": 25}}})", "/qubits/default/t2_us", "between"},
        {R"({"qubits": {"q0": {"t1_us": 10, "t2_us": 5}}})", "/qubits/q0", "qubit number"},
        {R"({"qubits": {"default": {"t1_us": "long", "t2_us": 5}}})", "/qubits/default/t1_us", "expected a number"},
        {R"({"gate_durations_ns": {"cnot": 300}})", "/gate_durations_ns/cnot", "standard gate"},
        {R"({"idle_noise": 1})", "/idle_noise", "true or false"},
        {R"({"idle_noise": true})", "/idle_noise", "needs T1 and T2"},
        {R"({"after_gates": [{"channel": {"type": "depolarizing", "p": 2}}]})", "/after_gates/0/channel/p", "between"},
        {R"({"after_gates": [{"channel": {"type": "twirl"}}]})", "/after_gates/0/channel/type", "unknown channel"},
        {R"({"after_gates": [{"channel": {"type": "pauli", "px": 0.5, "py": 0.4, "pz": 0.3}}]})",
         "/after_gates/0/channel", "px + py + pz"},
        {R"({"after_gates": [{"channel": {"type": "bit_flip"}}]})", "/after_gates/0/channel/p", "missing"},
        {R"({"after_gates": [{"gates": ["hh"], "channel": {"type": "bit_flip", "p": 0.1}}]})", "/after_gates/0/gates/0",
         "standard gate"},
        {R"({"after_gates": [{"gates": ["h"], "channel": {"type": "depolarizing2", "p": 0.1}}]})",
         "/after_gates/0/gates/0", "does not act on 2 qubits"},
        {R"({"after_gates": [{"channel": {"type": "kraus", "operators": [[[0.5, 0], [0, 0.5]]]}}]})",
         "/after_gates/0/channel", "not trace preserving"},
        {R"({"after_gates": [{"channel": {"type": "bit_flip", "p": 0.1, "q": 1}}]})", "/after_gates/0/channel/q",
         "unknown field"},
        {R"({"readout": {"default": [[0.9, 0.2], [0, 1]]}})", "/readout/default/0", "add up to 1"},
        {R"({"readout": {"3": [[1, 0]]}})", "/readout/3", "expected [["},
    };
    for (const Case& c : cases) {
        try {
            (void)NoiseModel::parse(c.json);
            ADD_FAILURE() << "accepted: " << c.json;
        } catch (const ConfigError& e) {
            EXPECT_EQ(e.json_path(), c.path) << c.json << "\n" << e.what();
            EXPECT_NE(std::string(e.what()).find(c.fragment), std::string::npos) << c.json << "\n" << e.what();
        }
    }
}

}  // namespace qkdlab::qsim
