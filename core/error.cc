#include "qkdlab/core/error.h"

#include <utility>

namespace qkdlab {

ParseError::ParseError(std::string file, std::size_t line, std::size_t column, const std::string& message)
    : Error(file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message),
      file_(std::move(file)),
      line_(line),
      column_(column),
      message_(message) {}

ConfigError::ConfigError(std::string json_path, const std::string& message)
    : Error(json_path + ": " + message), json_path_(std::move(json_path)), message_(message) {}

ConfigError::ConfigError(const std::string& source, std::string json_path, const std::string& message)
    : Error(source + ": " + json_path + ": " + message), json_path_(std::move(json_path)), message_(message) {}

}  // namespace qkdlab
