// \file Lowering of `optimizer = KIND(...)` and of a learning-rate schedule given as its `lr`
// (Keras 3's optimizers and keras.optimizers.schedules, their argument names shortened as the
// language reference lists them).
#include <fmt/format.h>

#include <algorithm>

#include "frontend/train_args.h"
#include "support/spelling.h"

namespace graphc {

double checkedNumber(Lowerer& L, const Expr& e, const std::string& owner, const std::string& name, Range r) {
  if (e.kind == ExprKind::Call)
    throw UserError(e.loc, fmt::format("{}: {} takes a number, found a call to '{}'{}", owner, name, e.text,
                                       name == "lr" ? "" : " (only lr takes a schedule)"));
  if (e.kind == ExprKind::List) throw UserError(e.loc, fmt::format("{}: {} takes a number, found a list", owner, name));
  double x = L.evalNumber(e);
  bool ok = (r.loIncluded ? x >= r.lo : x > r.lo) && (r.hiIncluded ? x <= r.hi : x < r.hi);
  if (!ok) {
    std::string range =
        std::isinf(r.hi) ? fmt::format("{} {}", r.loIncluded ? "at least" : "greater than", r.lo)
                         : fmt::format("in {}{}, {}{}", r.loIncluded ? "[" : "(", r.lo, r.hi, r.hiIncluded ? "]" : ")");
    throw UserError(e.loc, fmt::format("{}: {} must be {}, found {}", owner, name, range, x));
  }
  return x;
}

double hyperparameter(Lowerer& L, const CallArgs& args, const std::string& name, double fallback, Range r) {
  const Expr* e = args.get(name);
  return e ? checkedNumber(L, *e, args.call().text, name, r) : fallback;
}

namespace {

bool flag(Lowerer& L, const CallArgs& args, const std::string& name) {
  return hyperparameter(L, args, name, 0, kUnitClosed) != 0;
}

// A list of constant numbers, each checked.
std::vector<double> numberList(Lowerer& L, const CallArgs& args, const std::string& name, Range r) {
  const Expr& e = args.require(name);
  if (e.kind != ExprKind::List)
    throw UserError(e.loc, fmt::format("{}: {} takes a list of numbers such as [1000, 2000]", args.call().text, name));
  std::vector<double> out;
  for (const auto& item : e.items) out.push_back(checkedNumber(L, *item, args.call().text, name, r));
  return out;
}

// `lr = SCHEDULE(...)`: fills the schedule and sets o.learningRate to its initial value.
void lowerSchedule(Lowerer& L, const Expr& call, OptimizerSpec& o) {
  const std::string& kind = call.text;
  const auto& kinds = scheduleKinds();
  if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end())
    throw UserError(call.loc, unknownNameMessage("learning-rate schedule", kind, kinds));
  LrSchedule& s = o.schedule;
  s.kind = kind;
  if (kind == "exponential_decay") {
    CallArgs args(call, {"initial", "decay_steps", "decay_rate", "staircase"}, 3);
    o.learningRate = hyperparameter(L, args, "initial", 0, kPositive);
    s.decaySteps = hyperparameter(L, args, "decay_steps", 0, kPositive);
    s.decayRate = hyperparameter(L, args, "decay_rate", 0, kPositive);
    s.staircase = flag(L, args, "staircase");
  } else if (kind == "piecewise_constant") {
    CallArgs args(call, {"boundaries", "values"}, 2);
    s.boundaries = numberList(L, args, "boundaries", kNonNegative);
    s.values = numberList(L, args, "values", kNonNegative);
    if (s.values.size() != s.boundaries.size() + 1)
      throw UserError(args.require("values").loc,
                      fmt::format("piecewise_constant: values must have one more entry than boundaries ({}), found {}",
                                  s.boundaries.size() + 1, s.values.size()));
    for (size_t i = 1; i < s.boundaries.size(); ++i)
      if (!(s.boundaries[i] > s.boundaries[i - 1]))
        throw UserError(args.require("boundaries").loc, "piecewise_constant: boundaries must increase");
    if (!(s.values[0] > 0))
      throw UserError(args.require("values").loc, "piecewise_constant: the first value must be positive");
    o.learningRate = s.values[0];
  } else if (kind == "cosine_decay") {
    CallArgs args(call, {"initial", "decay_steps", "alpha", "warmup_steps", "warmup_target"}, 2);
    o.learningRate = hyperparameter(L, args, "initial", 0, kNonNegative);
    s.decaySteps = hyperparameter(L, args, "decay_steps", 0, kPositive);
    s.alpha = hyperparameter(L, args, "alpha", 0, kUnitClosed);
    s.warmupSteps = hyperparameter(L, args, "warmup_steps", 0, kNonNegative);
    const Expr* target = args.get("warmup_target");
    if (target && !(target->kind == ExprKind::Ident && target->text == "none"))
      s.warmupTarget = checkedNumber(L, *target, kind, "warmup_target", kPositive);
    if (o.learningRate == 0 && std::isnan(s.warmupTarget))
      throw UserError(args.require("initial").loc, "cosine_decay: initial must be positive without a warmup_target");
  } else {
    CallArgs args(call, {"initial", "decay_steps", "end", "power"}, 2);
    o.learningRate = hyperparameter(L, args, "initial", 0, kPositive);
    s.decaySteps = hyperparameter(L, args, "decay_steps", 0, kPositive);
    s.end = hyperparameter(L, args, "end", s.end, kNonNegative);
    s.power = hyperparameter(L, args, "power", s.power, kPositive);
  }
}

}  // namespace

OptimizerSpec lowerOptimizer(Lowerer& L, const Expr& call) {
  const std::string& kind = call.text;
  const auto& kinds = optimizerKinds();
  if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end())
    throw UserError(call.loc, unknownNameMessage("optimizer", kind, kinds));
  OptimizerSpec o = defaultOptimizer(kind);
  std::vector<std::string> params = {"lr"};
  if (kind == "sgd") params.insert(params.end(), {"momentum", "nesterov"});
  if (kind == "adam" || kind == "adamw" || kind == "nadam") params.insert(params.end(), {"beta1", "beta2", "epsilon"});
  if (kind == "rmsprop") params.insert(params.end(), {"rho", "epsilon"});
  if (kind == "adagrad") params.insert(params.end(), {"initial_accumulator", "epsilon"});
  params.insert(params.end(), {"weight_decay", "clipnorm", "clipvalue", "global_clipnorm"});
  CallArgs args(call, params, 0);
  if (const Expr* lr = args.get("lr"); lr && lr->kind == ExprKind::Call)
    lowerSchedule(L, *lr, o);
  else
    o.learningRate = hyperparameter(L, args, "lr", o.learningRate, kPositive);
  o.momentum = hyperparameter(L, args, "momentum", o.momentum, kUnitClosed);
  o.nesterov = flag(L, args, "nesterov");
  o.beta1 = hyperparameter(L, args, "beta1", o.beta1, kUnitOpen);
  o.beta2 = hyperparameter(L, args, "beta2", o.beta2, kUnitOpen);
  o.rho = hyperparameter(L, args, "rho", o.rho, kUnitOpen);
  o.epsilon = hyperparameter(L, args, "epsilon", o.epsilon, kNonNegative);
  o.initialAccumulator = hyperparameter(L, args, "initial_accumulator", o.initialAccumulator, kNonNegative);
  o.weightDecay = hyperparameter(L, args, "weight_decay", o.weightDecay, kNonNegative);
  o.clipnorm = hyperparameter(L, args, "clipnorm", 0, kPositive);
  o.clipvalue = hyperparameter(L, args, "clipvalue", 0, kPositive);
  o.globalClipnorm = hyperparameter(L, args, "global_clipnorm", 0, kPositive);
  return o;
}

}  // namespace graphc
