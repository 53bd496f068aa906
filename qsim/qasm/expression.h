#pragma once
// Parameter expressions of OpenQASM 2.0: real and integer literals, pi, the parameters of the gate
// being defined, + - * / ^ (power is right-associative and binds tighter than unary minus, so
// -2^2 = -4), parentheses and the functions sin cos tan exp ln sqrt. An expression is parsed once
// (in a gate body, with the names of that gate's parameters) and evaluated each time the gate is
// applied. Evaluation follows IEEE arithmetic (1/0 is inf); the caller decides what is acceptable.

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "qasm/lexer.h"

namespace qkdlab::qsim::qasm {

class Expression {
  public:
    // The value with the gate's parameters bound: `parameters[k]` is the k-th declared parameter.
    double evaluate(std::span<const double> parameters) const;

  private:
    friend class ExpressionParser;

    // Leaves, then the unary negation, the binary operators (add to power, kept together), the functions.
    enum class Op { constant, parameter, negate, add, subtract, multiply, divide, power, sin, cos, tan, exp, ln, sqrt };
    struct Node {
        Op op;
        double value = 0;       // constant
        std::size_t index = 0;  // parameter
    };

    std::vector<Node> postfix_;  // evaluated with a stack, left to right
};

// Parses one expression from the lexer. An identifier must be `pi`, one of `parameter_names` or a
// function applied to a parenthesised argument; anything else is a qkdlab::ParseError at the token.
Expression parse_expression(Lexer& lexer, std::span<const std::string> parameter_names);

}  // namespace qkdlab::qsim::qasm
