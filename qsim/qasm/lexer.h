#pragma once
// The tokens of OpenQASM 2.0 and the lexer that cuts source text into them, one token of lookahead
// at a time (so that an error early in a file is reported before a lexical error late in it).
// Keywords (OPENQASM, qreg, gate, pi, ...) are plain identifiers here; the parser tells them apart.
// Comments `// ...` and `/* ... */` are skipped. Lines and columns are 1-based; a column counts bytes.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace qkdlab::qsim::qasm {

enum class TokenKind {
    identifier,  // [A-Za-z_][A-Za-z0-9_]*
    integer,     // [0-9]+
    real,        // 1.5, .5, 1., 2e-3, 1.5E+2
    string,      // "..." on one line; `text` holds what is between the quotes
    lparen,
    rparen,
    lbrace,
    rbrace,
    lbracket,
    rbracket,
    semicolon,
    comma,
    arrow,   // ->
    equals,  // ==
    plus,
    minus,
    star,
    slash,
    caret,
    end,  // end of the source
};

// How a token kind reads in an error message: "';'", "an identifier", "end of file".
std::string describe(TokenKind kind);

struct Token {
    TokenKind kind = TokenKind::end;
    std::string_view text;  // a view into the lexer's source
    std::size_t line = 1;
    std::size_t column = 1;
};

class Lexer {
  public:
    // `source` must outlive the lexer and its tokens; `file_name` names it in errors.
    Lexer(std::string_view source, std::string file_name);

    // The next token, without consuming it. Throws qkdlab::ParseError on a lexical fault.
    const Token& peek();
    // The next token, consumed.
    Token take();
    // Consumes the next token if it has `kind`, else throws "expected <kind>".
    Token expect(TokenKind kind);
    // Consumes the next token if it has `kind` and returns true; otherwise leaves it.
    bool accept(TokenKind kind);

    // Throws qkdlab::ParseError at the token: "file:line:column: message".
    [[noreturn]] void fail(const Token& at, const std::string& message) const;
    // Throws "expected <what>, got <the token>" (or "unexpected end of file, expected <what>").
    [[noreturn]] void fail_expected(const Token& at, const std::string& what) const;

  private:
    Token scan();
    void skip_space_and_comments();
    Token scan_number(std::size_t line, std::size_t column);
    Token make(TokenKind kind, std::size_t begin, std::size_t line, std::size_t column) const;
    void advance(std::size_t count);
    char at(std::size_t offset) const { return pos_ + offset < source_.size() ? source_[pos_ + offset] : '\0'; }

    std::string_view source_;
    std::string file_name_;
    std::size_t pos_ = 0;
    std::size_t line_ = 1;
    std::size_t column_ = 1;
    std::optional<Token> lookahead_;
};

}  // namespace qkdlab::qsim::qasm
