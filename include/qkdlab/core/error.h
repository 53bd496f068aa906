#pragma once
// The one family of exceptions for bad input. Everything thrown for a malformed file, an
// out-of-range option or a misused API derives from qkdlab::Error; the CLI maps it to exit status 2.
// Expected protocol outcomes are returned as results, never thrown; broken invariants are asserts.

#include <cstddef>
#include <stdexcept>
#include <string>

namespace qkdlab {

class Error : public std::invalid_argument {
  public:
    using std::invalid_argument::invalid_argument;
};

// A fault at a place in a text file. what() reads "file:line:column: message".
class ParseError : public Error {
  public:
    ParseError(std::string file, std::size_t line, std::size_t column, const std::string& message);

    const std::string& file() const { return file_; }
    std::size_t line() const { return line_; }
    std::size_t column() const { return column_; }
    // The message without the location prefix.
    const std::string& message() const { return message_; }

  private:
    std::string file_;
    std::size_t line_;
    std::size_t column_;
    std::string message_;
};

// A fault at a JSON path of a configuration. what() reads "path: message", or
// "source: path: message" when the file it came from is known.
class ConfigError : public Error {
  public:
    ConfigError(std::string json_path, const std::string& message);
    ConfigError(const std::string& source, std::string json_path, const std::string& message);

    const std::string& json_path() const { return json_path_; }
    // The message without the source and the path.
    const std::string& message() const { return message_; }

  private:
    std::string json_path_;
    std::string message_;
};

}  // namespace qkdlab
