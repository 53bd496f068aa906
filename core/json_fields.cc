#include "qkdlab/core/json_fields.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

namespace qkdlab::core {
namespace {

// A bound as written by the user: 6 significant digits ("1.33333", "1e+11").
std::string bound_text(double x) {
    std::ostringstream out;
    out << x;
    return out.str();
}

// A value that failed a check: enough digits to see why (0.99999999 is not "1").
std::string value_text(double x) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.15g", x);
    return buffer;
}

}  // namespace

Json parse_json(std::string_view text, const std::string& source) {
    try {
        return Json::parse(text);
    } catch (const Json::parse_error& e) {
        // e.byte is the 1-based index of the character at which the parser stopped.
        const auto [line, column] = line_column(text, e.byte == 0 ? 0 : e.byte - 1);
        std::string what = e.what();
        // Drop nlohmann's "[json.exception.parse_error.101] " prefix, keep "parse error at line ...: ...".
        if (const std::size_t colon = what.find(':'); colon != std::string::npos && colon + 2 <= what.size()) {
            what = what.substr(colon + 2);
        }
        throw ParseError(source, line, column, "malformed JSON: " + what);
    }
}

std::pair<std::size_t, std::size_t> line_column(std::string_view text, std::size_t offset) {
    std::size_t line = 1, column = 1;
    for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
    return {line, column};
}

std::string child_path(const std::string& path, std::string_view key) {
    std::string result = path + "/";
    for (const char c : key) {
        if (c == '~') {
            result += "~0";
        } else if (c == '/') {
            result += "~1";
        } else {
            result += c;
        }
    }
    return result;
}

std::string child_path(const std::string& path, std::size_t index) { return path + "/" + std::to_string(index); }

std::string type_name(const Json& value) { return value.type_name(); }

const Json& object_at(const Json& value, const std::string& path) {
    if (!value.is_object()) throw ConfigError(path, "expected an object, got " + type_name(value));
    return value;
}

const Json& array_at(const Json& value, const std::string& path) {
    if (!value.is_array()) throw ConfigError(path, "expected a list, got " + type_name(value));
    return value;
}

void only_keys(const Json& object, std::initializer_list<std::string_view> allowed, const std::string& path) {
    for (const auto& [key, value] : object.items()) {
        if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
            std::string list;
            for (const std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
            throw ConfigError(child_path(path, key), "unknown field; expected one of: " + list);
        }
    }
}

const Json& field(const Json& object, std::string_view key, const std::string& path) {
    const Json* value = optional_field(object, key);
    if (value == nullptr) throw ConfigError(child_path(path, key), "missing");
    return *value;
}

const Json* optional_field(const Json& object, std::string_view key) {
    if (!object.is_object()) return nullptr;
    const auto it = object.find(key);
    return it == object.end() ? nullptr : &*it;
}

void check_range(double x, const std::string& path, double low, double high, Bound low_bound, Bound high_bound) {
    const bool above = low_bound == Bound::closed ? x >= low : x > low;
    const bool below = high_bound == Bound::closed ? x <= high : x < high;
    if (above && below) return;
    std::string message = "must be between " + bound_text(low) + " and " + bound_text(high);
    if (low_bound == Bound::open && high_bound == Bound::open) {
        message += " (both excluded)";
    } else if (low_bound == Bound::open) {
        message += " (" + bound_text(low) + " excluded)";
    } else if (high_bound == Bound::open) {
        message += " (" + bound_text(high) + " excluded)";
    }
    throw ConfigError(path, message + ", got " + value_text(x));
}

double number(const Json& value, const std::string& path, double low, double high, Bound low_bound, Bound high_bound) {
    if (!value.is_number()) throw ConfigError(path, "expected a number, got " + type_name(value));
    const double x = value.get<double>();
    check_range(x, path, low, high, low_bound, high_bound);
    return x;
}

double number_field(const Json& object, std::string_view key, const std::string& path, double low, double high,
                    Bound low_bound, Bound high_bound) {
    return number(field(object, key, path), child_path(path, key), low, high, low_bound, high_bound);
}

std::string string_value(const Json& value, const std::string& path) {
    if (!value.is_string()) throw ConfigError(path, "expected a string, got " + type_name(value));
    return value.get<std::string>();
}

std::string string_field(const Json& object, std::string_view key, const std::string& path) {
    return string_value(field(object, key, path), child_path(path, key));
}

bool boolean(const Json& value, const std::string& path) {
    if (!value.is_boolean()) throw ConfigError(path, "expected true or false, got " + type_name(value));
    return value.get<bool>();
}

bool boolean_field(const Json& object, std::string_view key, const std::string& path) {
    return boolean(field(object, key, path), child_path(path, key));
}

ConfigError with_source(const ConfigError& error, const std::string& source) {
    if (source.empty()) return error;
    return ConfigError(source, error.json_path(), error.message());
}

}  // namespace qkdlab::core
