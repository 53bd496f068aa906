#pragma once
// Reading configuration documents in JSON: the checks every config reader shares (noise models,
// links, ...). Each function takes the JSON path of the value it reads ("" for the root,
// "/channel/length_km" for a field) and throws qkdlab::ConfigError naming that path, the bad value
// and what was expected; a syntax error throws qkdlab::ParseError with line and column.

#include <cstddef>
#include <initializer_list>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <utility>

#include "qkdlab/core/error.h"

namespace qkdlab::core {

using Json = nlohmann::json;

// Parses a whole document. A syntax error throws ParseError(source, line, column, "malformed JSON: ...").
Json parse_json(std::string_view text, const std::string& source);

// The 1-based line and column of a byte offset into text (an offset past the end counts to the end).
std::pair<std::size_t, std::size_t> line_column(std::string_view text, std::size_t offset);

// The path of a member or an element: path + "/" + key, with "~" and "/" escaped as in a JSON
// pointer (RFC 6901).
std::string child_path(const std::string& path, std::string_view key);
std::string child_path(const std::string& path, std::size_t index);

// "number", "string", "object", ...: the type of a value, for messages.
std::string type_name(const Json& value);

// Throws unless value is an object; returns it.
const Json& object_at(const Json& value, const std::string& path);
// Throws unless value is an array; returns it.
const Json& array_at(const Json& value, const std::string& path);
// Throws for the first member of object whose key is not in allowed, listing the allowed keys.
void only_keys(const Json& object, std::initializer_list<std::string_view> allowed, const std::string& path);
// The member key of object (path is the object's), or a "missing" error at path/key.
const Json& field(const Json& object, std::string_view key, const std::string& path);
// The member key of object, or nullptr if there is none.
const Json* optional_field(const Json& object, std::string_view key);

// Whether a bound of a range is included.
enum class Bound { closed, open };

// Throws unless low <= x <= high (< where the bound is open); the message reads "must be between
// 0 and 1, got 2", with "(0 excluded)" for an open bound. NaN is always out of range.
void check_range(double x, const std::string& path, double low, double high, Bound low_bound = Bound::closed,
                 Bound high_bound = Bound::closed);

// A number in a range (see check_range).
double number(const Json& value, const std::string& path, double low, double high, Bound low_bound = Bound::closed,
              Bound high_bound = Bound::closed);
double number_field(const Json& object, std::string_view key, const std::string& path, double low, double high,
                    Bound low_bound = Bound::closed, Bound high_bound = Bound::closed);
std::string string_value(const Json& value, const std::string& path);
std::string string_field(const Json& object, std::string_view key, const std::string& path);
bool boolean(const Json& value, const std::string& path);
bool boolean_field(const Json& object, std::string_view key, const std::string& path);

// The same error with the file it came from (unchanged when source is empty).
ConfigError with_source(const ConfigError& error, const std::string& source);

}  // namespace qkdlab::core
