#pragma once
// The OpenQASM 2.0 parser behind parse_qasm and read_qasm_file (qkdlab/qsim/qasm.h). One Parser reads
// one program, the top-level source and the files it includes (each through its own Lexer), into one
// Circuit. Statements take effect as they are read: a gate application is checked, broadcast over
// registers and expanded, through user-defined gates with their parameters bound and qubit arguments
// mapped, down to builtin gates (qelib1.h) appended to the circuit.
//
//   program   := 'OPENQASM' real ';' statement*
//   statement := 'include' string ';' | ('qreg' | 'creg') id '[' int ']' ';'
//              | 'gate' id ('(' ids? ')')? ids '{' (id ('(' exprs? ')')? ids ';')* '}'
//              | 'opaque' id ('(' ids? ')')? ids ';' | 'barrier' args ';'
//              | 'if' '(' id '==' int ')' qop | qop
//   qop       := id ('(' exprs? ')')? args ';' | 'measure' arg '->' arg ';' | 'reset' arg ';'
//   arg       := id ('[' int ']')?

#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "qasm/expression.h"
#include "qasm/lexer.h"
#include "qasm/qelib1.h"
#include "qkdlab/qsim/circuit.h"

namespace qkdlab::qsim::qasm {

struct Gate;

// One statement of a gate body: a gate application or, where `gate` is null, a barrier.
struct GateBodyOp {
    const Gate* gate = nullptr;
    std::vector<Expression> params;   // over the enclosing gate's parameters
    std::vector<std::size_t> qubits;  // indices into the enclosing gate's qubit arguments
};

// A gate the program can apply: a builtin, one defined with `gate`, or one declared `opaque`.
struct Gate {
    std::string name;
    std::size_t num_params = 0;
    std::size_t num_qubits = 0;
    const BuiltinGate* builtin = nullptr;  // builtins only
    bool opaque = false;
    std::vector<GateBodyOp> body;  // defined gates only
};

class Parser {
  public:
    // `include_dir` is where the top-level source's includes are looked up; `path`, if not empty, is
    // the file the source was read from (so that it cannot include itself).
    Parser(std::filesystem::path include_dir, const std::filesystem::path& path);

    // Parses a whole program. Throws qkdlab::ParseError on the first fault.
    Circuit parse(std::string_view source, const std::string& file_name);

  private:
    // A qubit or bit argument: a whole register, or one element of it.
    struct Argument {
        Register reg;
        std::optional<std::size_t> index;
        Token where;
    };
    // The names a gate definition or opaque declaration introduces.
    struct Signature {
        std::vector<std::string> params;
        std::vector<std::string> qubits;
    };

    void statement(Lexer& lexer);
    void include(Lexer& lexer);
    void include_qelib1(Lexer& lexer, const Token& keyword);
    void register_declaration(Lexer& lexer);
    void gate_definition(Lexer& lexer);
    void opaque_declaration(Lexer& lexer);
    Signature signature(Lexer& lexer, const Token& name);
    GateBodyOp body_statement(Lexer& lexer, const Signature& signature);
    void declare_gate(Lexer& lexer, const Token& at, Gate gate);
    void conditional(Lexer& lexer);
    void quantum_operation(Lexer& lexer, const std::optional<Condition>& condition);
    void gate_application(Lexer& lexer, const std::optional<Condition>& condition);
    void measure(Lexer& lexer, const std::optional<Condition>& condition);
    void reset(Lexer& lexer, const std::optional<Condition>& condition);
    void barrier(Lexer& lexer);

    const Gate& find_gate(Lexer& lexer, const Token& name) const;
    std::vector<double> angles(Lexer& lexer, const Token& gate_name);
    Argument argument(Lexer& lexer, bool quantum);
    std::vector<Argument> arguments(Lexer& lexer);
    std::size_t broadcast_size(Lexer& lexer, std::span<const Argument> args) const;
    void apply(Lexer& lexer, const Token& at, const Gate& gate, std::span<const double> params,
               std::span<const Qubit> qubits, const std::optional<Condition>& condition);

    struct RegisterIndex {
        bool quantum = true;
        std::size_t index = 0;  // into circuit_.qregs() or circuit_.cregs()
    };

    Circuit circuit_;
    std::map<std::string, Gate, std::less<>> gates_;  // node-based: GateBodyOp::gate stays valid
    std::map<std::string, RegisterIndex, std::less<>> registers_;
    bool qelib1_included_ = false;
    std::filesystem::path directory_;                // includes of the file being read are relative to it
    std::vector<std::filesystem::path> open_files_;  // the files being read, to refuse recursive includes
};

}  // namespace qkdlab::qsim::qasm
