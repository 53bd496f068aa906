#include "qkdlab/core/error.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace qkdlab {

TEST(error, parse_error_names_file_line_and_column) {
    const ParseError e("circuit.qasm", 12, 7, "expected ';'");
    EXPECT_STREQ(e.what(), "circuit.qasm:12:7: expected ';'");
    EXPECT_EQ(e.file(), "circuit.qasm");
    EXPECT_EQ(e.line(), 12u);
    EXPECT_EQ(e.column(), 7u);
    EXPECT_EQ(e.message(), "expected ';'");
}

TEST(error, config_error_names_json_path) {
    const ConfigError e("/link/fiber/length_km", "must be between 0 and 500, got -3");
    EXPECT_STREQ(e.what(), "/link/fiber/length_km: must be between 0 and 500, got -3");
    EXPECT_EQ(e.json_path(), "/link/fiber/length_km");
    const ConfigError named("link.json", "/link/fiber/length_km", "must be positive");
    EXPECT_STREQ(named.what(), "link.json: /link/fiber/length_km: must be positive");
    EXPECT_EQ(named.message(), "must be positive");
}

TEST(error, family_is_rooted_in_invalid_argument) {
    try {
        throw ParseError("f", 1, 1, "m");
    } catch (const Error& e) {
        const std::invalid_argument& base = e;
        EXPECT_NE(std::string(base.what()).find("f:1:1"), std::string::npos);
        return;
    }
    FAIL() << "ParseError was not caught as qkdlab::Error";
}

}  // namespace qkdlab
