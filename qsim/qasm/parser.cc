#include "qasm/parser.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <unordered_set>
#include <utility>

#include "qkdlab/core/error.h"
#include "qkdlab/core/text_file.h"
#include "qkdlab/qsim/qasm.h"

namespace qkdlab::qsim::qasm {
namespace {

// The most qubits, and the most bits, a program may declare: every one must have a Qubit index.
constexpr std::uint64_t MAX_BITS = std::numeric_limits<Qubit>::max();

std::string in_quotes(std::string_view text) {
    std::string result(1, '\'');
    result.append(text).push_back('\'');
    return result;
}

// Words with a meaning of their own, which cannot name a register, gate, parameter or argument.
bool is_keyword(std::string_view word) {
    static constexpr std::string_view KEYWORDS[] = {"OPENQASM", "include", "qreg",    "creg", "gate", "opaque",
                                                    "measure",  "reset",   "barrier", "if",   "pi"};
    return std::find(std::begin(KEYWORDS), std::end(KEYWORDS), word) != std::end(KEYWORDS);
}

// The next token as a new name: an identifier that is not a keyword.
Token new_name(Lexer& lexer) {
    const Token token = lexer.expect(TokenKind::identifier);
    if (is_keyword(token.text)) lexer.fail(token, "expected a name, got the keyword " + in_quotes(token.text));
    return token;
}

// "1 qubit argument", "2 qubit arguments".
std::string count(std::size_t n, const std::string& noun) {
    return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

std::string describe_non_finite(double value) {
    if (std::isnan(value)) return "NaN";
    return value > 0 ? "inf" : "-inf";
}

std::uint64_t integer_value(Lexer& lexer, const Token& token) {
    std::uint64_t value = 0;
    const auto [end, error] = std::from_chars(token.text.data(), token.text.data() + token.text.size(), value);
    if (error != std::errc{} || end != token.text.data() + token.text.size()) {
        lexer.fail(token, "integer " + in_quotes(token.text) + " is too large");
    }
    return value;
}

void check_arity(Lexer& lexer, const Token& name, const Gate& gate, std::size_t num_params, std::size_t num_qubits) {
    if (num_params != gate.num_params) {
        lexer.fail(name, "gate " + in_quotes(gate.name) + " takes " + count(gate.num_params, "parameter") + ", got " +
                             std::to_string(num_params));
    }
    if (num_qubits != gate.num_qubits) {
        lexer.fail(name, "gate " + in_quotes(gate.name) + " takes " + count(gate.num_qubits, "qubit argument") +
                             ", got " + std::to_string(num_qubits));
    }
}

std::filesystem::path canonical_or_same(const std::filesystem::path& path) {
    std::error_code error;
    std::filesystem::path canonical = std::filesystem::weakly_canonical(path, error);
    return error ? path : canonical;
}

Gate builtin_gate(const BuiltinGate& builtin) {
    return Gate{builtin.name, builtin.num_params, builtin.num_qubits, &builtin, false, {}};
}

}  // namespace

Parser::Parser(std::filesystem::path include_dir, const std::filesystem::path& path)
    : directory_(std::move(include_dir)) {
    if (!path.empty()) open_files_.push_back(canonical_or_same(path));
    for (const BuiltinGate& builtin : primitive_gates()) gates_.emplace(builtin.name, builtin_gate(builtin));
}

Circuit Parser::parse(std::string_view source, const std::string& file_name) {
    Lexer lexer(source, file_name);
    const Token& first = lexer.peek();
    if (first.kind != TokenKind::identifier || first.text != "OPENQASM") {
        lexer.fail_expected(first, "'OPENQASM 2.0;' as the first statement");
    }
    lexer.take();
    const Token version = lexer.peek();
    if (version.kind != TokenKind::real && version.kind != TokenKind::integer)
        lexer.fail_expected(version, "a version");
    if (version.text != "2" && !version.text.starts_with("2.")) {
        lexer.fail(version, "unsupported OpenQASM version " + in_quotes(version.text) + ", expected 2.0");
    }
    lexer.take();
    lexer.expect(TokenKind::semicolon);
    while (lexer.peek().kind != TokenKind::end) statement(lexer);
    return std::move(circuit_);
}

void Parser::statement(Lexer& lexer) {
    const Token start = lexer.peek();
    try {
        if (start.kind != TokenKind::identifier) lexer.fail_expected(start, "a statement");
        const std::string_view word = start.text;
        if (word == "include") {
            include(lexer);
        } else if (word == "qreg" || word == "creg") {
            register_declaration(lexer);
        } else if (word == "gate") {
            gate_definition(lexer);
        } else if (word == "opaque") {
            opaque_declaration(lexer);
        } else if (word == "barrier") {
            barrier(lexer);
        } else if (word == "if") {
            conditional(lexer);
        } else if (word == "OPENQASM") {
            lexer.fail(start, "'OPENQASM' may appear only once, as the first statement");
        } else {
            quantum_operation(lexer, std::nullopt);
        }
    } catch (const ParseError&) {
        throw;
    } catch (const Error& error) {  // a check of the Circuit that the parser did not make first
        lexer.fail(start, error.what());
    }
}

void Parser::include(Lexer& lexer) {
    const Token keyword = lexer.take();
    const Token name = lexer.expect(TokenKind::string);
    lexer.expect(TokenKind::semicolon);
    if (name.text == "qelib1.inc") {
        include_qelib1(lexer, keyword);
        return;
    }
    const std::filesystem::path path = directory_ / name.text;
    const std::filesystem::path canonical = canonical_or_same(path);
    for (const auto& open : open_files_)
        if (open == canonical) lexer.fail(keyword, "recursive include of " + in_quotes(name.text));
    const std::optional<std::string> contents = core::read_text_file(path);
    if (!contents) lexer.fail(keyword, "cannot read include file " + in_quotes(name.text) + " (" + path.string() + ")");

    open_files_.push_back(canonical);
    const std::filesystem::path outer_directory = std::exchange(directory_, path.parent_path());
    Lexer included(*contents, path.string());
    while (included.peek().kind != TokenKind::end) statement(included);
    directory_ = outer_directory;
    open_files_.pop_back();
}

void Parser::include_qelib1(Lexer& lexer, const Token& keyword) {
    if (qelib1_included_) return;  // the same library again adds nothing
    qelib1_included_ = true;
    for (const BuiltinGate& builtin : qelib1_native_gates()) declare_gate(lexer, keyword, builtin_gate(builtin));
    // Its only possible fault is a gate the program defined before the include; report it there.
    try {
        Lexer library(qelib1_defined_gates(), "qelib1.inc");
        while (library.peek().kind != TokenKind::end) statement(library);
    } catch (const ParseError& error) {
        lexer.fail(keyword, error.message());
    }
}

void Parser::register_declaration(Lexer& lexer) {
    const bool quantum = lexer.take().text == "qreg";
    const Token name = new_name(lexer);
    lexer.expect(TokenKind::lbracket);
    const Token size_token = lexer.expect(TokenKind::integer);
    lexer.expect(TokenKind::rbracket);
    lexer.expect(TokenKind::semicolon);

    if (registers_.contains(name.text)) lexer.fail(name, "duplicate register " + in_quotes(name.text));
    const std::uint64_t size = integer_value(lexer, size_token);
    const char* unit = quantum ? "qubit" : "bit";
    if (size == 0) lexer.fail(size_token, "register " + in_quotes(name.text) + " must have at least one " + unit);
    const std::uint64_t declared = quantum ? circuit_.num_qubits() : circuit_.num_clbits();
    if (size > MAX_BITS - declared) {
        lexer.fail(size_token, "register " + in_quotes(name.text) + " would make more than " +
                                   std::to_string(MAX_BITS) + " " + unit + "s");
    }
    const std::size_t index = quantum ? circuit_.qregs().size() : circuit_.cregs().size();
    if (quantum) {
        circuit_.add_qreg(std::string(name.text), size);
    } else {
        circuit_.add_creg(std::string(name.text), size);
    }
    registers_.emplace(name.text, RegisterIndex{quantum, index});
}

Parser::Signature Parser::signature(Lexer& lexer, const Token& name) {
    if (gates_.contains(name.text)) lexer.fail(name, "gate " + in_quotes(name.text) + " is already defined");
    const auto names = [&lexer](const std::string& what) {
        std::vector<std::string> list;
        do {
            const Token token = new_name(lexer);
            for (const auto& earlier : list)
                if (earlier == token.text) lexer.fail(token, "duplicate " + what + " " + in_quotes(token.text));
            list.emplace_back(token.text);
        } while (lexer.accept(TokenKind::comma));
        return list;
    };
    Signature result;
    if (lexer.accept(TokenKind::lparen) && !lexer.accept(TokenKind::rparen)) {
        result.params = names("parameter");
        lexer.expect(TokenKind::rparen);
    }
    result.qubits = names("qubit argument");
    return result;
}

void Parser::gate_definition(Lexer& lexer) {
    lexer.take();
    const Token name = new_name(lexer);
    const Signature sig = signature(lexer, name);
    Gate gate{std::string(name.text), sig.params.size(), sig.qubits.size(), nullptr, false, {}};
    lexer.expect(TokenKind::lbrace);
    while (!lexer.accept(TokenKind::rbrace)) gate.body.push_back(body_statement(lexer, sig));
    declare_gate(lexer, name, std::move(gate));
}

void Parser::opaque_declaration(Lexer& lexer) {
    lexer.take();
    const Token name = new_name(lexer);
    const Signature sig = signature(lexer, name);
    lexer.expect(TokenKind::semicolon);
    declare_gate(lexer, name, Gate{std::string(name.text), sig.params.size(), sig.qubits.size(), nullptr, true, {}});
}

GateBodyOp Parser::body_statement(Lexer& lexer, const Signature& sig) {
    const Token name = lexer.peek();
    if (name.kind != TokenKind::identifier) lexer.fail_expected(name, "a gate application, barrier or '}'");
    lexer.take();
    const bool is_barrier = name.text == "barrier";
    if (is_keyword(name.text) && !is_barrier) lexer.fail(name, in_quotes(name.text) + " is not allowed in a gate body");
    GateBodyOp op;
    if (!is_barrier) {
        op.gate = &find_gate(lexer, name);
        if (lexer.accept(TokenKind::lparen) && !lexer.accept(TokenKind::rparen)) {
            do op.params.push_back(parse_expression(lexer, sig.params));
            while (lexer.accept(TokenKind::comma));
            lexer.expect(TokenKind::rparen);
        }
    }
    do {
        const Token arg = lexer.expect(TokenKind::identifier);
        std::size_t index = 0;
        while (index < sig.qubits.size() && sig.qubits[index] != arg.text) ++index;
        if (index == sig.qubits.size()) lexer.fail(arg, "unknown qubit argument " + in_quotes(arg.text));
        if (std::find(op.qubits.begin(), op.qubits.end(), index) != op.qubits.end()) {
            if (is_barrier) continue;  // a barrier on a qubit twice is the barrier on it once
            lexer.fail(arg, "qubit argument " + in_quotes(arg.text) + " used twice in one gate");
        }
        op.qubits.push_back(index);
    } while (lexer.accept(TokenKind::comma));
    lexer.expect(TokenKind::semicolon);
    if (op.gate) check_arity(lexer, name, *op.gate, op.params.size(), op.qubits.size());
    return op;
}

void Parser::declare_gate(Lexer& lexer, const Token& at, Gate gate) {
    const std::string name = gate.name;
    if (!gates_.try_emplace(name, std::move(gate)).second)
        lexer.fail(at, "gate " + in_quotes(name) + " is already defined");
}

void Parser::conditional(Lexer& lexer) {
    lexer.take();
    lexer.expect(TokenKind::lparen);
    const Argument creg = argument(lexer, false);
    if (creg.index) lexer.fail(creg.where, "a condition tests a whole classical register, not one bit");
    lexer.expect(TokenKind::equals);
    const Token value_token = lexer.expect(TokenKind::integer);
    lexer.expect(TokenKind::rparen);
    const std::uint64_t value = integer_value(lexer, value_token);
    if (creg.reg.size < 64 && (value >> creg.reg.size) != 0) {
        lexer.fail(value_token, "value " + std::string(value_token.text) + " does not fit in register " +
                                    in_quotes(creg.reg.name) + " of " + count(creg.reg.size, "bit"));
    }
    const Token& next = lexer.peek();
    if (next.kind != TokenKind::identifier ||
        (is_keyword(next.text) && next.text != "measure" && next.text != "reset")) {
        lexer.fail_expected(next, "a gate application, measure or reset after the condition");
    }
    quantum_operation(lexer, Condition{registers_.find(creg.reg.name)->second.index, value});
}

void Parser::quantum_operation(Lexer& lexer, const std::optional<Condition>& condition) {
    const std::string_view word = lexer.peek().text;
    if (word == "measure") {
        measure(lexer, condition);
    } else if (word == "reset") {
        reset(lexer, condition);
    } else {
        gate_application(lexer, condition);
    }
}

void Parser::gate_application(Lexer& lexer, const std::optional<Condition>& condition) {
    const Token name = lexer.take();
    const Gate& gate = find_gate(lexer, name);
    const std::vector<double> params = angles(lexer, name);
    const std::vector<Argument> args = arguments(lexer);
    lexer.expect(TokenKind::semicolon);
    check_arity(lexer, name, gate, params.size(), args.size());
    if (gate.opaque)
        lexer.fail(name, "opaque gate " + in_quotes(gate.name) + " has no definition and cannot be applied");

    const std::size_t instances = broadcast_size(lexer, args);
    std::vector<Qubit> qubits(args.size());
    for (std::size_t k = 0; k < instances; ++k) {
        for (std::size_t j = 0; j < args.size(); ++j) {
            const std::size_t index = args[j].index.value_or(k);
            qubits[j] = static_cast<Qubit>(args[j].reg.offset + index);
            for (std::size_t i = 0; i < j; ++i) {
                if (qubits[i] == qubits[j]) {
                    lexer.fail(args[j].where,
                               "qubit " + args[j].reg.name + "[" + std::to_string(index) + "] used twice in one gate");
                }
            }
        }
        apply(lexer, name, gate, params, qubits, condition);
    }
}

// Angles of a gate application, evaluated now: `( exprs? )`, or none without parentheses.
std::vector<double> Parser::angles(Lexer& lexer, const Token& gate_name) {
    std::vector<double> values;
    if (!lexer.accept(TokenKind::lparen) || lexer.accept(TokenKind::rparen)) return values;
    do {
        const Token start = lexer.peek();
        const double value = parse_expression(lexer, {}).evaluate({});
        if (!std::isfinite(value)) {
            lexer.fail(start, "parameter " + std::to_string(values.size() + 1) + " of gate " +
                                  in_quotes(gate_name.text) + " evaluates to " + describe_non_finite(value) +
                                  ", expected a finite number");
        }
        values.push_back(value);
    } while (lexer.accept(TokenKind::comma));
    lexer.expect(TokenKind::rparen);
    return values;
}

void Parser::measure(Lexer& lexer, const std::optional<Condition>& condition) {
    lexer.take();
    const Argument qubit = argument(lexer, true);
    lexer.expect(TokenKind::arrow);
    const Argument bit = argument(lexer, false);
    lexer.expect(TokenKind::semicolon);
    if (qubit.index.has_value() != bit.index.has_value()) {
        lexer.fail(bit.where, "measure takes a register on both sides or one qubit and one bit");
    }
    const Argument both[] = {qubit, bit};
    const std::size_t instances = broadcast_size(lexer, both);
    for (std::size_t k = 0; k < instances; ++k) {
        circuit_.append_measure(static_cast<Qubit>(qubit.reg.offset + qubit.index.value_or(k)),
                                bit.reg.offset + bit.index.value_or(k), condition);
    }
}

void Parser::reset(Lexer& lexer, const std::optional<Condition>& condition) {
    lexer.take();
    const Argument qubit = argument(lexer, true);
    lexer.expect(TokenKind::semicolon);
    const std::size_t instances = qubit.index ? 1 : qubit.reg.size;
    for (std::size_t k = 0; k < instances; ++k) {
        circuit_.append_reset(static_cast<Qubit>(qubit.reg.offset + qubit.index.value_or(k)), condition);
    }
}

void Parser::barrier(Lexer& lexer) {
    lexer.take();
    const std::vector<Argument> args = arguments(lexer);
    lexer.expect(TokenKind::semicolon);
    // A qubit named twice (`barrier q, q[0];`) is in the barrier once.
    std::vector<Qubit> qubits;
    std::unordered_set<Qubit> seen;
    for (const Argument& arg : args) {
        const std::size_t first = arg.index.value_or(0);
        const std::size_t last = arg.index ? first + 1 : arg.reg.size;
        for (std::size_t k = first; k < last; ++k) {
            const auto qubit = static_cast<Qubit>(arg.reg.offset + k);
            if (seen.insert(qubit).second) qubits.push_back(qubit);
        }
    }
    circuit_.append_barrier(qubits);
}

const Gate& Parser::find_gate(Lexer& lexer, const Token& name) const {
    const auto found = gates_.find(name.text);
    if (found == gates_.end()) lexer.fail(name, "unknown gate " + in_quotes(name.text));
    return found->second;
}

Parser::Argument Parser::argument(Lexer& lexer, bool quantum) {
    const Token name = lexer.expect(TokenKind::identifier);
    const auto found = registers_.find(name.text);
    if (found == registers_.end()) lexer.fail(name, "unknown register " + in_quotes(name.text));
    if (found->second.quantum != quantum) {
        lexer.fail(name, in_quotes(name.text) + (quantum ? " is a classical register, expected a quantum register"
                                                         : " is a quantum register, expected a classical register"));
    }
    const std::size_t index = found->second.index;
    Argument arg{quantum ? circuit_.qregs()[index] : circuit_.cregs()[index], std::nullopt, name};
    if (lexer.accept(TokenKind::lbracket)) {
        const Token index_token = lexer.expect(TokenKind::integer);
        const std::uint64_t element = integer_value(lexer, index_token);
        if (element >= arg.reg.size) {
            lexer.fail(index_token, "index " + std::string(index_token.text) + " out of range for register " +
                                        in_quotes(arg.reg.name) + " of size " + std::to_string(arg.reg.size));
        }
        lexer.expect(TokenKind::rbracket);
        arg.index = element;
    }
    return arg;
}

std::vector<Parser::Argument> Parser::arguments(Lexer& lexer) {
    std::vector<Argument> args;
    do args.push_back(argument(lexer, true));
    while (lexer.accept(TokenKind::comma));
    return args;
}

// One instance if every argument names one element; otherwise one per element of the whole registers
// among them, which must all have the same size (a single element is then reused in every instance).
std::size_t Parser::broadcast_size(Lexer& lexer, std::span<const Argument> args) const {
    const Argument* first_register = nullptr;
    for (const Argument& arg : args) {
        if (arg.index) continue;
        if (!first_register) {
            first_register = &arg;
        } else if (arg.reg.size != first_register->reg.size) {
            lexer.fail(arg.where, "register " + in_quotes(arg.reg.name) + " has size " + std::to_string(arg.reg.size) +
                                      " but register " + in_quotes(first_register->reg.name) + " has size " +
                                      std::to_string(first_register->reg.size) +
                                      "; registers in one statement must have equal sizes");
        }
    }
    return first_register ? first_register->reg.size : 1;
}

void Parser::apply(Lexer& lexer, const Token& at, const Gate& gate, std::span<const double> params,
                   std::span<const Qubit> qubits, const std::optional<Condition>& condition) {
    if (gate.builtin) {
        gate.builtin->append(circuit_, GateCall{params, qubits, condition});
        return;
    }
    if (gate.opaque) lexer.fail(at, "opaque gate " + in_quotes(gate.name) + " has no definition and cannot be applied");
    std::vector<Qubit> op_qubits;
    std::vector<double> op_params;
    for (const GateBodyOp& op : gate.body) {
        op_qubits.clear();
        for (const std::size_t index : op.qubits) op_qubits.push_back(qubits[index]);
        if (!op.gate) {
            circuit_.append_barrier(op_qubits);
            continue;
        }
        op_params.clear();
        for (const Expression& expression : op.params) {
            const double value = expression.evaluate(params);
            if (!std::isfinite(value)) {
                lexer.fail(at, "parameter " + std::to_string(op_params.size() + 1) + " of gate " +
                                   in_quotes(op.gate->name) + " in the body of gate " + in_quotes(gate.name) +
                                   " evaluates to " + describe_non_finite(value) + ", expected a finite number");
            }
            op_params.push_back(value);
        }
        apply(lexer, at, *op.gate, op_params, op_qubits, condition);
    }
}

}  // namespace qkdlab::qsim::qasm

namespace qkdlab::qsim {

Circuit parse_qasm(std::string_view source, const std::string& file_name, const std::filesystem::path& include_dir) {
    return qasm::Parser(include_dir, {}).parse(source, file_name);
}

Circuit read_qasm_file(const std::filesystem::path& path) {
    const std::optional<std::string> source = core::read_text_file(path);
    if (!source) throw Error("cannot read OpenQASM file '" + path.string() + "'");
    return qasm::Parser(path.parent_path(), path).parse(*source, path.string());
}

}  // namespace qkdlab::qsim
