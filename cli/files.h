#pragma once
// The command line's files: reading an input whole, and writing a result to the given stream or to
// a file that appears whole or not at all (written to a temporary beside it, then renamed).

#include <iosfwd>
#include <string>

namespace qkdlab::cli {

// Writes `text` to `path` atomically, or to `out` when `path` is empty or "-". Throws
// std::runtime_error if the file cannot be written.
void write_output(const std::string& path, const std::string& text, std::ostream& out);

// The whole content of a file; throws qkdlab::Error naming it if it cannot be read.
std::string read_input(const std::string& path);

}  // namespace qkdlab::cli
