// \file Turns .mnn text into tokens on demand, deciding which newlines end a statement.
#pragma once

#include <string>
#include <vector>

#include "support/source_location.h"

namespace graphc {

enum class TokenKind {
  Ident,    // text: the name
  Keyword,  // text: model, scope, train, true, false, def, return, for, in, if or else
  Number,   // text: the spelling; number, isInteger
  String,   // text: the unescaped contents
  Punct,    // text: the operator or bracket, e.g. "==", "(", "?"
  Newline,  // a statement terminator (never emitted inside ( ), [ ] or a map's { })
  End,      // end of the text
};

struct Token {
  TokenKind kind = TokenKind::End;
  std::string text;
  SourceLoc loc;
  double number = 0;
  bool isInteger = false;
  // Set when a line break was skipped inside brackets just before this token. A missing ')'
  // usually belongs at that line end, so the parser reports "found end of line" there.
  bool afterLineBreak = false;
  SourceLoc lineBreakLoc;  // where the first skipped line's code ended
};

// Produces tokens lazily, so a syntax error early in a file is reported before a bad
// character later in it. Keeps a bracket stack: a '{' right after `train` or `scope NAME`, or
// the first '{' outside brackets after `def`, `for`, `if` or `else`, opens a statement block
// (newlines matter), any other '{' opens a map literal (they don't).
class Lexer {
 public:
  explicit Lexer(const std::string& source);

  // The next token; throws UserError on text that is no token at all.
  Token next();

 private:
  enum class Bracket { Paren, Square, Map, Block };

  char peekChar(size_t ahead = 0) const;
  void advance();
  SourceLoc here() const;
  SourceLoc lineEnd() const;
  bool insideExpressionBrackets() const;
  Token make(TokenKind kind, std::string text, SourceLoc loc) const;
  Token emit(Token token);
  Token lexNumber();
  Token lexString();
  Token lexWord();
  Token lexPunct();

  std::string source_;  // a copy: .mnn files are small and a Lexer may outlive its argument
  size_t pos_ = 0;
  int line_ = 1;
  size_t lineStart_ = 0;
  std::vector<Bracket> brackets_;
  // The last two tokens handed out decide whether a '{' opens a block.
  Token last_, beforeLast_;
  bool emittedAny_ = false;
  SourceLoc codeEnd_;          // just past the last token: where line ends and the end point
  bool skippedBreak_ = false;  // a line break was skipped inside brackets
  SourceLoc skippedBreakLoc_;
  // After def/for/if/else: the bracket depth at which the next '{' opens their block; -1 if none.
  int blockHeaderDepth_ = -1;
};

// "'name'", "'=='", "number 32", "string \"same\"", "end of line", "end of file": the
// "found ..." half of a diagnostic.
std::string describeToken(const Token& token);

// Every token of source up to and including End (for tests and tools).
std::vector<Token> tokenize(const std::string& source);

}  // namespace graphc
