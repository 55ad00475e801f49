// \file Unit tests of the .mnn lexer: token kinds, values, locations, newlines and errors.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "frontend/lexer.h"
#include "support/diagnostics.h"

namespace graphc {
namespace {

// Compact view of a token stream: kinds and spellings, so a test reads like the input.
std::string spell(const std::string& source) {
  std::string out;
  for (const Token& token : tokenize(source)) {
    if (!out.empty()) out += ' ';
    switch (token.kind) {
      case TokenKind::Newline:
        out += "NL";
        break;
      case TokenKind::End:
        out += "END";
        break;
      case TokenKind::String:
        out += "str(" + token.text + ")";
        break;
      default:
        out += token.text;
    }
  }
  return out;
}

// Runs the lexer to the end and returns the UserError it throws.
UserError lexError(const std::string& source) {
  try {
    tokenize(source);
  } catch (const UserError& error) {
    return error;
  }
  ADD_FAILURE() << "no error for: " << source;
  return UserError({}, "");
}

TEST(Lexer, Numbers) {
  std::vector<Token> tokens = tokenize("32 0.5 1e-4 .5 32.0 2E+3 7.");
  ASSERT_EQ(tokens.size(), 8u);
  double values[] = {32, 0.5, 1e-4, 0.5, 32.0, 2000, 7};
  bool integers[] = {true, false, false, false, false, false, false};
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(tokens[i].kind, TokenKind::Number) << i;
    EXPECT_DOUBLE_EQ(tokens[i].number, values[i]) << i;
    EXPECT_EQ(tokens[i].isInteger, integers[i]) << i;
  }
  EXPECT_EQ(tokens[3].text, ".5");
}

TEST(Lexer, NumberThenMemberStaysMember) { EXPECT_EQ(spell("a.b 3.foo"), "a . b 3 . foo END"); }

TEST(Lexer, StringsWithEscapes) {
  std::vector<Token> tokens = tokenize(R"(x = "say \"hi\" C:\\data" "")");
  ASSERT_EQ(tokens.size(), 5u);
  EXPECT_EQ(tokens[2].kind, TokenKind::String);
  EXPECT_EQ(tokens[2].text, "say \"hi\" C:\\data");
  EXPECT_EQ(tokens[3].text, "");
  EXPECT_EQ(tokens[2].loc.col, 5);
}

TEST(Lexer, KeywordsAndIdentifiers) {
  std::vector<Token> tokens = tokenize("model scope train true false modelx _a1 f32");
  for (int i = 0; i < 5; ++i) EXPECT_EQ(tokens[i].kind, TokenKind::Keyword) << i;
  for (int i = 5; i < 8; ++i) EXPECT_EQ(tokens[i].kind, TokenKind::Ident) << i;
}

TEST(Lexer, AllOperators) {
  std::string ops = "== != < <= > >= + - * / @ = ( ) [ ] { } , : . ?";
  EXPECT_EQ(spell(ops), ops + " END");
  EXPECT_EQ(spell("a<=b==c"), "a <= b == c END");
}

TEST(Lexer, CommentsRunToEndOfLine) {
  EXPECT_EQ(spell("# header\nx = 1 # one\n\n  # indented\ny = 2# tight\n"), "x = 1 NL y = 2 NL END");
}

TEST(Lexer, BlankLinesCollapseToOneNewline) { EXPECT_EQ(spell("\n\n a = 1 \n\n\n b = 2"), "a = 1 NL b = 2 END"); }

TEST(Lexer, NoNewlinesInsideParensBracketsAndMaps) {
  EXPECT_EQ(spell("f(a,\n  b)\n"), "f ( a , b ) NL END");
  EXPECT_EQ(spell("s = [1,\n 2,\n]\n"), "s = [ 1 , 2 , ] NL END");
  EXPECT_EQ(spell("m = {a: 1,\n  b: 2}\nz"), "m = { a : 1 , b : 2 } NL z END");
}

TEST(Lexer, NewlinesMatterInScopeAndTrainBlocks) {
  EXPECT_EQ(spell("scope s {\n a = 1\n}\n"), "scope s { NL a = 1 NL } NL END");
  EXPECT_EQ(spell("train {\n feed = {x:\n image}\n batch = 2\n}"),
            "train { NL feed = { x : image } NL batch = 2 NL } END");
}

TEST(Lexer, MapInsideBlockThenBlockAgain) {
  // After the map closes, the block's newlines count again.
  EXPECT_EQ(spell("scope s {\n m = {a:\n 1}\n b = f(\n2)\n}"), "scope s { NL m = { a : 1 } NL b = f ( 2 ) NL } END");
}

TEST(Lexer, Locations) {
  std::vector<Token> tokens = tokenize("x = 1\n\tconv1.pool");
  EXPECT_EQ(tokens[0].loc.line, 1);
  EXPECT_EQ(tokens[0].loc.col, 1);
  EXPECT_EQ(tokens[2].loc.col, 5);
  EXPECT_EQ(tokens[3].kind, TokenKind::Newline);
  EXPECT_EQ(tokens[3].loc.col, 6);  // just past `1`
  EXPECT_EQ(tokens[4].loc.line, 2);
  EXPECT_EQ(tokens[4].loc.col, 2);  // a tab is one column
  EXPECT_EQ(tokens[6].loc.col, 8);
  EXPECT_EQ(tokens.back().kind, TokenKind::End);
  EXPECT_EQ(tokens.back().loc.line, 2);
  EXPECT_EQ(tokens.back().loc.col, 12);
}

TEST(Lexer, LineBreakInsideBracketsIsRemembered) {
  std::vector<Token> tokens = tokenize("f(a, # note\n  b)");
  ASSERT_EQ(tokens[4].text, "b");
  EXPECT_TRUE(tokens[4].afterLineBreak);
  EXPECT_EQ(tokens[4].lineBreakLoc.line, 1);
  EXPECT_EQ(tokens[4].lineBreakLoc.col, 5);  // after the ',', before the comment
  EXPECT_FALSE(tokens[5].afterLineBreak);
}

TEST(Lexer, ByteOrderMarkAndCarriageReturnsAreIgnored) {
  EXPECT_EQ(spell("\xEF\xBB\xBFx = 1\r\ny = 2\r\n"), "x = 1 NL y = 2 NL END");
}

TEST(Lexer, DescribeToken) {
  std::vector<Token> tokens = tokenize("a 3 \"s\" * train\n");
  EXPECT_EQ(describeToken(tokens[0]), "'a'");
  EXPECT_EQ(describeToken(tokens[1]), "number 3");
  EXPECT_EQ(describeToken(tokens[2]), "string \"s\"");
  EXPECT_EQ(describeToken(tokens[3]), "'*'");
  EXPECT_EQ(describeToken(tokens[4]), "keyword 'train'");
  EXPECT_EQ(describeToken(tokens[5]), "end of line");
  EXPECT_EQ(describeToken(tokens[6]), "end of file");
}

TEST(LexerErrors, UnterminatedStringPointsAtOpeningQuote) {
  UserError error = lexError("x = 1\np = \"same\ny = 2");
  EXPECT_EQ(error.loc().line, 2);
  EXPECT_EQ(error.loc().col, 5);
  EXPECT_NE(std::string(error.what()).find("expected '\"' to close the string"), std::string::npos);
  EXPECT_NE(std::string(error.what()).find("found end of line"), std::string::npos);
  EXPECT_NE(std::string(lexError("s = \"abc").what()).find("found end of file"), std::string::npos);
}

TEST(LexerErrors, UnknownCharacter) {
  UserError error = lexError("x = a $ b");
  EXPECT_EQ(error.loc().line, 1);
  EXPECT_EQ(error.loc().col, 7);
  EXPECT_STREQ(error.what(), "expected a name, number, string or operator, found '$'");
  EXPECT_NE(std::string(lexError("x = \xC3\xA9").what()).find("found '\xC3\xA9'"), std::string::npos);
  EXPECT_NE(std::string(lexError("x = \x01").what()).find("character 0x01"), std::string::npos);
}

TEST(LexerErrors, BadEscape) {
  UserError error = lexError(R"(s = "a\nb")");
  EXPECT_EQ(error.loc().col, 8);
  EXPECT_NE(std::string(error.what()).find("found 'n'"), std::string::npos);
}

TEST(LexerErrors, BadNumbers) {
  UserError exponent = lexError("lr = 1e-");
  EXPECT_EQ(exponent.loc().col, 9);
  EXPECT_NE(std::string(exponent.what()).find("expected digits in the exponent of '1e-'"), std::string::npos);
  UserError glued = lexError("k = 3x3");
  EXPECT_EQ(glued.loc().col, 6);
  EXPECT_STREQ(glued.what(), "expected a space or an operator after the number 3, found 'x'");
}

TEST(LexerErrors, LoneBang) {
  UserError error = lexError("a = b ! c");
  EXPECT_EQ(error.loc().col, 7);
  EXPECT_NE(std::string(error.what()).find("expected '!='"), std::string::npos);
}

TEST(LexerErrors, LazyLexingReportsTheEarlierErrorFirst) {
  // The lexer runs on demand, so the parser sees the bad character only when it gets there.
  Lexer lexer("a = 1\n$");
  for (int i = 0; i < 4; ++i) EXPECT_NO_THROW(lexer.next());
  EXPECT_THROW(lexer.next(), UserError);
}

}  // namespace
}  // namespace graphc
