#include "qkdlab/core/json_fields.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

namespace qkdlab::core {
namespace {

// Runs f, which must throw ConfigError at path with fragment in its message.
template <class F>
void expect_config_error(F&& f, const std::string& path, const std::string& fragment) {
    try {
        f();
        ADD_FAILURE() << "no error; expected one at " << path;
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.json_path(), path) << e.what();
        EXPECT_NE(e.message().find(fragment), std::string::npos) << e.what();
    }
}

}  // namespace

TEST(json_fields, syntax_errors_name_line_and_column) {
    // The parser stops at the 'x' on line 3, column 12.
    const std::string text = "{\n  \"a\": 1,\n  \"b\": [1, x]\n}";
    try {
        (void)parse_json(text, "doc.json");
        FAIL();
    } catch (const ParseError& e) {
        EXPECT_EQ(e.file(), "doc.json");
        EXPECT_EQ(e.line(), 3u) << e.what();
        EXPECT_EQ(e.column(), 12u) << e.what();
        EXPECT_EQ(e.message().rfind("malformed JSON: ", 0), 0u) << e.what();
        EXPECT_EQ(e.message().find("json.exception"), std::string::npos) << e.what();
    }
    // An unterminated document stops at the end of the text.
    try {
        (void)parse_json("{\"a\": 1,\n", "x");
        FAIL();
    } catch (const ParseError& e) {
        EXPECT_EQ(e.line(), 2u) << e.what();
    }
    EXPECT_EQ(parse_json("{\"a\": [1, 2]}", "").at("a").size(), 2u);
}

TEST(json_fields, line_column_counts_from_one) {
    EXPECT_EQ(line_column("ab\ncd", 0), (std::pair<std::size_t, std::size_t>{1, 1}));
    EXPECT_EQ(line_column("ab\ncd", 1), (std::pair<std::size_t, std::size_t>{1, 2}));
    EXPECT_EQ(line_column("ab\ncd", 3), (std::pair<std::size_t, std::size_t>{2, 1}));
    EXPECT_EQ(line_column("ab\ncd", 4), (std::pair<std::size_t, std::size_t>{2, 2}));
    EXPECT_EQ(line_column("ab\ncd", 99), (std::pair<std::size_t, std::size_t>{2, 3}));
}

TEST(json_fields, paths_escape_as_json_pointers) {
    EXPECT_EQ(child_path("", "a"), "/a");
    EXPECT_EQ(child_path("/a", "b/c~d"), "/a/b~1c~0d");
    EXPECT_EQ(child_path("/list", std::size_t{3}), "/list/3");
}

TEST(json_fields, objects_fields_and_unknown_keys) {
    const Json doc = Json::parse(R"({"x": 1, "s": "t", "b": true, "o": {}, "l": [1]})");
    EXPECT_EQ(&object_at(doc, ""), &doc);
    EXPECT_EQ(&array_at(doc.at("l"), "/l"), &doc.at("l"));
    expect_config_error([&] { (void)object_at(doc.at("x"), "/x"); }, "/x", "expected an object, got number");
    expect_config_error([&] { (void)array_at(doc.at("o"), "/o"); }, "/o", "expected a list, got object");
    EXPECT_NO_THROW(only_keys(doc, {"x", "s", "b", "o", "l"}, ""));
    expect_config_error(
        [&] {
            only_keys(doc, {"x", "s", "b", "o"}, "/root");
        },
        "/root/l", "unknown field; expected one of: x, s, b, o");
    EXPECT_EQ(field(doc, "x", "").get<int>(), 1);
    expect_config_error([&] { (void)field(doc, "y", "/here"); }, "/here/y", "missing");
    EXPECT_EQ(optional_field(doc, "y"), nullptr);
    ASSERT_NE(optional_field(doc, "s"), nullptr);
    EXPECT_EQ(*optional_field(doc, "s"), "t");
    EXPECT_EQ(optional_field(doc.at("x"), "s"), nullptr);  // not an object
}

TEST(json_fields, typed_values) {
    const Json doc = Json::parse(R"({"x": 0.5, "s": "t", "b": false})");
    EXPECT_EQ(number_field(doc, "x", "", 0, 1), 0.5);
    EXPECT_EQ(string_field(doc, "s", ""), "t");
    EXPECT_FALSE(boolean_field(doc, "b", ""));
    expect_config_error([&] { (void)number_field(doc, "s", "/o", 0, 1); }, "/o/s", "expected a number, got string");
    expect_config_error([&] { (void)string_field(doc, "x", "/o"); }, "/o/x", "expected a string, got number");
    expect_config_error([&] { (void)boolean_field(doc, "x", "/o"); }, "/o/x", "expected true or false, got number");
    expect_config_error([&] { (void)number_field(doc, "z", "/o", 0, 1); }, "/o/z", "missing");
}

TEST(json_fields, ranges_include_or_exclude_their_bounds) {
    EXPECT_NO_THROW(check_range(0, "/p", 0, 1));
    EXPECT_NO_THROW(check_range(1, "/p", 0, 1));
    expect_config_error([] { check_range(2, "/p", 0, 1); }, "/p", "must be between 0 and 1, got 2");
    expect_config_error([] { check_range(-1e-300, "/p", 0, 1); }, "/p", "got -1e-300");
    expect_config_error([] { check_range(0, "/p", 0, 1, Bound::open); }, "/p",
                        "must be between 0 and 1 (0 excluded), got 0");
    expect_config_error([] { check_range(1, "/p", 0, 1, Bound::closed, Bound::open); }, "/p", "(1 excluded)");
    expect_config_error([] { check_range(1, "/p", 0, 1, Bound::open, Bound::open); }, "/p", "(both excluded)");
    EXPECT_NO_THROW(check_range(0.5, "/p", 0, 1, Bound::open, Bound::open));
    // Enough digits to see why a value a hair off is refused.
    expect_config_error([] { check_range(1.000000001, "/p", 0, 1); }, "/p", "got 1.000000001");
    expect_config_error([] { check_range(std::nan(""), "/p", 0, 1); }, "/p", "got nan");
    expect_config_error([] { check_range(std::numeric_limits<double>::infinity(), "/p", 0, 1e11); }, "/p",
                        "between 0 and 1e+11");
    EXPECT_EQ(number(Json(3), "/n", 3, 3), 3);
    expect_config_error([] { (void)number(Json(3), "/n", 0, 3, Bound::closed, Bound::open); }, "/n", "got 3");
}

TEST(json_fields, errors_take_their_source) {
    const ConfigError error("/a/b", "bad");
    EXPECT_STREQ(with_source(error, "").what(), "/a/b: bad");
    const ConfigError located = with_source(error, "link.json");
    EXPECT_STREQ(located.what(), "link.json: /a/b: bad");
    EXPECT_EQ(located.json_path(), "/a/b");
    EXPECT_EQ(located.message(), "bad");
}

}  // namespace qkdlab::core
