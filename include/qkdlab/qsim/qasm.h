#pragma once
// OpenQASM 2.0 reader. It takes files written by other tools as they are: qreg/creg, the standard
// library of `include "qelib1.inc"` built in, user `gate` definitions with parameters, parameter
// expressions (pi, + - * / ^, unary minus, sin cos tan exp ln sqrt), register broadcasting,
// measure, reset, barrier and `if (creg == n)`. Anything else is a qkdlab::ParseError naming
// file:line:column and what was expected.
//
// What a program becomes: qelib1.inc gates map to native GateKinds (id -> i, cu1 -> cp, u0 -> i),
// csx, c3x, c3sqrtx and c4x to controlled unitaries (c3sqrtx is the 3-controlled SX, as in Qiskit),
// rccx and rc3x to their qelib1.inc definitions; user gates are expanded inline; an `if` puts its
// Condition on every operation it produces. Without the include only U and CX are known. An
// `opaque` gate may be declared but not applied; an angle that is not finite (1/0, ln(0)) is an
// error, though 1/0 may appear inside an expression whose value is finite.

#include <filesystem>
#include <string>
#include <string_view>

#include "qkdlab/qsim/circuit.h"

namespace qkdlab::qsim {

// Parse source text. `file_name` names it in error messages; `include "x.inc"` of a file other than
// qelib1.inc is read relative to `include_dir` (and an include inside that file relative to its own
// folder). Including a file that is already being read is an error.
Circuit parse_qasm(std::string_view source, const std::string& file_name = "<input>",
                   const std::filesystem::path& include_dir = {});

// Read and parse a file, its includes relative to its folder; throws qkdlab::Error if it cannot be read.
Circuit read_qasm_file(const std::filesystem::path& path);

}  // namespace qkdlab::qsim
