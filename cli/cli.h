#pragma once
// The qkdlab command line as a library function, so that tests run commands in-process.

#include <iosfwd>
#include <string>
#include <vector>

namespace qkdlab::cli {

// Exit statuses: 0 success, 1 runtime failure, 2 bad input (malformed file, bad option).
inline constexpr int EXIT_OK = 0;
inline constexpr int EXIT_RUNTIME_FAILURE = 1;
inline constexpr int EXIT_BAD_INPUT = 2;

// Run `qkdlab args...` (args excludes the program name), writing results to `out` and messages to
// `err`. Never throws.
int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// docs/cli.md: the --help of the app and of every subcommand, as Markdown.
std::string reference_markdown();

}  // namespace qkdlab::cli
