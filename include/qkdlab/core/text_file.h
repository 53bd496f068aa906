#pragma once
// Reading an input file whole: the one reader behind OpenQASM files, noise models and the CLI.

#include <filesystem>
#include <optional>
#include <string>

namespace qkdlab::core {

// The bytes of a regular file, or nullopt if it is not one or cannot be read.
std::optional<std::string> read_text_file(const std::filesystem::path& path);

}  // namespace qkdlab::core
