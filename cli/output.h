#pragma once
// Writing a result: to the given stream, or to a file that appears whole or not at all (written to
// a temporary beside it, then renamed).

#include <iosfwd>
#include <string>

namespace qkdlab::cli {

// Writes `text` to `path` atomically, or to `out` when `path` is empty or "-". Throws
// std::runtime_error if the file cannot be written.
void write_output(const std::string& path, const std::string& text, std::ostream& out);

}  // namespace qkdlab::cli
