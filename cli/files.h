#pragma once
// The command line's files: reading an input whole, and writing a result to the given stream or to
// a file that appears whole or not at all (written to a temporary beside it, then renamed).

#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

namespace qkdlab::cli {

// Writes `text` to `path` atomically, or to `out` when `path` is empty or "-". Throws
// std::runtime_error if the file cannot be written.
void write_output(const std::string& path, const std::string& text, std::ostream& out);

// Checks, before any work is done, that the output files a command was given (empty and "-" mean
// standard output and are skipped) are different files in folders that exist, so that a run does
// not fail half way through its outputs or write one over another. Throws qkdlab::Error.
void check_output_paths(const std::vector<std::pair<std::string, std::string>>& option_and_path);

// The whole content of a file; throws qkdlab::Error naming it if it cannot be read.
std::string read_input(const std::string& path);

}  // namespace qkdlab::cli
