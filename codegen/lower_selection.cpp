// \file Halide lowerings of the elementwise ops that choose or rescale per element: where, clip,
// leaky_relu (and its gradient) and batch_norm with given statistics. All broadcast NumPy style
// and are inlined into their consumers like the other elementwise ops.
#include "codegen/lowering.h"

namespace graphc {
namespace {

using Halide::Expr;
using Halide::Func;
using Halide::Var;

// A map of every input's broadcast element at each output position.
LowerFn pointwise(std::function<Expr(const std::vector<Expr>&, const Node&)> op) {
  return [op](LowerContext& c) {
    LoweredNode out;
    out.func = Func(c.name());
    defineFunc(out.func, c.outShape.size(), [&](const std::vector<Var>& v) {
      std::vector<Expr> args;
      for (size_t i = 0; i < c.inputs.size(); ++i) args.push_back(broadcastInput(c, i, v));
      return op(args, c.node);
    });
    return out;
  };
}

Expr alpha(const Node& n) { return Expr(static_cast<float>(n.attrs.getFloat("alpha", 0.2))); }

}  // namespace

void registerSelectionLowerings(std::vector<std::pair<Op, LowerFn>>& t) {
  t.emplace_back(Op::Where,
                 pointwise([](const std::vector<Expr>& a, const Node&) { return Halide::select(a[0], a[1], a[2]); }));
  t.emplace_back(Op::Clip, pointwise([](const std::vector<Expr>& a, const Node&) {
                   return Halide::min(Halide::max(a[0], a[1]), a[2]);
                 }));
  t.emplace_back(Op::LeakyRelu, pointwise([](const std::vector<Expr>& a, const Node& n) {
                   return Halide::select(a[0] > 0.0f, a[0], alpha(n) * a[0]);
                 }));
  t.emplace_back(Op::LeakyReluGrad, pointwise([](const std::vector<Expr>& a, const Node& n) {
                   return Halide::select(a[0] > 0.0f, a[1], alpha(n) * a[1]);
                 }));
  t.emplace_back(Op::BatchNorm, pointwise([](const std::vector<Expr>& a, const Node& n) {
                   Expr epsilon = static_cast<float>(n.attrs.getFloat("epsilon", 1e-3));
                   return a[1] * (a[0] - a[3]) / Halide::sqrt(a[4] + epsilon) + a[2];
                 }));
}

}  // namespace graphc
