// Prints docs/cli.md (the build target cli_docs writes it there).
#include <iostream>

#include "cli/cli.h"

int main() { std::cout << qkdlab::cli::reference_markdown(); }
