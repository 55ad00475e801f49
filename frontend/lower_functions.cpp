// \file The compile-time structure of a .mnn file: `def` functions expanded where they are called,
// `for` loops unrolled, `if` on constants chosen (language v2, section 1).
#include <fmt/format.h>

#include "frontend/call_args.h"
#include "frontend/lowerer.h"
#include "ir/op_table.h"
#include "support/diagnostics.h"
#include "support/spelling.h"

namespace graphc {
namespace {

// Unrolled loop bodies and expanded calls in one file: far above any real model (a ResNet-152 has
// 50 blocks), and a bound on the graph that `for i in range(1e9)` or nested calls could ask for.
constexpr int64_t kMaxUnrolled = 10000;
// Calls inside calls: each level is a few frames of the C++ stack, so a chain of thousands of
// defs each calling the next must end in an error, not a stack overflow.
constexpr size_t kMaxCallDepth = 100;

// A UserError raised inside an expansion, already told which calls it is in; outer calls pass it on.
class ErrorInFunction : public UserError {
 public:
  using UserError::UserError;
};

}  // namespace

void Lowerer::countUnrolled(SourceLoc loc) {
  if (++unrolled_ > kMaxUnrolled)
    throw UserError(loc, fmt::format("expected at most {} loop bodies and function calls to expand in one file, "
                                     "found more",
                                     kMaxUnrolled));
}

void Lowerer::lowerDef(const Stmt& def) {
  auto previous = functions_.find(def.name);
  if (previous != functions_.end())
    throw UserError(def.loc, fmt::format("def {} is defined twice (first at {}:{})", def.name,
                                         previous->second.def->loc.line, previous->second.def->loc.col));
  Function fn;
  fn.def = &def;
  fn.nodes = nodes_;
  fn.configs = configs_;
  for (const Param& p : def.params) {
    if (!p.fallback) {
      fn.defaults.push_back(nullptr);
      continue;
    }
    if (!isConstantExpr(*p.fallback) && p.fallback->kind != ExprKind::Ident && p.fallback->kind != ExprKind::List)
      throw UserError(p.fallback->loc, "expected a constant default for parameter '" + p.name + "' of " + def.name +
                                           ", found a graph value");
    fn.defaults.push_back(fold(*p.fallback));
  }
  functions_.emplace(def.name, std::move(fn));
}

void Lowerer::lowerFor(const Stmt& loop) {
  const Expr& range = *loop.value;
  for (const Arg& a : range.args)
    if (!a.key.empty()) throw UserError(a.loc, "range takes no keyword arguments, found '" + a.key + "'");
  if (range.args.empty() || range.args.size() > 2)
    throw UserError(range.loc,
                    fmt::format("range expects range(N) or range(START, STOP), found {} arguments", range.args.size()));
  std::vector<int64_t> bounds;
  for (const Arg& a : range.args) {
    if (!isConstantExpr(*a.value))
      throw UserError(
          a.loc, "expected a constant bound of range (a number, a parameter or a loop index), found a graph value");
    bounds.push_back(evalInt(*a.value, "a bound of range"));
  }
  int64_t start = bounds.size() == 2 ? bounds[0] : 0, stop = bounds.back();
  std::string key = scopePath(scopes_, loop.name, '.');
  for (int64_t i = start; i < stop; ++i) {
    countUnrolled(loop.loc);
    auto index = std::make_shared<Expr>();
    index->kind = ExprKind::Number;
    index->number = static_cast<double>(i);
    index->isInteger = true;
    index->loc = loop.loc;
    configs_[key] = index;
    nodes_.erase(key);
    lowerStatements(loop.body);
  }
}

void Lowerer::lowerIf(const Stmt& branch) {
  const Expr& condition = *branch.value;
  if (!isConstantExpr(condition))
    throw UserError(
        condition.loc,
        "expected a condition known when compiling (on numbers, parameters or loop indices), found one on a "
        "graph value (use where(c, a, b) to choose between values)");
  ExprPtr value = fold(condition);
  if (value->kind != ExprKind::Bool && value->kind != ExprKind::Number)
    throw UserError(condition.loc, "expected true or false as the condition, found the word '" + value->text + "'");
  bool truth = value->kind == ExprKind::Bool ? value->boolValue : value->number != 0;
  lowerStatements(truth ? branch.body : branch.elseBody);
}

int Lowerer::lowerFunctionCall(const Expr& call) {
  auto it = functions_.find(call.text);
  return it == functions_.end() ? -1 : expandCall(call, it->second);
}

std::vector<std::string> Lowerer::callableNames() const {
  std::vector<std::string> names;
  for (const auto& [name, fn] : functions_) names.push_back(name);
  for (const std::string& name : graphc::callableNames()) names.push_back(name);
  for (const std::string& layer : layerNames()) names.push_back(layer);
  return names;
}

void Lowerer::bindArgument(const std::string& param, const Expr& value, std::map<std::string, int>* nodes,
                           std::map<std::string, ExprPtr>* configs) {
  // A parameter shadows a file binding's split values of the same name; a split passed in (its
  // call, or a name bound to one) is a list inside too: param[0], param[1]...
  for (size_t i = 0; nodes->erase(param + "[" + std::to_string(i) + "]") > 0; ++i) {
  }
  std::string name = dottedName(value);
  bool split = (value.kind == ExprKind::Call && value.text == "split") ||
               (!name.empty() && findNode(name) < 0 && findNode(name + "[0]") >= 0);
  if (split) {
    std::vector<int> parts = listValues(value);
    for (size_t i = 0; i < parts.size(); ++i) (*nodes)[param + "[" + std::to_string(i) + "]"] = parts[i];
    nodes->erase(param);
    configs->erase(param);
    return;
  }
  bool bareWord = value.kind == ExprKind::Ident && findNode(value.text) < 0 && !findConfig(value.text);
  if (isConstantExpr(value) || bareWord || value.kind == ExprKind::List) {
    (*configs)[param] = fold(value);
    nodes->erase(param);
  } else {
    (*nodes)[param] = evalNode(value);
    configs->erase(param);
  }
}

int Lowerer::expandCall(const Expr& call, const Function& fn) {
  const Stmt& def = *fn.def;
  for (size_t i = 0; i < callStack_.size(); ++i) {
    if (callStack_[i].function != def.name) continue;
    std::string cycle;
    for (size_t j = i; j < callStack_.size(); ++j) cycle += callStack_[j].function + " -> ";
    throw UserError(call.loc, "recursive call " + cycle + def.name +
                                  " (a function is expanded where it is called, so it cannot call itself)");
  }
  countUnrolled(call.loc);
  if (callStack_.size() >= kMaxCallDepth)
    throw UserError(call.loc, fmt::format("expected calls nested at most {} deep, found deeper ones", kMaxCallDepth));

  // Like a layer, the call takes its scope before its arguments are lowered.
  std::string scope = layerScope(true, def.name);
  std::vector<std::string> names;
  size_t required = 0;
  for (const Param& p : def.params) {
    names.push_back(p.name);
    if (!p.fallback) ++required;
  }
  CallArgs args(call, names, required);
  std::map<std::string, int> nodes = fn.nodes;
  std::map<std::string, ExprPtr> configs = fn.configs;
  for (size_t i = 0; i < def.params.size(); ++i) {
    const std::string& p = def.params[i].name;
    if (const Expr* given = args.get(p)) {
      bindArgument(p, *given, &nodes, &configs);
    } else {
      configs[p] = fn.defaults[i];
      nodes.erase(p);
    }
  }

  // The callee sees its own bindings only; the caller's come back after it.
  std::swap(nodes, nodes_);
  std::swap(configs, configs_);
  std::vector<std::string> callerScopes = std::move(scopes_);
  scopes_.clear();
  std::string callerPrefix = namePrefix_, callerStatement = statementName_;
  namePrefix_ = scope + "/";
  statementName_.clear();
  int callerExpansion = model_.graph.expansion();
  SourceLoc callLoc = call.loc;
  callLoc.expansion = callerExpansion;
  model_.graph.expansions.push_back({def.name, def.loc, callLoc});
  model_.graph.setExpansion(static_cast<int>(model_.graph.expansions.size()) - 1);
  callStack_.push_back({def.name, call.loc});
  size_t firstNode = model_.graph.size();

  int result = -1;
  try {
    std::vector<Stmt> body(def.body.begin(), def.body.end() - 1);
    lowerStatements(body);
    statementName_ = namePrefix_ + "output";
    result = evalNode(*def.body.back().value);
  } catch (const ErrorInFunction&) {
    throw;
  } catch (const UserError& e) {
    std::string where;
    for (size_t i = callStack_.size(); i-- > 0;)
      where += fmt::format("{}in {}, called at {}:{}:{}", where.empty() ? "" : "; ", callStack_[i].function,
                           program_.file, callStack_[i].call.line, callStack_[i].call.col);
    throw ErrorInFunction(e.loc(), std::string(e.what()) + " (" + where + ")");
  }

  callStack_.pop_back();
  model_.graph.setExpansion(callerExpansion);
  nodes_ = std::move(nodes);
  configs_ = std::move(configs);
  scopes_ = std::move(callerScopes);
  namePrefix_ = callerPrefix;
  statementName_ = callerStatement;
  // A call that made no variables takes no scope name, as layers without variables take none.
  bool madeVariables = false;
  for (size_t id = firstNode; id < model_.graph.size(); ++id)
    madeVariables |= model_.graph.node(static_cast<int>(id)).op == Op::Variable;
  if (!madeVariables) takenLayerScopes_.erase(scope);
  return result;
}

}  // namespace graphc
