// \file The syntax tree of a .mnn file, exactly as written (no name resolution, no types).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "support/source_location.h"

namespace graphc {

struct Expr;
using ExprPtr = std::shared_ptr<const Expr>;

enum class ExprKind {
  Number,    // number (value), isInteger when written without '.' or exponent; `-` directly
             // before a number is folded into it (`-1` is Number -1, not Unary)
  String,    // text: the unescaped contents
  Bool,      // boolValue
  Ident,     // text: the identifier (dtype names and bare strings like `same` are identifiers too)
  Question,  // `?` in a shape: the batch dimension
  List,      // items
  Map,       // entries: key expression -> value expression, in source order (keys are any
             // expression, usually Ident: `{x: image}`; duplicates are left to the consumer)
  Unary,     // text: "-"; items[0]: operand
  Binary,    // text: one of == != < <= > >= + - * / // % @; items[0] lhs, items[1] rhs
  Call,      // text: callee name (always a plain identifier); args, positional first
  Member,    // items[0]: object; text: member name (`conv1.pool`)
  Index,     // items[0]: object, items[1]: index (`parts[0]`, `widths[i]`)
};

// One argument of a call: positional when key is empty. Keys are unique within a call.
struct Arg {
  std::string key;
  ExprPtr value;
  SourceLoc loc;  // the key for a keyword argument, the value for a positional one
};

struct Expr {
  ExprKind kind = ExprKind::Number;
  // The first character of the expression: for Binary and Member that is where the left
  // operand starts, for a folded negative number the '-'.
  SourceLoc loc;
  // Binary: the operator (point a broadcast or dtype error here); Member: the member name;
  // Index: the '['.
  SourceLoc opLoc;
  double number = 0;
  bool isInteger = false;
  bool boolValue = false;
  std::string text;
  std::vector<ExprPtr> items;
  std::vector<std::pair<ExprPtr, ExprPtr>> entries;
  std::vector<Arg> args;
  // The height of the tree this node heads (1 for a leaf). The parser keeps it under a limit, so
  // every recursive walk of the AST (lowering, printing, destruction) has a bounded stack.
  int depth = 1;
};

enum class StmtKind {
  Model,   // name
  Assign,  // name = value
  Scope,   // name { body }
  Train,   // train { body }, body holds Assign statements only, each key at most once
  Def,     // def name(params) { body }; the body's last statement is its Return, the only one
  Return,  // return value
  For,     // for name in value { body }; value is the Call `range(...)` as written
  If,      // if value { body } else { elseBody }; `else if` is an elseBody of one If
};

// A parameter of a def: positional order; those with a default come after those without.
struct Param {
  std::string name;
  ExprPtr fallback;  // the default, or null
  SourceLoc loc;
};

struct Stmt {
  StmtKind kind = StmtKind::Assign;
  SourceLoc loc;  // the first token of the statement
  std::string name;
  ExprPtr value;
  std::vector<Stmt> body;
  std::vector<Stmt> elseBody;  // If only
  std::vector<Param> params;   // Def only
};

struct Program {
  std::string file;    // the path as given, used in diagnostics
  std::string source;  // the whole text, for caret lines
  std::vector<Stmt> stmts;
};

}  // namespace graphc
