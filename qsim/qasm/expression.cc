#include "qasm/expression.h"

#include <array>
#include <charconv>
#include <cmath>
#include <numbers>
#include <string_view>
#include <utility>

namespace qkdlab::qsim::qasm {
namespace {

// Deeper nesting of parentheses or unary signs is refused rather than risking the stack.
constexpr int MAX_NESTING = 256;

}  // namespace

// Recursive descent, one function per precedence level, emitting postfix nodes:
//   sum     := product (('+' | '-') product)*
//   product := signed (('*' | '/') signed)*
//   signed  := ('-' | '+') signed | power
//   power   := primary ('^' signed)?
//   primary := number | 'pi' | parameter | function '(' sum ')' | '(' sum ')'
class ExpressionParser {
  public:
    ExpressionParser(Lexer& lexer, std::span<const std::string> parameter_names)
        : lexer_(lexer), parameter_names_(parameter_names) {}

    Expression parse() {
        sum();
        return std::move(expression_);
    }

  private:
    using Op = Expression::Op;

    void emit(Op op, double value = 0, std::size_t index = 0) { expression_.postfix_.push_back({op, value, index}); }

    void sum() {
        product();
        for (;;) {
            if (lexer_.accept(TokenKind::plus)) {
                product();
                emit(Op::add);
            } else if (lexer_.accept(TokenKind::minus)) {
                product();
                emit(Op::subtract);
            } else {
                return;
            }
        }
    }

    void product() {
        signed_term();
        for (;;) {
            if (lexer_.accept(TokenKind::star)) {
                signed_term();
                emit(Op::multiply);
            } else if (lexer_.accept(TokenKind::slash)) {
                signed_term();
                emit(Op::divide);
            } else {
                return;
            }
        }
    }

    void signed_term() {
        const Token sign = lexer_.peek();
        if (sign.kind != TokenKind::minus && sign.kind != TokenKind::plus) {
            power();
            return;
        }
        enter(sign);
        lexer_.take();
        signed_term();
        if (sign.kind == TokenKind::minus) emit(Op::negate);
        --depth_;
    }

    void power() {
        primary();
        if (lexer_.accept(TokenKind::caret)) {
            signed_term();
            emit(Op::power);
        }
    }

    void primary() {
        const Token token = lexer_.take();
        switch (token.kind) {
            case TokenKind::integer:
            case TokenKind::real:
                emit(Op::constant, number(token));
                return;
            case TokenKind::lparen:
                parenthesised(token);
                return;
            case TokenKind::identifier:
                identifier(token);
                return;
            default:
                lexer_.fail_expected(token, "an expression");
        }
    }

    void parenthesised(const Token& open) {
        enter(open);
        sum();
        lexer_.expect(TokenKind::rparen);
        --depth_;
    }

    void identifier(const Token& name) {
        if (lexer_.peek().kind == TokenKind::lparen) {
            const Op function = function_named(name);
            parenthesised(lexer_.take());
            emit(function);
            return;
        }
        if (name.text == "pi") {
            emit(Op::constant, std::numbers::pi);
            return;
        }
        for (std::size_t k = 0; k < parameter_names_.size(); ++k) {
            if (parameter_names_[k] == name.text) {
                emit(Op::parameter, 0, k);
                return;
            }
        }
        lexer_.fail(name, "unknown identifier '" + std::string(name.text) + "' in expression");
    }

    Op function_named(const Token& name) const {
        static constexpr std::array<std::pair<std::string_view, Op>, 6> FUNCTIONS = {{
            {"sin", Op::sin},
            {"cos", Op::cos},
            {"tan", Op::tan},
            {"exp", Op::exp},
            {"ln", Op::ln},
            {"sqrt", Op::sqrt},
        }};
        for (const auto& [function_name, op] : FUNCTIONS)
            if (function_name == name.text) return op;
        lexer_.fail(name, "unknown function '" + std::string(name.text) + "', expected sin, cos, tan, exp, ln or sqrt");
    }

    double number(const Token& token) const {
        double value = 0;
        const auto [end, error] = std::from_chars(token.text.data(), token.text.data() + token.text.size(), value);
        if (error != std::errc{} || end != token.text.data() + token.text.size()) {
            lexer_.fail(token, "bad number '" + std::string(token.text) + "'");
        }
        return value;
    }

    void enter(const Token& at) {
        if (++depth_ > MAX_NESTING) lexer_.fail(at, "expression nested too deeply");
    }

    Lexer& lexer_;
    std::span<const std::string> parameter_names_;
    Expression expression_;
    int depth_ = 0;
};

double Expression::evaluate(std::span<const double> parameters) const {
    std::vector<double> stack;
    stack.reserve(postfix_.size());
    for (const Node& node : postfix_) {
        if (node.op == Op::constant || node.op == Op::parameter) {
            stack.push_back(node.op == Op::constant ? node.value : parameters[node.index]);
            continue;
        }
        double right = 0;
        if (node.op >= Op::add && node.op <= Op::power) {  // binary: the right operand is on top
            right = stack.back();
            stack.pop_back();
        }
        double& x = stack.back();
        switch (node.op) {
            case Op::negate:
                x = -x;
                break;
            case Op::add:
                x += right;
                break;
            case Op::subtract:
                x -= right;
                break;
            case Op::multiply:
                x *= right;
                break;
            case Op::divide:
                x /= right;
                break;
            case Op::power:
                x = std::pow(x, right);
                break;
            case Op::sin:
                x = std::sin(x);
                break;
            case Op::cos:
                x = std::cos(x);
                break;
            case Op::tan:
                x = std::tan(x);
                break;
            case Op::exp:
                x = std::exp(x);
                break;
            case Op::ln:
                x = std::log(x);
                break;
            case Op::sqrt:
                x = std::sqrt(x);
                break;
            case Op::constant:
            case Op::parameter:
                break;
        }
    }
    return stack.back();
}

Expression parse_expression(Lexer& lexer, std::span<const std::string> parameter_names) {
    return ExpressionParser(lexer, parameter_names).parse();
}

}  // namespace qkdlab::qsim::qasm
