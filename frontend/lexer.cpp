// \file The .mnn lexer: comments, numbers, strings, names, operators and significant newlines.
#include "frontend/lexer.h"

#include <fmt/format.h>

#include <cstdlib>
#include <utility>

#include "support/diagnostics.h"

namespace graphc {
namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isIdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool isIdentChar(char c) { return isIdentStart(c) || isDigit(c); }

bool isKeyword(const std::string& word) {
  static const char* const keywords[] = {"model",  "scope", "train", "true", "false", "def",
                                         "return", "for",   "in",    "if",   "else"};
  for (const char* k : keywords)
    if (word == k) return true;
  return false;
}

// A '{' after these keywords' headers opens a statement block: `def f(x) {`, `for i in range(3) {`,
// `if c {`, `else {`.
bool startsBlockHeader(const std::string& keyword) {
  return keyword == "def" || keyword == "for" || keyword == "if" || keyword == "else";
}

// The character starting at pos as the user sees it: a whole UTF-8 sequence, or a hex code
// for control bytes, so "found ..." never prints an invisible or broken character.
std::string describeCharAt(const std::string& text, size_t pos) {
  if (pos >= text.size()) return "end of file";
  unsigned char c = static_cast<unsigned char>(text[pos]);
  if (c == '\n') return "end of line";
  if (c < 0x20 || c == 0x7f) return fmt::format("character 0x{:02x}", c);
  size_t length = 1;
  if (c >= 0xc0) length = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
  return "'" + text.substr(pos, length) + "'";
}

}  // namespace

Lexer::Lexer(const std::string& source) : source_(source) {
  // A UTF-8 byte order mark is not part of the program.
  if (source_.compare(0, 3, "\xEF\xBB\xBF") == 0) pos_ = lineStart_ = 3;
}

char Lexer::peekChar(size_t ahead) const { return pos_ + ahead < source_.size() ? source_[pos_ + ahead] : '\0'; }

void Lexer::advance() {
  if (source_[pos_] == '\n') {
    ++line_;
    lineStart_ = pos_ + 1;
  }
  ++pos_;
}

SourceLoc Lexer::here() const { return {line_, static_cast<int>(pos_ - lineStart_) + 1}; }

// Where the code of the current line ends: just past its last token, so a caret for
// "found end of line" sits where a missing ')' would go, before any trailing comment.
SourceLoc Lexer::lineEnd() const { return codeEnd_.line == line_ ? codeEnd_ : here(); }

bool Lexer::insideExpressionBrackets() const { return !brackets_.empty() && brackets_.back() != Bracket::Block; }

Token Lexer::make(TokenKind kind, std::string text, SourceLoc loc) const {
  Token token;
  token.kind = kind;
  token.text = std::move(text);
  token.loc = loc;
  return token;
}

Token Lexer::emit(Token token) {
  if (token.kind != TokenKind::Newline && token.kind != TokenKind::End) {
    token.afterLineBreak = skippedBreak_;
    token.lineBreakLoc = skippedBreakLoc_;
    skippedBreak_ = false;
    codeEnd_ = here();
    emittedAny_ = true;
  } else if (token.kind == TokenKind::End) {
    token.afterLineBreak = skippedBreak_;
    token.lineBreakLoc = skippedBreakLoc_;
  }
  beforeLast_ = std::move(last_);
  last_ = token;
  return token;
}

Token Lexer::next() {
  for (;;) {
    char c = peekChar();
    if (c == ' ' || c == '\t' || c == '\r') {
      advance();
    } else if (c == '#') {
      while (pos_ < source_.size() && source_[pos_] != '\n') advance();
    } else if (c == '\n') {
      SourceLoc loc = lineEnd();
      advance();
      if (insideExpressionBrackets()) {
        if (!skippedBreak_) skippedBreakLoc_ = loc;
        skippedBreak_ = true;
      } else if (emittedAny_ && last_.kind != TokenKind::Newline) {
        return emit(make(TokenKind::Newline, "", loc));
      }
    } else if (pos_ >= source_.size()) {
      return emit(make(TokenKind::End, "", emittedAny_ ? codeEnd_ : SourceLoc{1, 1}));
    } else if (isDigit(c) || (c == '.' && isDigit(peekChar(1)))) {
      return emit(lexNumber());
    } else if (c == '"') {
      return emit(lexString());
    } else if (isIdentStart(c)) {
      return emit(lexWord());
    } else {
      return emit(lexPunct());
    }
  }
}

Token Lexer::lexNumber() {
  SourceLoc loc = here();
  size_t start = pos_;
  bool isInteger = true;
  while (isDigit(peekChar())) advance();
  // `32.` is a float like in Python, but `x.5` never reaches here and `3.foo` stays a member.
  if (peekChar() == '.' && (isDigit(peekChar(1)) || !isIdentStart(peekChar(1)))) {
    isInteger = false;
    advance();
    while (isDigit(peekChar())) advance();
  }
  if (peekChar() == 'e' || peekChar() == 'E') {
    size_t sign = (peekChar(1) == '+' || peekChar(1) == '-') ? 1 : 0;
    if (!isDigit(peekChar(1 + sign))) {
      for (size_t i = 0; i <= sign; ++i) advance();
      throw UserError(here(), "expected digits in the exponent of '" + source_.substr(start, pos_ - start) +
                                  "', found " + describeCharAt(source_, pos_));
    }
    isInteger = false;
    for (size_t i = 0; i <= sign; ++i) advance();
    while (isDigit(peekChar())) advance();
  }
  std::string spelling = source_.substr(start, pos_ - start);
  if (isIdentChar(peekChar())) {
    throw UserError(here(), "expected a space or an operator after the number " + spelling + ", found " +
                                describeCharAt(source_, pos_));
  }
  Token token = make(TokenKind::Number, spelling, loc);
  token.number = std::strtod(spelling.c_str(), nullptr);
  token.isInteger = isInteger;
  return token;
}

Token Lexer::lexString() {
  SourceLoc loc = here();
  advance();  // the opening quote
  std::string text;
  for (;;) {
    char c = peekChar();
    if (pos_ >= source_.size() || c == '\n') {
      // Pointing at the opening quote shows which string ran on, not just where it stopped.
      throw UserError(loc,
                      "expected '\"' to close the string that starts here, found " + describeCharAt(source_, pos_));
    }
    advance();
    if (c == '"') break;
    if (c == '\\') {
      char escaped = peekChar();
      if (escaped != '"' && escaped != '\\') {
        throw UserError(here(), "expected '\"' or '\\' after '\\' in a string, found " + describeCharAt(source_, pos_));
      }
      advance();
      c = escaped;
    }
    text += c;
  }
  return make(TokenKind::String, text, loc);
}

Token Lexer::lexWord() {
  SourceLoc loc = here();
  size_t start = pos_;
  while (isIdentChar(peekChar())) advance();
  std::string word = source_.substr(start, pos_ - start);
  if (startsBlockHeader(word)) blockHeaderDepth_ = static_cast<int>(brackets_.size());
  return make(isKeyword(word) ? TokenKind::Keyword : TokenKind::Ident, word, loc);
}

Token Lexer::lexPunct() {
  SourceLoc loc = here();
  char c = peekChar();
  char following = peekChar(1);
  if (following == '=' && (c == '=' || c == '!' || c == '<' || c == '>')) {
    advance();
    advance();
    return make(TokenKind::Punct, std::string{c, '='}, loc);
  }
  if (c == '/' && following == '/') {
    advance();
    advance();
    return make(TokenKind::Punct, "//", loc);
  }
  if (c == '!') {
    throw UserError(loc, "expected '!=', found '!' alone");
  }
  static const std::string single = "<>+-*/%@=()[]{},:.?";
  if (single.find(c) == std::string::npos) {
    throw UserError(loc, "expected a name, number, string or operator, found " + describeCharAt(source_, pos_));
  }
  if (c == '(') brackets_.push_back(Bracket::Paren);
  if (c == '[') brackets_.push_back(Bracket::Square);
  if (c == '{') {
    bool opensBlock =
        (last_.kind == TokenKind::Keyword && last_.text == "train") ||
        (last_.kind == TokenKind::Ident && beforeLast_.kind == TokenKind::Keyword && beforeLast_.text == "scope") ||
        (blockHeaderDepth_ >= 0 && brackets_.size() == static_cast<size_t>(blockHeaderDepth_));
    if (opensBlock) blockHeaderDepth_ = -1;
    brackets_.push_back(opensBlock ? Bracket::Block : Bracket::Map);
  }
  // A mismatched closer still pops: the parser reports it, and nothing after that is lexed.
  if ((c == ')' || c == ']' || c == '}') && !brackets_.empty()) brackets_.pop_back();
  advance();
  return make(TokenKind::Punct, std::string(1, c), loc);
}

std::string describeToken(const Token& token) {
  switch (token.kind) {
    case TokenKind::Ident:
      return "'" + token.text + "'";
    case TokenKind::Keyword:
      return "keyword '" + token.text + "'";
    case TokenKind::Number:
      return "number " + token.text;
    case TokenKind::String:
      return "string \"" + token.text + "\"";
    case TokenKind::Punct:
      return "'" + token.text + "'";
    case TokenKind::Newline:
      return "end of line";
    case TokenKind::End:
      return "end of file";
  }
  return "unknown token";
}

std::vector<Token> tokenize(const std::string& source) {
  Lexer lexer(source);
  std::vector<Token> tokens;
  do {
    tokens.push_back(lexer.next());
  } while (tokens.back().kind != TokenKind::End);
  return tokens;
}

}  // namespace graphc
