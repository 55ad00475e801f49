// \file Folding constant expressions to literals: the compile-time arithmetic of parameters, loop
// indices and `if` conditions (integer `//` and `%`, comparisons giving true or false).
#include <cmath>

#include "frontend/lowerer.h"
#include "support/diagnostics.h"

namespace graphc {
namespace {

std::shared_ptr<Expr> literal(ExprKind kind, SourceLoc loc) {
  auto e = std::make_shared<Expr>();
  e->kind = kind;
  e->loc = loc;
  return e;
}

ExprPtr number(double value, bool isInteger, SourceLoc loc) {
  auto e = literal(ExprKind::Number, loc);
  e->number = value;
  e->isInteger = isInteger;
  return e;
}

ExprPtr boolean(bool value, SourceLoc loc) {
  auto e = literal(ExprKind::Bool, loc);
  e->boolValue = value;
  return e;
}

bool isWord(const Expr& e) { return e.kind == ExprKind::String || e.kind == ExprKind::Ident; }
bool isNumeric(const Expr& e) { return e.kind == ExprKind::Number || e.kind == ExprKind::Bool; }
double numericValue(const Expr& e) { return e.kind == ExprKind::Bool ? (e.boolValue ? 1 : 0) : e.number; }
// Python's bool is an int: `True + 1` is 2.
bool integral(const Expr& e) { return e.kind == ExprKind::Bool || e.isInteger; }

std::string describe(const Expr& e) {
  switch (e.kind) {
    case ExprKind::Number:
      return "a number";
    case ExprKind::Bool:
      return "a boolean";
    case ExprKind::String:
    case ExprKind::Ident:
      return "the word '" + e.text + "'";
    case ExprKind::List:
      return "a list";
    default:
      return "an expression";
  }
}

ExprPtr foldBinary(const Expr& e, const ExprPtr& a, const ExprPtr& b) {
  const std::string& op = e.text;
  SourceLoc at = e.opLoc.valid() ? e.opLoc : e.loc;
  if ((op == "==" || op == "!=") && isWord(*a) && isWord(*b))
    return boolean((a->text == b->text) == (op == "=="), e.loc);
  if (!isNumeric(*a) || !isNumeric(*b))
    throw UserError(at,
                    "expected numbers on both sides of '" + op + "', found " + describe(*a) + " and " + describe(*b));
  double x = numericValue(*a), y = numericValue(*b);
  bool ints = integral(*a) && integral(*b);
  if (op == "==") return boolean(x == y, e.loc);
  if (op == "!=") return boolean(x != y, e.loc);
  if (op == "<") return boolean(x < y, e.loc);
  if (op == "<=") return boolean(x <= y, e.loc);
  if (op == ">") return boolean(x > y, e.loc);
  if (op == ">=") return boolean(x >= y, e.loc);
  if (op == "+") return number(x + y, ints, e.loc);
  if (op == "-") return number(x - y, ints, e.loc);
  if (op == "*") return number(x * y, ints, e.loc);
  if (op == "/" || op == "//" || op == "%") {
    if (y == 0) throw UserError(at, "division by zero in a constant expression");
    if (op == "/") return number(x / y, false, e.loc);
    double quotient = std::floor(x / y);
    return op == "//" ? number(quotient, ints, e.loc) : number(x - y * quotient, ints, e.loc);
  }
  throw UserError(at, "expected graph values on both sides of '" + op + "', found constants");
}

}  // namespace

ExprPtr Lowerer::fold(const Expr& e) {
  switch (e.kind) {
    case ExprKind::Number:
    case ExprKind::String:
    case ExprKind::Bool:
    case ExprKind::Question:
      return std::make_shared<Expr>(e);
    case ExprKind::Ident:
    case ExprKind::Member: {
      std::string name = dottedName(e);
      if (findNode(name) >= 0) throw UserError(e.loc, "expected a constant, found the graph value '" + name + "'");
      for (size_t depth = scopes_.size() + 1; depth-- > 0;) {
        std::vector<std::string> prefix(scopes_.begin(), scopes_.begin() + static_cast<long>(depth));
        auto it = configs_.find(scopePath(prefix, name, '.'));
        if (it != configs_.end()) return it->second;
      }
      if (e.kind == ExprKind::Ident) return std::make_shared<Expr>(e);  // a bare word
      throw UserError(e.loc, "unknown name '" + name + "'");
    }
    case ExprKind::Unary: {
      ExprPtr operand = fold(*e.items[0]);
      if (!isNumeric(*operand)) throw UserError(e.loc, "expected a number after '-', found " + describe(*operand));
      return number(-numericValue(*operand), integral(*operand), e.loc);
    }
    case ExprKind::Binary:
      return foldBinary(e, fold(*e.items[0]), fold(*e.items[1]));
    case ExprKind::List: {
      auto list = std::make_shared<Expr>(e);
      list->items.clear();
      for (const ExprPtr& item : e.items) list->items.push_back(fold(*item));
      return list;
    }
    case ExprKind::Index: {
      ExprPtr list = fold(*e.items[0]), index = fold(*e.items[1]);
      if (list->kind != ExprKind::List)
        throw UserError(e.opLoc, "expected a list before '[', found " + describe(*list));
      if (!isNumeric(*index) || !integral(*index))
        throw UserError(e.items[1]->loc, "expected an integer index, found " + describe(*index));
      auto size = static_cast<int64_t>(list->items.size());
      auto i = static_cast<int64_t>(numericValue(*index));
      if (i < -size || i >= size)
        throw UserError(e.items[1]->loc,
                        "index " + std::to_string(i) + " is outside the list of " + std::to_string(size) + " items");
      return list->items[static_cast<size_t>(i < 0 ? i + size : i)];
    }
    case ExprKind::Map:
    case ExprKind::Call:
      break;
  }
  throw UserError(e.loc, "expected a constant, found " + std::string(e.kind == ExprKind::Call ? "a call" : "a map"));
}

}  // namespace graphc
