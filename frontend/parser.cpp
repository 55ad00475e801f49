// \file Recursive-descent parser from .mnn tokens to the AST; one function per grammar rule.
#include "frontend/parser.h"

#include <algorithm>
#include <cstdio>
#include <deque>
#include <map>
#include <memory>
#include <utility>

#include "frontend/lexer.h"
#include "frontend/source_file.h"
#include "support/diagnostics.h"

namespace graphc {
namespace {

// Deeper nesting than this is a generated or hostile file; stop before the C++ stack does.
constexpr int kMaxDepth = 200;
// The tallest expression tree accepted. Brackets are bounded by kMaxDepth, but a chain of
// operators (`x + x + ... + x`, parsed in a loop) makes a tree as tall as it is long, and the
// recursive passes after the parser crashed on 20,000 terms: 1,000 is far above any model's
// need and far below what the stack takes, also in the sanitizer builds.
constexpr int kMaxExpressionDepth = 1000;

std::string locText(SourceLoc loc) { return std::to_string(loc.line) + ":" + std::to_string(loc.col); }

// Where a statement sits; it decides which statements are allowed and what closes the list.
struct Context {
  // Def: a def's body, the only place for a return; Block: the body of a for or an if.
  enum Kind { TopLevel, Scope, Train, Def, Block } kind = TopLevel;
  std::string block;  // "scope conv1", "the train block", "def res_block", "the for loop"
  SourceLoc open;     // its '{'
  std::string closer() const { return "'}' to close " + block + " (opened at " + locText(open) + ")"; }
};

// Sets expr's depth from its children's; a UserError at `at` when it passes kMaxExpressionDepth.
void setDepth(Expr& expr, SourceLoc at) {
  int below = 0;
  for (const ExprPtr& item : expr.items) below = std::max(below, item->depth);
  for (const auto& [key, value] : expr.entries) below = std::max({below, key->depth, value->depth});
  for (const Arg& arg : expr.args) below = std::max(below, arg.value->depth);
  expr.depth = below + 1;
  if (expr.depth > kMaxExpressionDepth) {
    throw UserError(at, "expected an expression at most " + std::to_string(kMaxExpressionDepth) +
                            " operations deep, found a deeper one (split it into several assignments)");
  }
}

std::shared_ptr<Expr> node(ExprKind kind, SourceLoc loc) {
  auto expr = std::make_shared<Expr>();
  expr->kind = kind;
  expr->loc = loc;
  return expr;
}

Stmt statement(StmtKind kind, SourceLoc loc, std::string name = "") {
  Stmt stmt;
  stmt.kind = kind;
  stmt.loc = loc;
  stmt.name = std::move(name);
  return stmt;
}

class Parser {
 public:
  explicit Parser(const std::string& source) : lexer_(source) {}

  std::vector<Stmt> parseTopLevel() {
    std::vector<Stmt> stmts;
    for (;;) {
      skipNewlines();
      if (peek().kind == TokenKind::End) return stmts;
      stmts.push_back(parseStatement(Context{}, stmts.empty()));
    }
  }

 private:
  // Counts recursion so that `((((...` or `------x` ends in a UserError, not a crash.
  class DepthGuard {
   public:
    DepthGuard(Parser& parser, SourceLoc loc) : parser_(parser) {
      if (++parser_.depth_ > kMaxDepth) {
        throw UserError(loc, "expected at most " + std::to_string(kMaxDepth) + " levels of nesting, found more");
      }
    }
    ~DepthGuard() { --parser_.depth_; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;

   private:
    Parser& parser_;
  };

  // ---- tokens ----

  const Token& peek(size_t ahead = 0) {
    while (lookahead_.size() <= ahead) lookahead_.push_back(lexer_.next());
    return lookahead_[ahead];
  }

  Token take() {
    peek();
    Token token = std::move(lookahead_.front());
    lookahead_.pop_front();
    return token;
  }

  static bool isPunct(const Token& token, const char* text) {
    return token.kind == TokenKind::Punct && token.text == text;
  }

  static bool isKeyword(const Token& token, const char* text) {
    return token.kind == TokenKind::Keyword && token.text == text;
  }

  void skipNewlines() {
    while (peek().kind == TokenKind::Newline) take();
  }

  [[noreturn]] static void fail(const Token& found, const std::string& expected) {
    throw UserError(found.loc, "expected " + expected + ", found " + describeToken(found));
  }

  // For a missing closer: when the line ended first, the closer belongs at that line end.
  [[noreturn]] static void failClosing(const Token& found, const std::string& closer, const std::string& otherwise) {
    if (found.afterLineBreak) {
      throw UserError(found.lineBreakLoc, "expected " + closer + ", found end of line");
    }
    fail(found, otherwise);
  }

  Token expectPunct(const char* text, const std::string& expected) {
    if (!isPunct(peek(), text)) fail(peek(), expected);
    return take();
  }

  Token expectName(const std::string& expected) {
    if (peek().kind != TokenKind::Ident) fail(peek(), expected);
    return take();
  }

  // ---- statements ----

  Stmt parseStatement(const Context& context, bool first) {
    const Token& token = peek();
    if (context.kind == Context::Train && token.kind != TokenKind::Ident) {
      fail(token, "KEY = EXPR or " + context.closer());
    }
    if (isKeyword(token, "model")) return parseModel(context, first);
    if (isKeyword(token, "scope")) return parseScope();
    if (isKeyword(token, "train")) return parseTrain(context);
    if (isKeyword(token, "def")) return parseDef(context);
    if (isKeyword(token, "return")) return parseReturn(context);
    if (isKeyword(token, "for")) return parseFor();
    if (isKeyword(token, "if")) return parseIf();
    if (token.kind == TokenKind::Ident) return parseAssign(context);
    if (context.kind != Context::TopLevel) {
      fail(token, "NAME = EXPR, a nested scope, for, if" + std::string(context.kind == Context::Def ? ", return" : "") +
                      " or " + context.closer());
    }
    fail(token, "a statement (model NAME, NAME = EXPR, scope NAME { ... }, def, for, if or train { ... })");
  }

  // def NAME(PARAM, PARAM = DEFAULT, ...) { STATEMENTS; return EXPR }
  Stmt parseDef(const Context& context) {
    Token keyword = take();
    if (context.kind != Context::TopLevel)
      throw UserError(keyword.loc,
                      "expected 'def' only at the top level of the file, found it inside " + context.block);
    Stmt stmt = statement(StmtKind::Def, keyword.loc, expectName("the function's name after 'def'").text);
    if (!isPunct(peek(), "(")) fail(peek(), "'(' after 'def " + stmt.name + "'");
    std::map<std::string, SourceLoc> seen;
    parseSeparated(")", "the parameters of " + stmt.name, [&] {
      Token name = expectName("a parameter name");
      auto [it, inserted] = seen.emplace(name.text, name.loc);
      if (!inserted)
        throw UserError(name.loc, "expected each parameter once in def " + stmt.name + ", found '" + name.text +
                                      "' again (first at " + locText(it->second) + ")");
      Param param{name.text, nullptr, name.loc};
      if (isPunct(peek(), "=")) {
        take();
        param.fallback = parseExpression();
      } else if (!stmt.params.empty() && stmt.params.back().fallback) {
        throw UserError(name.loc, "expected a default for parameter '" + name.text +
                                      "', as the parameters before it have one (those without come first)");
      }
      stmt.params.push_back(std::move(param));
    });
    Token open = expectPunct("{", "'{' to open the body of def " + stmt.name);
    DepthGuard guard(*this, keyword.loc);
    Context body{Context::Def, "def " + stmt.name, open.loc};
    SourceLoc close;
    stmt.body = parseBlockBody(body, &close);
    if (stmt.body.empty() || stmt.body.back().kind != StmtKind::Return)
      throw UserError(close, "expected 'return EXPR' as the last statement of def " + stmt.name + ", found '}'");
    return stmt;
  }

  Stmt parseReturn(const Context& context) {
    Token keyword = take();
    if (context.kind != Context::Def)
      throw UserError(keyword.loc, "expected 'return' only as the last statement of a def, found it " +
                                       (context.kind == Context::TopLevel ? std::string("at the top level")
                                                                          : "inside " + context.block));
    Stmt stmt = statement(StmtKind::Return, keyword.loc);
    stmt.value = parseExpression();
    endStatement(context);
    skipNewlines();
    if (peek().kind == TokenKind::End) fail(peek(), context.closer());
    if (!isPunct(peek(), "}"))
      throw UserError(keyword.loc, "expected 'return' as the last statement of " + context.block + ", found " +
                                       describeToken(peek()) + " after it (line " + std::to_string(peek().loc.line) +
                                       ")");
    return stmt;
  }

  // for NAME in range(...) { STATEMENTS }
  Stmt parseFor() {
    Token keyword = take();
    Stmt stmt = statement(StmtKind::For, keyword.loc, expectName("the loop variable after 'for'").text);
    if (!isKeyword(peek(), "in")) fail(peek(), "'in' after 'for " + stmt.name + "'");
    take();
    stmt.value = parseExpression();
    if (stmt.value->kind != ExprKind::Call || stmt.value->text != "range")
      throw UserError(stmt.value->loc, "expected range(N) or range(START, STOP) after 'in', found an expression");
    Token open = expectPunct("{", "'{' to open the body of the for loop");
    DepthGuard guard(*this, keyword.loc);
    stmt.body = parseBlockBody(Context{Context::Block, "the for loop", open.loc});
    return stmt;
  }

  // if CONDITION { STATEMENTS } else { STATEMENTS }, or else if ...; `else` on the line of the '}'
  // or on the next one.
  Stmt parseIf() {
    Token keyword = take();
    Stmt stmt = statement(StmtKind::If, keyword.loc);
    stmt.value = parseExpression();
    Token open = expectPunct("{", "'{' to open the body of the if");
    DepthGuard guard(*this, keyword.loc);
    stmt.body = parseBlockBody(Context{Context::Block, "the if block", open.loc}, nullptr, false);
    if (peek().kind == TokenKind::Newline && isKeyword(peek(1), "else")) take();
    if (!isKeyword(peek(), "else")) {
      endStatementAfterBlock();
      return stmt;
    }
    take();
    if (isKeyword(peek(), "if")) {
      stmt.elseBody.push_back(parseIf());
      return stmt;
    }
    Token elseOpen = expectPunct("{", "'{' or 'if' after 'else'");
    stmt.elseBody = parseBlockBody(Context{Context::Block, "the else block", elseOpen.loc});
    return stmt;
  }

  Stmt parseModel(const Context& context, bool first) {
    Token keyword = take();
    if (context.kind != Context::TopLevel || !first) {
      throw UserError(keyword.loc,
                      "expected 'model NAME' only as the first statement of the file, found it " +
                          std::string(context.kind == Context::TopLevel ? "after other statements" : "inside a block"));
    }
    Stmt stmt = statement(StmtKind::Model, keyword.loc, expectName("the model's name after 'model'").text);
    endStatement(context);
    return stmt;
  }

  Stmt parseScope() {
    Token keyword = take();
    Stmt stmt = statement(StmtKind::Scope, keyword.loc, expectName("the scope's name after 'scope'").text);
    Token open = expectPunct("{", "'{' after 'scope " + stmt.name + "'");
    DepthGuard guard(*this, keyword.loc);
    stmt.body = parseBlockBody(Context{Context::Scope, "scope " + stmt.name, open.loc});
    return stmt;
  }

  Stmt parseTrain(const Context& context) {
    Token keyword = take();
    if (context.kind != Context::TopLevel) {
      throw UserError(keyword.loc, "expected the train block at the top level, found it inside " + context.block);
    }
    if (trainLoc_.valid()) {
      throw UserError(keyword.loc,
                      "expected at most one train block, found a second one "
                      "(the first is at " +
                          locText(trainLoc_) + ")");
    }
    trainLoc_ = keyword.loc;
    Stmt stmt = statement(StmtKind::Train, keyword.loc);
    Token open = expectPunct("{", "'{' after 'train'");
    stmt.body = parseBlockBody(Context{Context::Train, "the train block", open.loc});
    // Train keys configure one session; a repeated key is almost certainly a mistake.
    std::map<std::string, SourceLoc> seen;
    for (const Stmt& setting : stmt.body) {
      auto [it, inserted] = seen.emplace(setting.name, setting.loc);
      if (!inserted) {
        throw UserError(setting.loc, "expected each train key once, found '" + setting.name + "' again (first set at " +
                                         locText(it->second) + ")");
      }
    }
    return stmt;
  }

  // Statements up to and including the block's '}' (its location in *close), which must then
  // end its own line unless endLine is false.
  std::vector<Stmt> parseBlockBody(const Context& context, SourceLoc* close = nullptr, bool endLine = true) {
    std::vector<Stmt> body;
    for (;;) {
      skipNewlines();
      const Token& token = peek();
      if (isPunct(token, "}")) break;
      if (token.kind == TokenKind::End) fail(token, context.closer());
      body.push_back(parseStatement(context, false));
    }
    Token closer = take();
    if (close) *close = closer.loc;
    if (endLine) endStatementAfterBlock();
    return body;
  }

  Stmt parseAssign(const Context& context) {
    Token name = take();
    Stmt stmt = statement(StmtKind::Assign, name.loc, name.text);
    expectPunct("=", "'=' after '" + name.text + "'");
    stmt.value = parseExpression();
    endStatement(context);
    return stmt;
  }

  // A statement ends at a newline, the end of the file, or (in a block) the block's '}'.
  void endStatement(const Context& context) {
    const Token& token = peek();
    if (token.kind == TokenKind::Newline) {
      take();
      return;
    }
    if (token.kind == TokenKind::End) return;
    if (context.kind != Context::TopLevel && isPunct(token, "}")) return;
    fail(token, "end of line after the statement");
  }

  void endStatementAfterBlock() {
    const Token& token = peek();
    if (token.kind == TokenKind::Newline) {
      take();
    } else if (token.kind != TokenKind::End && !isPunct(token, "}")) {
      fail(token, "end of line after '}'");
    }
  }

  // ---- expressions, lowest precedence first ----

  ExprPtr parseExpression() {
    DepthGuard guard(*this, peek().loc);
    return parseBinary(0);
  }

  // Binary operators by precedence level, lowest first; all are left-associative.
  static int binaryLevel(const Token& token) {
    static const std::map<std::string, int> levels = {{"==", 0}, {"!=", 0}, {"<", 0}, {"<=", 0}, {">", 0},
                                                      {">=", 0}, {"+", 1},  {"-", 1}, {"*", 2},  {"/", 2},
                                                      {"//", 2}, {"%", 2},  {"@", 2}};
    if (token.kind != TokenKind::Punct) return -1;
    auto it = levels.find(token.text);
    return it == levels.end() ? -1 : it->second;
  }

  ExprPtr parseBinary(int level) {
    if (level > 2) return parseUnary();
    ExprPtr lhs = parseBinary(level + 1);
    while (binaryLevel(peek()) == level) {
      Token op = take();
      auto expr = node(ExprKind::Binary, lhs->loc);
      expr->opLoc = op.loc;
      expr->text = op.text;
      expr->items = {lhs, parseBinary(level + 1)};
      setDepth(*expr, op.loc);
      lhs = expr;
    }
    return lhs;
  }

  ExprPtr parseUnary() {
    if (!isPunct(peek(), "-")) return parsePostfix();
    Token minus = take();
    DepthGuard guard(*this, minus.loc);
    ExprPtr operand = parseUnary();
    auto expr = std::make_shared<Expr>();
    if (operand->kind == ExprKind::Number) {
      // Folding keeps `-1` in shapes and `axis = -1` a plain literal for every consumer.
      *expr = *operand;
      expr->number = -operand->number;
    } else {
      expr->kind = ExprKind::Unary;
      expr->text = "-";
      expr->items = {operand};
      setDepth(*expr, minus.loc);
    }
    expr->loc = minus.loc;
    return expr;
  }

  ExprPtr parsePostfix() {
    ExprPtr expr = parsePrimary();
    for (;;) {
      if (isPunct(peek(), "(")) {
        if (expr->kind != ExprKind::Ident) {
          throw UserError(peek().loc, "expected a function name before '(', found an expression");
        }
        expr = parseCall(expr);
      } else if (isPunct(peek(), ".")) {
        take();
        Token name = expectName("a member name after '.'");
        auto member = node(ExprKind::Member, expr->loc);
        member->opLoc = name.loc;
        member->text = name.text;
        member->items = {expr};
        setDepth(*member, name.loc);
        expr = member;
      } else if (isPunct(peek(), "[") && !peek().afterLineBreak) {
        Token open = take();
        auto index = node(ExprKind::Index, expr->loc);
        index->opLoc = open.loc;
        index->items = {expr, parseExpression()};
        if (!isPunct(peek(), "]")) failClosing(peek(), "']'", "']' to close the index");
        take();
        setDepth(*index, open.loc);
        expr = index;
      } else {
        return expr;
      }
    }
  }

  // Comma-separated items up to `close`, a trailing comma allowed; consumes both brackets.
  template <typename ParseItem>
  void parseSeparated(const char* close, const std::string& where, ParseItem parseItem) {
    take();  // the opening bracket
    while (!isPunct(peek(), close)) {
      parseItem();
      if (isPunct(peek(), ",")) {
        take();
      } else if (!isPunct(peek(), close)) {
        std::string closer = std::string("'") + close + "'";
        failClosing(peek(), closer + " to close " + where, "',' or " + closer + " in " + where);
      }
    }
    take();
  }

  ExprPtr parseCall(const ExprPtr& callee) {
    auto call = node(ExprKind::Call, callee->loc);
    call->text = callee->text;
    const std::string where = "the call to " + callee->text;
    std::map<std::string, SourceLoc> keys;
    parseSeparated(")", where, [&] {
      Arg arg;
      arg.loc = peek().loc;
      if (peek().kind == TokenKind::Ident && isPunct(peek(1), "=")) {
        arg.key = take().text;
        take();  // '='
        auto [it, inserted] = keys.emplace(arg.key, arg.loc);
        if (!inserted) {
          throw UserError(arg.loc, "expected each argument once in " + where + ", found '" + arg.key +
                                       "' again (first at " + locText(it->second) + ")");
        }
      } else if (!keys.empty()) {
        throw UserError(arg.loc, "expected only keyword arguments (NAME = VALUE) after the first one in " + where +
                                     ", found a positional argument");
      }
      arg.value = parseExpression();
      call->args.push_back(std::move(arg));
    });
    setDepth(*call, callee->loc);
    return call;
  }

  ExprPtr parsePrimary() {
    const Token& token = peek();
    auto expr = node(ExprKind::Number, token.loc);
    if (token.kind == TokenKind::Number) {
      expr->number = token.number;
      expr->isInteger = token.isInteger;
    } else if (token.kind == TokenKind::String || token.kind == TokenKind::Ident) {
      expr->kind = token.kind == TokenKind::String ? ExprKind::String : ExprKind::Ident;
      expr->text = token.text;
    } else if (isKeyword(token, "true") || isKeyword(token, "false")) {
      expr->kind = ExprKind::Bool;
      expr->boolValue = token.text == "true";
    } else if (isPunct(token, "?")) {
      expr->kind = ExprKind::Question;
    } else if (isPunct(token, "[")) {
      return parseList();
    } else if (isPunct(token, "{")) {
      return parseMap();
    } else if (isPunct(token, "(")) {
      take();
      ExprPtr inner = parseExpression();
      if (!isPunct(peek(), ")")) failClosing(peek(), "')'", "')' to close the '('");
      take();
      return inner;
    } else {
      fail(token, "an expression");
    }
    take();
    return expr;
  }

  ExprPtr parseList() {
    auto list = node(ExprKind::List, peek().loc);
    parseSeparated("]", "the list", [&] { list->items.push_back(parseExpression()); });
    setDepth(*list, list->loc);
    return list;
  }

  ExprPtr parseMap() {
    auto map = node(ExprKind::Map, peek().loc);
    parseSeparated("}", "the map", [&] {
      ExprPtr key = parseExpression();
      expectPunct(":", "':' after the map key");
      map->entries.emplace_back(key, parseExpression());
    });
    setDepth(*map, map->loc);
    return map;
  }

  Lexer lexer_;
  std::deque<Token> lookahead_;
  int depth_ = 0;
  SourceLoc trainLoc_;
};

}  // namespace

Program parseProgram(const std::string& file, const std::string& source) {
  Program program;
  program.file = file;
  program.source = source;
  Parser parser(program.source);
  program.stmts = parser.parseTopLevel();
  return program;
}

Program parseFile(const std::string& path) { return parseProgram(path, readModelSource(path)); }

}  // namespace graphc
