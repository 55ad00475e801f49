// \file AST-to-graph lowering of statements and names: scopes, rebinding, constants, layer scopes.
#include "frontend/lower_program.h"

#include <algorithm>

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
      case StmtKind::Def:
        lowerDef(s);
        break;
      case StmtKind::For:
        lowerFor(s);
        break;
      case StmtKind::If:
        lowerIf(s);
        break;
      case StmtKind::Return:
        throw InternalError("a return outside the end of a def reached the lowering");
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
    case ExprKind::Index:
      return isConstantExpr(*e.items[0]) && isConstantExpr(*e.items[1]);
    case ExprKind::List:  // `widths = [16, 32, 64]`, `shape = [?, 28, 28, 1]`
      return std::all_of(e.items.begin(), e.items.end(), [&](const ExprPtr& item) {
        return item->kind == ExprKind::Question || isConstantExpr(*item);
      });
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
  // The values of a split bound to this name before (`parts[0]`...), forgotten once the new value
  // is made (`parts = split(parts[0], 2, 1)` still reads them).
  auto forgetList = [&] {
    for (size_t i = 0; nodes_.erase(key + "[" + std::to_string(i) + "]") > 0; ++i) {
    }
  };
  if (isConstantExpr(value)) {
    // Folded now, so that a later rebinding of a name it uses (a loop index) does not change it.
    configs_[key] = fold(value);
    nodes_.erase(key);
    forgetList();
    return;
  }
  statementName_ = namePrefix_ + scopePath(scopes_, name, '/');
  if (value.kind == ExprKind::Call && value.text == "moments") {  // two values: m.mean, m.variance
    Moments m = lowerMoments(value);
    statementName_.clear();
    forgetList();
    std::string base = uniqueName(namePrefix_ + scopePath(scopes_, name, '/'));
    for (auto [field, id] : {std::pair<const char*, int>{"mean", m.mean}, {"variance", m.variance}}) {
      Node& n = model_.graph.mutableNode(id);
      if (n.name.empty()) n.name = base + "/" + field;
      nodes_[key + "." + field] = id;
    }
    nodes_.erase(key);
    configs_.erase(key);
    return;
  }
  if (value.kind == ExprKind::Call && value.text == "split") {  // a list: parts[0], parts[1]...
    std::vector<int> parts = lowerSplit(value);
    statementName_.clear();
    forgetList();
    std::string base = uniqueName(namePrefix_ + scopePath(scopes_, name, '/'));
    for (size_t i = 0; i < parts.size(); ++i) {
      Node& n = model_.graph.mutableNode(parts[i]);
      if (n.name.empty()) n.name = base + "/" + std::to_string(i);
      nodes_[key + "[" + std::to_string(i) + "]"] = parts[i];
    }
    nodes_.erase(key);
    configs_.erase(key);
    return;
  }
  int id = evalNode(value);
  Node& n = model_.graph.mutableNode(id);
  // The first binding names a value; binding an already named value (`h = x`) keeps the old name.
  if (n.name.empty()) n.name = uniqueName(statementName_);
  statementName_.clear();
  forgetList();
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
    if (it != configs_.end()) return it->second.get();
  }
  return nullptr;
}

std::string Lowerer::layerScope(bool reserve, const std::string& fallback) {
  std::string base = statementName_.empty() ? namePrefix_ + fallback : statementName_;
  std::string name = base;
  for (int k = 1; takenLayerScopes_.count(name); ++k) name = base + "_" + std::to_string(k);
  if (reserve) takenLayerScopes_.insert(name);
  return name;
}

std::string Lowerer::dropoutSeedKey(const std::string& scope) {
  std::string key = scope;
  for (int k = 1; takenSeedKeys_.count(key); ++k) key = scope + "_" + std::to_string(k);
  takenSeedKeys_.insert(key);
  return key;
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

std::string Lowerer::uniqueName(const std::string& wanted) {
  std::string name = wanted;
  for (int k = 1; !takenNames_.insert(name).second; ++k) name = wanted + "_" + std::to_string(k);
  return name;
}

int Lowerer::variable(const std::string& name, const Shape& shape, Attrs init, SourceLoc loc) {
  init.set("shape", std::vector<int64_t>(shape.begin(), shape.end())).set("dtype", std::string("f32"));
  int id = addNode(Op::Variable, {}, init, loc);
  model_.graph.mutableNode(id).name = name;
  takenNames_.insert(name);  // as given: the layers' scopes already make variables' names unique
  return id;
}

double Lowerer::evalNumber(const Expr& e) {
  switch (e.kind) {
    case ExprKind::Number:
      return e.number;
    case ExprKind::Bool:
      return e.boolValue ? 1 : 0;
    case ExprKind::Unary:
    case ExprKind::Binary:
    case ExprKind::Index:
      if (isConstantExpr(e)) {
        ExprPtr value = fold(e);
        if (value->kind == ExprKind::Number || value->kind == ExprKind::Bool) return evalNumber(*value);
      }
      break;
    case ExprKind::Ident:
    case ExprKind::Member: {
      std::string name = dottedName(e);
      if (findNode(name) >= 0) break;
      if (const Expr* bound = findConfig(name)) {
        // A bare word passed to a function where it expects a value: the caller's misspelled name.
        if (bound->kind == ExprKind::Ident) throw UserError(bound->loc, "unknown name '" + bound->text + "'");
        if (bound->kind == ExprKind::String)
          throw UserError(e.loc,
                          "expected a constant number, found '" + name + "' (bound to the word '" + bound->text + "')");
        return evalNumber(*bound);
      }
      break;
    }
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
      if (bound->kind == ExprKind::String || bound->kind == ExprKind::Ident) return bound->text;
    return e.text;
  }
  throw UserError(e.loc, "expected a name or a string, found an expression");
}

const Expr& Lowerer::resolve(const Expr& e) const {
  if (e.kind != ExprKind::Ident && e.kind != ExprKind::Member) return e;
  std::string name = dottedName(e);
  const Expr* bound = findNode(name) < 0 ? findConfig(name) : nullptr;
  return bound ? *bound : e;
}

std::vector<int64_t> Lowerer::evalShape(const Expr& shape) {
  const Expr& e = resolve(shape);
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

std::vector<int64_t> Lowerer::evalPair(const Expr& pair, const std::string& what) {
  const Expr& e = resolve(pair);
  if (e.kind == ExprKind::List) {
    if (e.items.size() != 2)
      throw UserError(e.loc, "expected " + what + " as n or [h, w], found a list of " + std::to_string(e.items.size()));
    return {evalInt(*e.items[0], what), evalInt(*e.items[1], what)};
  }
  int64_t v = evalInt(e, what);
  if (v <= 0) throw UserError(e.loc, what + " must be positive, found " + std::to_string(v));
  return {v, v};
}

DType Lowerer::evalDType(const Expr& given) {
  const Expr& e = resolve(given);
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
      if (e.kind == ExprKind::Member && e.items[0]->kind == ExprKind::Call && e.items[0]->text == "moments") {
        if (e.text != "mean" && e.text != "variance")
          throw UserError(e.loc, "moments has the values mean and variance, not '" + e.text + "'");
        Moments m = lowerMoments(*e.items[0]);
        return e.text == "mean" ? m.mean : m.variance;
      }
      std::string name = dottedName(e);
      int id = findNode(name);
      if (id >= 0) return id;
      if (findNode(name + ".mean") >= 0)
        throw UserError(e.loc, "'" + name + "' holds moments: use " + name + ".mean or " + name + ".variance");
      if (findNode(name + "[0]") >= 0)
        throw UserError(e.loc, "'" + name + "' holds the values of a split: use " + name + "[0], " + name +
                                   "[1]... or pass it whole to concat or stack");
      if (const Expr* bound = findConfig(name)) {
        // A bare word passed to a function where it expects a value: the caller's misspelled name.
        if (bound->kind == ExprKind::Ident) throw UserError(bound->loc, "unknown name '" + bound->text + "'");
        return scalarConstant(evalNumber(*bound), DType::F32, e.loc);
      }
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
      bool arithmetic = e.text == "+" || e.text == "-" || e.text == "*" || e.text == "/";
      bool integerOnly = e.text == "//" || e.text == "%";
      if (isConstantExpr(e) && (arithmetic || integerOnly)) return scalarConstant(evalNumber(e), DType::F32, e.loc);
      if (integerOnly)
        throw UserError(e.opLoc, "expected constants on both sides of '" + e.text +
                                     "' (it is compile-time arithmetic), found a graph value");
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
    case ExprKind::Index: {
      if (isConstantExpr(e)) return scalarConstant(evalNumber(e), DType::F32, e.loc);
      std::vector<int> parts = listValues(*e.items[0]);
      auto size = static_cast<int64_t>(parts.size());
      int64_t i = evalInt(*e.items[1], "an index");
      if (i < -size || i >= size)
        throw UserError(e.items[1]->loc, "index " + std::to_string(i) + " is outside the " + std::to_string(size) +
                                             " values of the split");
      return parts[static_cast<size_t>(i < 0 ? i + size : i)];
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

std::vector<int> Lowerer::listValues(const Expr& e) {
  if (e.kind == ExprKind::Call && e.text == "split") return lowerSplit(e);
  std::string name = dottedName(e);
  std::vector<int> parts;
  if (!name.empty())
    for (int id; (id = findNode(name + "[" + std::to_string(parts.size()) + "]")) >= 0;) parts.push_back(id);
  if (parts.empty())
    throw UserError(e.loc, "expected a list of values (a split's), found " +
                               (name.empty() ? std::string("an expression") : "'" + name + "'"));
  return parts;
}

Model lowerProgram(const Program& program) { return Lowerer(program).run(); }

}  // namespace graphc
