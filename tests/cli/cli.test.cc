#include "cli/cli.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "run_cli.h"

namespace qkdlab::cli {

using testing::run_cli;

TEST(cli, help_and_version_exit_0) {
    const auto help = run_cli({"--help"});
    EXPECT_EQ(help.status, 0);
    EXPECT_NE(help.out.find("sim"), std::string::npos);
    EXPECT_NE(help.out.find("demo"), std::string::npos);
    EXPECT_EQ(run_cli({"sim", "--help"}).status, 0);
    const auto version = run_cli({"--version"});
    EXPECT_EQ(version.status, 0);
    EXPECT_NE(version.out.find("qkdlab 0.1.0"), std::string::npos);
}

TEST(cli, missing_or_unknown_subcommand_exits_2) {
    const auto none = run_cli({});
    EXPECT_EQ(none.status, 2);
    EXPECT_NE(none.err.find("qkdlab: error:"), std::string::npos);
    EXPECT_EQ(run_cli({"teleport"}).status, 2);
}

TEST(cli, reference_in_docs_is_current) {
    std::ifstream file(std::string(QKDLAB_DOCS_DIR) + "/cli.md");
    ASSERT_TRUE(file) << "docs/cli.md is missing: cmake --build build --target cli_docs";
    std::stringstream text;
    text << file.rdbuf();
    EXPECT_EQ(text.str(), reference_markdown()) << "docs/cli.md is stale: cmake --build build --target cli_docs";
}

}  // namespace qkdlab::cli
