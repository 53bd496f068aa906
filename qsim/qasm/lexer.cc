#include "qasm/lexer.h"

#include <cstdio>
#include <utility>

#include "qkdlab/core/error.h"

namespace qkdlab::qsim::qasm {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_word_char(char c) { return is_letter(c) || is_digit(c); }

// A character for an error message: 'x' if printable, else its byte value.
std::string describe_char(char c) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f) return std::string("'") + c + "'";
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "byte 0x%02x", byte);
    return buffer;
}

std::string describe_token(const Token& token) {
    switch (token.kind) {
        case TokenKind::end:
            return "end of file";
        case TokenKind::string:
            return "\"" + std::string(token.text) + "\"";
        default:
            return "'" + std::string(token.text) + "'";
    }
}

}  // namespace

std::string describe(TokenKind kind) {
    switch (kind) {
        case TokenKind::identifier:
            return "an identifier";
        case TokenKind::integer:
            return "an integer";
        case TokenKind::real:
            return "a real number";
        case TokenKind::string:
            return "a string";
        case TokenKind::lparen:
            return "'('";
        case TokenKind::rparen:
            return "')'";
        case TokenKind::lbrace:
            return "'{'";
        case TokenKind::rbrace:
            return "'}'";
        case TokenKind::lbracket:
            return "'['";
        case TokenKind::rbracket:
            return "']'";
        case TokenKind::semicolon:
            return "';'";
        case TokenKind::comma:
            return "','";
        case TokenKind::arrow:
            return "'->'";
        case TokenKind::equals:
            return "'=='";
        case TokenKind::plus:
            return "'+'";
        case TokenKind::minus:
            return "'-'";
        case TokenKind::star:
            return "'*'";
        case TokenKind::slash:
            return "'/'";
        case TokenKind::caret:
            return "'^'";
        case TokenKind::end:
            return "end of file";
    }
    return "a token";
}

Lexer::Lexer(std::string_view source, std::string file_name) : source_(source), file_name_(std::move(file_name)) {}

const Token& Lexer::peek() {
    if (!lookahead_) lookahead_ = scan();
    return *lookahead_;
}

Token Lexer::take() {
    const Token token = peek();
    lookahead_.reset();
    return token;
}

Token Lexer::expect(TokenKind kind) {
    if (peek().kind != kind) fail_expected(peek(), describe(kind));
    return take();
}

bool Lexer::accept(TokenKind kind) {
    if (peek().kind != kind) return false;
    take();
    return true;
}

void Lexer::fail(const Token& at, const std::string& message) const {
    throw ParseError(file_name_, at.line, at.column, message);
}

void Lexer::fail_expected(const Token& at, const std::string& what) const {
    if (at.kind == TokenKind::end) fail(at, "unexpected end of file, expected " + what);
    fail(at, "expected " + what + ", got " + describe_token(at));
}

void Lexer::advance(std::size_t count) {
    for (; count > 0 && pos_ < source_.size(); --count, ++pos_) {
        if (source_[pos_] == '\n') {
            ++line_;
            column_ = 1;
        } else {
            ++column_;
        }
    }
}

void Lexer::skip_space_and_comments() {
    while (pos_ < source_.size()) {
        const char c = at(0);
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v') {
            advance(1);
        } else if (c == '/' && at(1) == '/') {
            while (pos_ < source_.size() && at(0) != '\n') advance(1);
        } else if (c == '/' && at(1) == '*') {
            const std::size_t line = line_, column = column_;
            const std::size_t close = source_.find("*/", pos_ + 2);
            if (close == std::string_view::npos) throw ParseError(file_name_, line, column, "unterminated comment");
            advance(close + 2 - pos_);
        } else {
            return;
        }
    }
}

Token Lexer::make(TokenKind kind, std::size_t begin, std::size_t line, std::size_t column) const {
    return Token{kind, source_.substr(begin, pos_ - begin), line, column};
}

Token Lexer::scan() {
    skip_space_and_comments();
    const std::size_t begin = pos_, line = line_, column = column_;
    if (pos_ >= source_.size()) return make(TokenKind::end, begin, line, column);
    const char c = at(0);
    if (is_letter(c)) {
        while (is_word_char(at(0))) advance(1);
        return make(TokenKind::identifier, begin, line, column);
    }
    if (is_digit(c) || (c == '.' && is_digit(at(1)))) return scan_number(line, column);
    if (c == '"') {
        const std::size_t close = source_.find_first_of("\"\n", pos_ + 1);
        if (close == std::string_view::npos || source_[close] != '"') {
            throw ParseError(file_name_, line, column, "unterminated string");
        }
        advance(close + 1 - pos_);
        return Token{TokenKind::string, source_.substr(begin + 1, close - begin - 1), line, column};
    }
    const auto single = [&](TokenKind kind) {
        advance(1);
        return make(kind, begin, line, column);
    };
    switch (c) {
        case '(':
            return single(TokenKind::lparen);
        case ')':
            return single(TokenKind::rparen);
        case '{':
            return single(TokenKind::lbrace);
        case '}':
            return single(TokenKind::rbrace);
        case '[':
            return single(TokenKind::lbracket);
        case ']':
            return single(TokenKind::rbracket);
        case ';':
            return single(TokenKind::semicolon);
        case ',':
            return single(TokenKind::comma);
        case '+':
            return single(TokenKind::plus);
        case '*':
            return single(TokenKind::star);
        case '/':
            return single(TokenKind::slash);
        case '^':
            return single(TokenKind::caret);
        case '-':
            if (at(1) != '>') return single(TokenKind::minus);
            advance(2);
            return make(TokenKind::arrow, begin, line, column);
        case '=':
            if (at(1) != '=') throw ParseError(file_name_, line, column, "unexpected character '=', expected '=='");
            advance(2);
            return make(TokenKind::equals, begin, line, column);
        default:
            throw ParseError(file_name_, line, column, "unexpected character " + describe_char(c));
    }
}

Token Lexer::scan_number(std::size_t line, std::size_t column) {
    const std::size_t begin = pos_;
    TokenKind kind = TokenKind::integer;
    while (is_digit(at(0))) advance(1);
    if (at(0) == '.') {
        kind = TokenKind::real;
        advance(1);
        while (is_digit(at(0))) advance(1);
    }
    const bool has_exponent =
        (at(0) == 'e' || at(0) == 'E') && (is_digit(at(1)) || ((at(1) == '+' || at(1) == '-') && is_digit(at(2))));
    if (has_exponent) {
        kind = TokenKind::real;
        advance(at(1) == '+' || at(1) == '-' ? 2 : 1);
        while (is_digit(at(0))) advance(1);
    }
    // A number runs into a letter, digit or point ("1e", "2x", "1.2.3"): one bad token, not two.
    if (is_word_char(at(0)) || at(0) == '.') {
        while (is_word_char(at(0)) || at(0) == '.') advance(1);
        const std::string text(source_.substr(begin, pos_ - begin));
        throw ParseError(file_name_, line, column, "bad number '" + text + "'");
    }
    return make(kind, begin, line, column);
}

}  // namespace qkdlab::qsim::qasm
