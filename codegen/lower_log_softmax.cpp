// \file Halide lowerings of log_softmax and its gradient over the last axis. log_softmax is
// x - max - log(sum(exp(x - max))): finite for any finite logits, where log(softmax(x)) gives
// -inf once a probability underflows.
#include "codegen/lowering.h"

namespace graphc {
namespace {

using Halide::Expr;
using Halide::Func;
using Halide::RDom;
using Halide::Var;

// f at the user index lead + [last].
Expr atRow(const Func& f, const std::vector<Var>& lead, Expr last) {
  std::vector<Expr> idx = toExprs(lead);
  idx.push_back(last);
  return at(f, idx);
}

LoweredNode lowerLogSoftmax(LowerContext& c) {
  size_t rank = c.outShape.size();
  RDom r(0, static_cast<int>(c.outShape.back()), c.name("r"));
  Func mx(c.name("max")), lse(c.name("lse"));
  defineFunc(mx, rank - 1, [&](const std::vector<Var>& v) { return Halide::maximum(atRow(c.inputs[0], v, r)); });
  defineFunc(lse, rank - 1, [&](const std::vector<Var>& v) {
    Expr m = at(mx, toExprs(v));
    return m + Halide::log(Halide::sum(finiteSafeExp(atRow(c.inputs[0], v, r) - m)));
  });
  LoweredNode out;
  out.helpers = {mx, lse};
  out.func = Func(c.name());
  defineFunc(out.func, rank, [&](const std::vector<Var>& v) {
    std::vector<Var> lead(v.begin(), v.end() - 1);
    return at(c.inputs[0], toExprs(v)) - at(lse, toExprs(lead));
  });
  return out;
}

// Inputs y = log_softmax(x), g: dx = g - softmax(x) * sum(g) along the row.
LoweredNode lowerLogSoftmaxGrad(LowerContext& c) {
  size_t rank = c.outShape.size();
  RDom r(0, static_cast<int>(c.outShape.back()), c.name("r"));
  Func total(c.name("sum"));
  defineFunc(total, rank - 1, [&](const std::vector<Var>& v) { return Halide::sum(atRow(c.inputs[1], v, r)); });
  LoweredNode out;
  out.helpers = {total};
  out.func = Func(c.name());
  defineFunc(out.func, rank, [&](const std::vector<Var>& v) {
    std::vector<Var> lead(v.begin(), v.end() - 1);
    return at(c.inputs[1], toExprs(v)) - finiteSafeExp(at(c.inputs[0], toExprs(v))) * at(total, toExprs(lead));
  });
  return out;
}

}  // namespace

void registerLogSoftmaxLowerings(std::vector<std::pair<Op, LowerFn>>& t) {
  t.emplace_back(Op::LogSoftmax, lowerLogSoftmax);
  t.emplace_back(Op::LogSoftmaxGrad, lowerLogSoftmaxGrad);
}

}  // namespace graphc
