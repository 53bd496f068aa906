#pragma once
// Runs the qkdlab command line in-process and keeps what it wrote.

#include <unistd.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli.h"

namespace qkdlab::cli::testing {

struct Outcome {
    int status;
    std::string out;
    std::string err;
};

inline Outcome run_cli(const std::vector<std::string>& args) {
    std::ostringstream out, err;
    const int status = run(args, out, err);
    return {status, out.str(), err.str()};
}

// A file name in a scratch folder of this test process.
inline std::filesystem::path scratch(const std::string& name) {
    const auto dir = std::filesystem::temp_directory_path() / ("qkdlab_cli_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    return dir / name;
}

inline std::string testdata(const std::string& name) {
    return (std::filesystem::path(QKDLAB_TESTDATA_DIR) / "cli" / name).string();
}

}  // namespace qkdlab::cli::testing
