#pragma once
// OpenQASM 2.0 reader. It takes files written by other tools as they are: qreg/creg, the standard
// library of `include "qelib1.inc"` built in, user `gate` definitions with parameters, parameter
// expressions (pi, + - * / ^, unary minus, sin cos tan exp ln sqrt), register broadcasting,
// measure, reset, barrier and `if (creg == n)`. Anything else is a qkdlab::ParseError naming
// file:line:column and what was expected.

#include <filesystem>
#include <string>
#include <string_view>

#include "qkdlab/qsim/circuit.h"

namespace qkdlab::qsim {

// Parse source text. `file_name` names it in error messages; `include "x.inc"` of a file other than
// qelib1.inc is read relative to `include_dir`.
Circuit parse_qasm(std::string_view source, const std::string& file_name = "<input>",
                   const std::filesystem::path& include_dir = {});

// Read and parse a file; throws qkdlab::Error if it cannot be read.
Circuit read_qasm_file(const std::filesystem::path& path);

}  // namespace qkdlab::qsim
