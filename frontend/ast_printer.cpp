// \file Prints the AST as indented text, one node per line with line:col, for dumps and goldens.
#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <string>

#include "frontend/parser.h"

namespace graphc {
namespace {

std::string at(SourceLoc loc) { return " @" + std::to_string(loc.line) + ":" + std::to_string(loc.col); }

// The shortest spelling that reads back as the same double, so dumps are stable and exact.
// Non-integers always show a '.' or an exponent, so `32.0` and `32` stay distinguishable.
std::string formatNumber(double value, bool isInteger) {
  // %g would print 10 as "1e+01"; whole numbers of a sane size read better in full.
  if (std::nearbyint(value) == value && std::fabs(value) < 1e15)
    return fmt::format("{:.0f}", value) + (isInteger ? "" : ".0");
  std::string text;
  for (int precision = 1; precision <= 17; ++precision) {
    text = fmt::format("{:.{}g}", value, precision);
    if (std::strtod(text.c_str(), nullptr) == value) break;
  }
  if (!isInteger && std::isfinite(value) && text.find_first_of(".e") == std::string::npos) {
    text += ".0";
  }
  return text;
}

// Re-escapes a string the way it would be written in .mnn.
std::string quote(const std::string& text) {
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "\"";
}

class AstPrinter {
 public:
  std::string print(const Program& program) {
    for (const Stmt& stmt : program.stmts) printStmt(stmt, 0);
    return out_;
  }

 private:
  void line(int depth, const std::string& text) {
    out_.append(2 * depth, ' ');
    out_ += text;
    out_ += '\n';
  }

  void printStmt(const Stmt& stmt, int depth) {
    switch (stmt.kind) {
      case StmtKind::Model:
        line(depth, "model " + stmt.name + at(stmt.loc));
        return;
      case StmtKind::Assign:
        line(depth, "assign " + stmt.name + at(stmt.loc));
        printExpr(*stmt.value, depth + 1);
        return;
      case StmtKind::Scope:
        line(depth, "scope " + stmt.name + at(stmt.loc));
        break;
      case StmtKind::Train:
        line(depth, "train" + at(stmt.loc));
        break;
      case StmtKind::Def: {
        std::string params;
        for (const Param& p : stmt.params) params += (params.empty() ? "" : ", ") + p.name + (p.fallback ? "=" : "");
        line(depth, "def " + stmt.name + "(" + params + ")" + at(stmt.loc));
        for (const Param& p : stmt.params)
          if (p.fallback) {
            line(depth + 1, "default " + p.name);
            printExpr(*p.fallback, depth + 2);
          }
        break;
      }
      case StmtKind::Return:
        line(depth, "return" + at(stmt.loc));
        printExpr(*stmt.value, depth + 1);
        return;
      case StmtKind::For:
        line(depth, "for " + stmt.name + at(stmt.loc));
        printExpr(*stmt.value, depth + 1);
        break;
      case StmtKind::If:
        line(depth, "if" + at(stmt.loc));
        printExpr(*stmt.value, depth + 1);
        for (const Stmt& inner : stmt.body) printStmt(inner, depth + 1);
        if (!stmt.elseBody.empty()) line(depth, "else");
        for (const Stmt& inner : stmt.elseBody) printStmt(inner, depth + 1);
        return;
    }
    for (const Stmt& inner : stmt.body) printStmt(inner, depth + 1);
  }

  void printExpr(const Expr& expr, int depth) {
    switch (expr.kind) {
      case ExprKind::Number:
        line(depth, "number " + formatNumber(expr.number, expr.isInteger) + at(expr.loc));
        return;
      case ExprKind::String:
        line(depth, "string " + quote(expr.text) + at(expr.loc));
        return;
      case ExprKind::Bool:
        line(depth, std::string("bool ") + (expr.boolValue ? "true" : "false") + at(expr.loc));
        return;
      case ExprKind::Ident:
        line(depth, "ident " + expr.text + at(expr.loc));
        return;
      case ExprKind::Question:
        line(depth, "question" + at(expr.loc));
        return;
      case ExprKind::List:
        line(depth, "list" + at(expr.loc));
        break;
      case ExprKind::Map:
        line(depth, "map" + at(expr.loc));
        for (const auto& [key, value] : expr.entries) {
          line(depth + 1, "entry" + at(key->loc));
          printExpr(*key, depth + 2);
          printExpr(*value, depth + 2);
        }
        return;
      case ExprKind::Unary:
        line(depth, "unary " + expr.text + at(expr.loc));
        break;
      case ExprKind::Binary:
        line(depth, "binary " + expr.text + at(expr.loc));
        break;
      case ExprKind::Member:
        line(depth, "member " + expr.text + at(expr.loc));
        break;
      case ExprKind::Index:
        line(depth, "index" + at(expr.loc));
        break;
      case ExprKind::Call:
        line(depth, "call " + expr.text + at(expr.loc));
        for (const Arg& arg : expr.args) {
          if (arg.key.empty()) {
            printExpr(*arg.value, depth + 1);
          } else {
            line(depth + 1, "arg " + arg.key + "=" + at(arg.loc));
            printExpr(*arg.value, depth + 2);
          }
        }
        return;
    }
    for (const ExprPtr& item : expr.items) printExpr(*item, depth + 1);
  }

  std::string out_;
};

}  // namespace

std::string printAst(const Program& program) { return AstPrinter().print(program); }

}  // namespace graphc
