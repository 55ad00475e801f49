// \file AST-to-graph lowering of statements and names: scopes, rebinding, constants, layer scopes.
#include "frontend/lower_program.h"

#include "frontend/layers.h"
#include "frontend/lowerer.h"
#include "support/diagnostics.h"

namespace graphc {

std::string scopePath(const std::vector<std::string>& scopes, const std::string& name, char sep) {
  std::string path;
  for (const auto& s : scopes) path += s + sep;
  return path + name;
}

Lowerer::Lowerer(const Program& program) : program_(program) { model_.graph.file = program.file; }

Model Lowerer::run() {
  lowerStatements(program_.stmts);
  addRegularization(model_);
  if (model_.graph.modelName.empty()) {
    std::string base = program_.file.substr(program_.file.find_last_of('/') + 1);
    model_.graph.modelName = base.substr(0, base.find('.'));
  }
  return std::move(model_);
}

void Lowerer::lowerStatements(const std::vector<Stmt>& stmts) {
  for (const Stmt& s : stmts) {
    switch (s.kind) {
      case StmtKind::Model:
        model_.graph.modelName = s.name;
        break;
      case StmtKind::Assign:
        bind(s.name, *s.value, s.loc);
        break;
      case StmtKind::Scope:
        scopes_.push_back(s.name);
        lowerStatements(s.body);
        scopes_.pop_back();
        break;
      case StmtKind::Train:
        lowerTrain(s);
        break;
    }
  }
}

bool Lowerer::isConstantExpr(const Expr& e) {
  switch (e.kind) {
    case ExprKind::Number:
    case ExprKind::String:
    case ExprKind::Bool:
      return true;
    case ExprKind::Unary:
      return isConstantExpr(*e.items[0]);
    case ExprKind::Binary:
      return isConstantExpr(*e.items[0]) && isConstantExpr(*e.items[1]);
    case ExprKind::Ident:
    case ExprKind::Member: {
      std::string name = dottedName(e);
      return findNode(name) < 0 && findConfig(name) != nullptr;
    }
    default:
      return false;
  }
}

void Lowerer::bind(const std::string& name, const Expr& value, SourceLoc) {
  std::string key = scopePath(scopes_, name, '.');
  if (isConstantExpr(value)) {
    configs_[key] = &value;
    nodes_.erase(key);
    return;
  }
  statementName_ = scopePath(scopes_, name, '/');
  int id = evalNode(value);
  statementName_.clear();
  Node& n = model_.graph.mutableNode(id);
  // The first binding names a value; binding an already named value (`h = x`) keeps the old name.
  if (n.name.empty()) n.name = scopePath(scopes_, name, '/');
  nodes_[key] = id;
  configs_.erase(key);
}

std::string Lowerer::dottedName(const Expr& e) const {
  if (e.kind == ExprKind::Ident) return e.text;
  if (e.kind == ExprKind::Member) {
    std::string base = dottedName(*e.items[0]);
    return base.empty() ? "" : base + "." + e.text;
  }
  return "";
}

int Lowerer::findNode(const std::string& dotted) const {
  for (size_t depth = scopes_.size() + 1; depth-- > 0;) {
    std::vector<std::string> prefix(scopes_.begin(), scopes_.begin() + static_cast<long>(depth));
    auto it = nodes_.find(scopePath(prefix, dotted, '.'));
    if (it != nodes_.end()) return it->second;
  }
  return -1;
}

const Expr* Lowerer::findConfig(const std::string& dotted) const {
  for (size_t depth = scopes_.size() + 1; depth-- > 0;) {
    std::vector<std::string> prefix(scopes_.begin(), scopes_.begin() + static_cast<long>(depth));
    auto it = configs_.find(scopePath(prefix, dotted, '.'));
    if (it != configs_.end()) return it->second;
  }
  return nullptr;
}

std::string Lowerer::layerScope() {
  std::string base = statementName_.empty() ? "layer" : statementName_;
  std::string name = base;
  for (int k = 1; takenLayerScopes_.count(name); ++k) name = base + "_" + std::to_string(k);
  takenLayerScopes_.insert(name);
  lastLayerScope_ = name;
  return name;
}

int Lowerer::addNode(Op op, std::vector<int> inputs, Attrs attrs, SourceLoc loc) {
  return model_.graph.add(op, std::move(inputs), std::move(attrs), loc);
}

int Lowerer::trainingFlag() {
  int id = model_.graph.findByName(kTrainingFlagName);
  if (id >= 0) return id;
  Attrs a;
  a.set("dtype", std::string("f32")).set("shape", std::vector<int64_t>{}).set("default", 0.0);
  return model_.graph.add(Op::Placeholder, {}, a, {}, kTrainingFlagName);
}

int Lowerer::stepCounter() {
  int id = model_.graph.findByName(kStepName);
  if (id >= 0) return id;
  Attrs a;
  a.set("dtype", std::string("i32")).set("shape", std::vector<int64_t>{}).set("default", 0.0);
  return model_.graph.add(Op::Placeholder, {}, a, {}, kStepName);
}

int Lowerer::scalarConstant(double v, DType dtype, SourceLoc loc) {
  return addNode(Op::Constant, {}, Attrs().set("value", v).set("dtype", dtypeName(dtype)), loc);
}

int Lowerer::variable(const std::string& name, const Shape& shape, Attrs init, SourceLoc loc) {
  init.set("shape", std::vector<int64_t>(shape.begin(), shape.end())).set("dtype", std::string("f32"));
  int id = addNode(Op::Variable, {}, init, loc);
  model_.graph.mutableNode(id).name = name;
  return id;
}

double Lowerer::evalNumber(const Expr& e) {
  switch (e.kind) {
    case ExprKind::Number:
      return e.number;
    case ExprKind::Bool:
      return e.boolValue ? 1 : 0;
    case ExprKind::Unary:
      return -evalNumber(*e.items[0]);
    case ExprKind::Binary: {
      double a = evalNumber(*e.items[0]), b = evalNumber(*e.items[1]);
      const std::string& op = e.text;
      if (op == "+") return a + b;
      if (op == "-") return a - b;
      if (op == "*") return a * b;
      if (op == "/") {
        if (b == 0) throw UserError(e.loc, "division by zero in a constant expression");
        return a / b;
      }
      break;
    }
    case ExprKind::Ident:
    case ExprKind::Member:
      if (const Expr* bound = findConfig(dottedName(e))) return evalNumber(*bound);
      break;
    default:
      break;
  }
  throw UserError(e.loc, "expected a constant number, found " +
                             std::string(e.kind == ExprKind::Ident ? "'" + e.text + "'" : "an expression"));
}

int64_t Lowerer::evalInt(const Expr& e, const std::string& what) {
  double v = evalNumber(e);
  // Range first: converting a double outside int64's range (or NaN) is undefined behaviour.
  // 2^63 is exact in a double; every double below it converts.
  if (!(v >= -0x1p63 && v < 0x1p63) || v != static_cast<double>(static_cast<int64_t>(v)))
    throw UserError(e.loc, "expected an integer for " + what + ", found " + std::to_string(v));
  return static_cast<int64_t>(v);
}

std::string Lowerer::evalWord(const Expr& e) {
  if (e.kind == ExprKind::String) return e.text;
  if (e.kind == ExprKind::Ident) {
    if (const Expr* bound = findConfig(e.text))
      if (bound->kind == ExprKind::String) return bound->text;
    return e.text;
  }
  throw UserError(e.loc, "expected a name or a string, found an expression");
}

std::vector<int64_t> Lowerer::evalShape(const Expr& e) {
  if (e.kind != ExprKind::List) throw UserError(e.loc, "expected a shape like [?, 28, 28, 1], found an expression");
  std::vector<int64_t> dims;
  for (const auto& item : e.items) {
    if (item->kind == ExprKind::Question)
      dims.push_back(-2);
    else
      dims.push_back(evalInt(*item, "a shape entry"));
  }
  return dims;
}

std::vector<int64_t> Lowerer::evalPair(const Expr& e, const std::string& what) {
  if (e.kind == ExprKind::List) {
    if (e.items.size() != 2)
      throw UserError(e.loc, "expected " + what + " as n or [h, w], found a list of " + std::to_string(e.items.size()));
    return {evalInt(*e.items[0], what), evalInt(*e.items[1], what)};
  }
  int64_t v = evalInt(e, what);
  if (v <= 0) throw UserError(e.loc, what + " must be positive, found " + std::to_string(v));
  return {v, v};
}

DType Lowerer::evalDType(const Expr& e) {
  DType t;
  std::string word = e.kind == ExprKind::Ident || e.kind == ExprKind::String ? e.text : "";
  if (!parseDType(word, &t)) throw UserError(e.loc, "expected a dtype (f32, i32, bool), found '" + word + "'");
  return t;
}

int Lowerer::evalNode(const Expr& e) {
  switch (e.kind) {
    case ExprKind::Number:
      return scalarConstant(e.number, DType::F32, e.loc);
    case ExprKind::Ident:
    case ExprKind::Member: {
      std::string name = dottedName(e);
      int id = findNode(name);
      if (id >= 0) return id;
      if (const Expr* bound = findConfig(name)) return scalarConstant(evalNumber(*bound), DType::F32, e.loc);
      throw UserError(e.loc, "unknown name '" + name + "'");
    }
    case ExprKind::Unary:
      if (isConstantExpr(e)) return scalarConstant(evalNumber(e), DType::F32, e.loc);
      return addNode(Op::Neg, {evalNode(*e.items[0])}, {}, e.loc);
    case ExprKind::Binary: {
      static const std::map<std::string, Op> ops = {
          {"+", Op::Add},        {"-", Op::Sub},     {"*", Op::Mul},          {"/", Op::Div},
          {"@", Op::Matmul},     {"==", Op::Equal},  {"!=", Op::NotEqual},    {"<", Op::Less},
          {"<=", Op::LessEqual}, {">", Op::Greater}, {">=", Op::GreaterEqual}};
      if (isConstantExpr(e) && e.text != "@" && ops.count(e.text) &&
          std::string("+-*/").find(e.text) != std::string::npos)
        return scalarConstant(evalNumber(e), DType::F32, e.loc);
      const Expr& lhs = *e.items[0];
      const Expr& rhs = *e.items[1];
      // A number next to a graph value takes that value's dtype (`labels == 3` compares i32s).
      int a = -1, b = -1;
      if (isConstantExpr(lhs) && !isConstantExpr(rhs)) {
        b = evalNode(rhs);
        a = scalarConstant(evalNumber(lhs), model_.graph.node(b).dtype, lhs.loc);
      } else if (isConstantExpr(rhs) && !isConstantExpr(lhs)) {
        a = evalNode(lhs);
        b = scalarConstant(evalNumber(rhs), model_.graph.node(a).dtype, rhs.loc);
      } else {
        a = evalNode(lhs);
        b = evalNode(rhs);
      }
      return addNode(ops.at(e.text), {a, b}, {}, e.opLoc.valid() ? e.opLoc : e.loc);
    }
    case ExprKind::Call:
      return lowerCall(e);
    case ExprKind::String:
      throw UserError(e.loc, "expected a tensor value, found the string \"" + e.text + "\"");
    case ExprKind::Bool:
      throw UserError(e.loc, "expected a tensor value, found a boolean");
    case ExprKind::Question:
      throw UserError(e.loc, "'?' is only allowed in a shape");
    case ExprKind::List:
      throw UserError(e.loc, "expected a tensor value, found a list");
    case ExprKind::Map:
      throw UserError(e.loc, "expected a tensor value, found a map");
  }
  throw UserError(e.loc, "expected a tensor value");
}

Model lowerProgram(const Program& program) { return Lowerer(program).run(); }

}  // namespace graphc
