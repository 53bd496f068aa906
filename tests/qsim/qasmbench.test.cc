// The QASMBench files in shared/qasmbench load as other tools wrote them and run (all but one, which
// is malformed and must be rejected); known outcomes of many are checked in known_circuits.test.cc.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "qkdlab/core/error.h"
#include "qkdlab/core/rng.h"
#include "qkdlab/qsim/qasm.h"
#include "qkdlab/qsim/run.h"

namespace qkdlab::qsim {
namespace {

const std::filesystem::path QASMBENCH_DIR = QKDLAB_SHARED_DIR "/qasmbench";
// QASMBench's vqe_uccsd_n8.qasm declares only `qreg reg[8]` but ends with `measure q[0] -> c[0];` and
// so on: it is not valid OpenQASM 2.0 (q and c are never declared), and the reader must say where.
const std::string MALFORMED_FILE = "vqe_uccsd_n8.qasm";

std::vector<std::filesystem::path> qasmbench_files() {
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(QASMBENCH_DIR))
        if (entry.path().extension() == ".qasm") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    return files;
}

Counts sample(const CircuitRunner& runner, std::size_t shots, std::uint64_t seed) {
    core::Rng rng(seed);
    return runner.counts(shots, rng);
}

// The key's shape: one group per classical register, last declared first, each as many 0/1
// characters as the register has bits.
std::string expected_key_shape(const Circuit& circuit) {
    std::string shape;
    const auto cregs = circuit.cregs();
    for (auto reg = cregs.rbegin(); reg != cregs.rend(); ++reg) {
        if (!shape.empty()) shape += ' ';
        shape += std::string(reg->size, 'b');
    }
    return shape;
}

std::string key_shape(std::string key) {
    std::replace_if(
        key.begin(), key.end(), [](char c) { return c == '0' || c == '1'; }, 'b');
    return key;
}

}  // namespace

TEST(qasmbench, every_file_loads_and_runs) {
    const std::vector<std::filesystem::path> files = qasmbench_files();
    EXPECT_EQ(files.size(), 21u);
    const std::size_t shots = 200;
    for (const auto& file : files) {
        SCOPED_TRACE(file.filename().string());
        if (file.filename() == MALFORMED_FILE) continue;
        const Circuit circuit = read_qasm_file(file);
        EXPECT_GT(circuit.operations().size(), 0u);
        std::size_t total = 0;
        for (const auto& [key, count] : sample(CircuitRunner(circuit), shots, 11)) {
            EXPECT_EQ(key_shape(key), expected_key_shape(circuit)) << "key '" << key << "'";
            total += count;
        }
        EXPECT_EQ(total, shots);
    }
}

TEST(qasmbench, malformed_file_is_rejected_with_its_place) {
    try {
        read_qasm_file(QASMBENCH_DIR / MALFORMED_FILE);
        ADD_FAILURE() << "no error for the undeclared register q";
    } catch (const ParseError& e) {
        EXPECT_EQ(e.line(), 10813u);
        EXPECT_EQ(e.column(), 9u);
        EXPECT_NE(e.message().find("'q'"), std::string::npos) << e.what();
    }
}

// One circuit whose shots come from a single simulation and one with mid-circuit measurement and
// classical control, whose shots branch at the measurement.
TEST(qasmbench, same_seed_gives_same_counts) {
    for (const char* name : {"qaoa_n6.qasm", "cc_n12.qasm"}) {
        SCOPED_TRACE(name);
        const CircuitRunner runner(read_qasm_file(QASMBENCH_DIR / name));
        const Counts first = sample(runner, 500, 21);
        EXPECT_EQ(sample(runner, 500, 21), first);
        EXPECT_GT(first.size(), 1u);
    }
}

}  // namespace qkdlab::qsim
