// \file Halide lowerings of reductions, broadcasts, softmax and the classification losses and metrics.
#include <algorithm>

#include "codegen/lowering.h"

namespace graphc {
namespace {

using Halide::Expr;
using Halide::Func;
using Halide::RDom;
using Halide::Var;

// An RDom over the given dimensions of shape (user order; innermost Halide dimension first).
RDom domainOver(const Shape& shape, const std::vector<size_t>& dims, const std::string& name) {
  Halide::Region region;
  for (auto it = dims.rbegin(); it != dims.rend(); ++it) region.push_back({0, static_cast<int>(shape[*it])});
  if (region.empty()) region.push_back({0, 1});
  return RDom(region, name);
}

// The RDom variable reducing user dimension dims[i].
Expr rvarFor(const RDom& r, const std::vector<size_t>& dims, size_t i) {
  return r[static_cast<int>(dims.size() - 1 - i)];
}

// reduce_sum / reduce_mean / reduce_max / argmax over attr axes.
LowerFn reduce(Op kind) {
  return [kind](LowerContext& c) {
    const Shape& in = c.inShape(0);
    auto axesAttr = c.node.attrs.getInts("axes");
    std::vector<size_t> axes(axesAttr.begin(), axesAttr.end());
    bool keep = c.node.attrs.getInt("keepdims");
    LoweredNode out;
    out.func = Func(c.name());
    if (axes.empty()) {
      // A scalar input (the type rule lists every axis otherwise): nothing to reduce, and
      // Halide's inline reductions reject an expression that reads no RDom.
      defineFunc(out.func, 0, [&](const std::vector<Var>&) { return kind == Op::Argmax ? Expr(0) : c.inputs[0](); });
      return out;
    }
    RDom r = domainOver(in, axes, c.name("r"));
    defineFunc(out.func, c.outShape.size(), [&](const std::vector<Var>& v) {
      std::vector<Expr> idx;
      size_t outDim = 0, reducedSeen = 0;
      for (size_t d = 0; d < in.size(); ++d) {
        bool reduced = std::find(axes.begin(), axes.end(), d) != axes.end();
        if (reduced) {
          idx.push_back(rvarFor(r, axes, reducedSeen++));
          if (keep) ++outDim;
        } else {
          idx.push_back(v[outDim++]);
        }
      }
      Expr value = at(c.inputs[0], idx);
      if (kind == Op::ReduceSum) return Halide::sum(value);
      if (kind == Op::ReduceMax) return Halide::maximum(value);
      if (kind == Op::Argmax) return Halide::cast<int>(Halide::argmax(value)[0]);
      int64_t count = 1;
      for (size_t a : axes) count *= in[a];
      return Halide::sum(value) / static_cast<float>(count);
    });
    return out;
  };
}

// Input 0 broadcast to input 1's shape. With attr axes, input 0 is a reduction result that lacks
// those axes; without, NumPy broadcasting (right-aligned, size-1 dimensions stretched).
LoweredNode lowerBroadcastLike(LowerContext& c) {
  const Shape& small = c.inShape(0);
  auto axesAttr = c.node.attrs.getInts("axes");
  bool numpy = !c.node.attrs.has("axes") || small.size() == c.outShape.size();
  LoweredNode out;
  out.func = Func(c.name());
  defineFunc(out.func, c.outShape.size(), [&](const std::vector<Var>& v) {
    std::vector<Expr> idx;
    if (numpy) {
      size_t offset = c.outShape.size() - small.size();
      for (size_t d = 0; d < small.size(); ++d)
        idx.push_back(small[d] == 1 && c.outShape[d + offset] != 1 ? Expr(0) : Expr(v[d + offset]));
    } else {
      for (size_t d = 0; d < c.outShape.size(); ++d)
        if (std::find(axesAttr.begin(), axesAttr.end(), static_cast<int64_t>(d)) == axesAttr.end()) idx.push_back(v[d]);
    }
    return at(c.inputs[0], idx);
  });
  return out;
}

// Input 0 summed over the dimensions that broadcasting stretched to reach it from input 1's shape.
LoweredNode lowerSumLike(LowerContext& c) {
  const Shape& big = c.inShape(0);
  const Shape& target = c.outShape;
  size_t offset = big.size() - target.size();
  std::vector<size_t> reduced;
  for (size_t d = 0; d < big.size(); ++d)
    if (d < offset || (target[d - offset] == 1 && big[d] != 1)) reduced.push_back(d);
  RDom r = domainOver(big, reduced, c.name("r"));
  LoweredNode out;
  out.func = Func(c.name());
  defineFunc(out.func, target.size(), [&](const std::vector<Var>& v) {
    std::vector<Expr> idx;
    size_t k = 0;
    for (size_t d = 0; d < big.size(); ++d) {
      auto it = std::find(reduced.begin(), reduced.end(), d);
      idx.push_back(it != reduced.end() ? rvarFor(r, reduced, k++) : Expr(v[d - offset]));
    }
    return reduced.empty() ? at(c.inputs[0], idx) : Halide::sum(at(c.inputs[0], idx));
  });
  return out;
}

// Calls f at user index `rest` with the last axis replaced by `last`.
Expr atLast(const Func& f, const std::vector<Var>& rest, Expr last) {
  std::vector<Expr> idx = toExprs(rest);
  idx.push_back(last);
  return at(f, idx);
}

LoweredNode lowerSoftmax(LowerContext& c) {
  const Shape& in = c.inShape(0);
  size_t rank = in.size();
  RDom r(0, static_cast<int>(in.back()), c.name("r"));
  Func mx(c.name("max")), den(c.name("sum"));
  std::vector<Var> rest = userVars(rank - 1);
  defineFunc(mx, rank - 1, [&](const std::vector<Var>& v) { return Halide::maximum(atLast(c.inputs[0], v, r)); });
  defineFunc(den, rank - 1, [&](const std::vector<Var>& v) {
    return Halide::sum(Halide::exp(atLast(c.inputs[0], v, r) - at(mx, toExprs(v))));
  });
  LoweredNode out;
  out.helpers = {mx, den};
  out.func = Func(c.name());
  defineFunc(out.func, rank, [&](const std::vector<Var>& v) {
    std::vector<Var> lead(v.begin(), v.end() - 1);
    return Halide::exp(at(c.inputs[0], toExprs(v)) - at(mx, toExprs(lead))) / at(den, toExprs(lead));
  });
  return out;
}

LoweredNode lowerSoftmaxGrad(LowerContext& c) {
  const Shape& in = c.inShape(0);
  size_t rank = in.size();
  RDom r(0, static_cast<int>(in.back()), c.name("r"));
  Func dot(c.name("dot"));
  defineFunc(dot, rank - 1, [&](const std::vector<Var>& v) {
    return Halide::sum(atLast(c.inputs[0], v, r) * atLast(c.inputs[1], v, r));
  });
  LoweredNode out;
  out.helpers = {dot};
  out.func = Func(c.name());
  defineFunc(out.func, rank, [&](const std::vector<Var>& v) {
    std::vector<Var> lead(v.begin(), v.end() - 1);
    Expr y = at(c.inputs[0], toExprs(v));
    return y * (at(c.inputs[1], toExprs(v)) - at(dot, toExprs(lead)));
  });
  return out;
}

// Per-row helpers shared by the classification ops: scores are [N, C]; labels are i32 ids [N]
// or f32 one-hot [N, C].
struct Rows {
  int batch, classes;
  bool ids;
};

Rows rows(const LowerContext& c) {
  return {static_cast<int>(c.inShape(0)[0]), static_cast<int>(c.inShape(0)[1]), c.inShape(1).size() == 1};
}

// 1 where class j is the label of row n.
Expr oneHot(const LowerContext& c, const Rows& s, Expr n, Expr j) {
  if (s.ids) return Halide::select(at(c.inputs[1], {n}) == j, 1.0f, 0.0f);
  return at(c.inputs[1], {n, j});
}

// logsumexp of each row of the logits, computed stably around the row maximum.
Func logSumExp(const LowerContext& c, const Rows& s, std::vector<Func>& helpers) {
  RDom r(0, s.classes, c.name("rc"));
  Var n("d0");
  Func mx(c.name("max")), lse(c.name("lse"));
  mx(n) = Halide::maximum(at(c.inputs[0], {n, r}));
  lse(n) = mx(n) + Halide::log(Halide::sum(Halide::exp(at(c.inputs[0], {n, r}) - mx(n))));
  helpers.push_back(mx);
  helpers.push_back(lse);
  return lse;
}

LoweredNode lowerSoftmaxCrossEntropy(LowerContext& c) {
  Rows s = rows(c);
  LoweredNode out;
  Func lse = logSumExp(c, s, out.helpers);
  if (s.ids) {
    RDom rn(0, s.batch, c.name("rn"));
    Expr label = Halide::clamp(at(c.inputs[1], {rn}), 0, s.classes - 1);
    out.func = Func(c.name());
    out.func() = Halide::sum(lse(rn) - at(c.inputs[0], {rn, label})) / static_cast<float>(s.batch);
  } else {
    RDom r({{0, s.classes}, {0, s.batch}}, c.name("r"));
    out.func = Func(c.name());
    out.func() = Halide::sum(at(c.inputs[1], {r.y, r.x}) * (lse(r.y) - at(c.inputs[0], {r.y, r.x}))) /
                 static_cast<float>(s.batch);
  }
  return out;
}

LoweredNode lowerSoftmaxCrossEntropyGrad(LowerContext& c) {
  Rows s = rows(c);
  LoweredNode out;
  Func lse = logSumExp(c, s, out.helpers);
  Var j("d1"), n("d0");
  out.func = Func(c.name());
  Expr g = c.inputs[2]();
  out.func(j, n) =
      (Halide::exp(at(c.inputs[0], {n, j}) - lse(n)) - oneHot(c, s, n, j)) * g / static_cast<float>(s.batch);
  return out;
}

constexpr float kProbEpsilon = 1e-7f;  // Keras' backend epsilon, used to clip probabilities

LoweredNode lowerProbsCrossEntropy(LowerContext& c) {
  Rows s = rows(c);
  RDom r({{0, s.classes}, {0, s.batch}}, c.name("r"));
  Expr p = Halide::clamp(at(c.inputs[0], {r.y, r.x}), kProbEpsilon, 1.0f - kProbEpsilon);
  LoweredNode out;
  out.func = Func(c.name());
  out.func() = -Halide::sum(oneHot(c, s, r.y, r.x) * Halide::log(p)) / static_cast<float>(s.batch);
  return out;
}

// d/dp of -log(clip(p)): -1/p inside the clip range, 0 where the clip is active.
LoweredNode lowerProbsCrossEntropyGrad(LowerContext& c) {
  Rows s = rows(c);
  Var j("d1"), n("d0");
  Expr p = at(c.inputs[0], {n, j});
  Expr inside = p > kProbEpsilon && p < 1.0f - kProbEpsilon;
  LoweredNode out;
  out.func = Func(c.name());
  out.func(j, n) = Halide::select(inside, -oneHot(c, s, n, j) / p, 0.0f) * c.inputs[2]() / static_cast<float>(s.batch);
  return out;
}

LoweredNode lowerAccuracy(LowerContext& c) {
  Rows s = rows(c);
  RDom rc(0, s.classes, c.name("rc"));
  Var n("d0");
  Func predicted(c.name("pred")), truth(c.name("truth"));
  predicted(n) = Halide::cast<int>(Halide::argmax(at(c.inputs[0], {n, rc}))[0]);
  if (s.ids)
    truth(n) = at(c.inputs[1], {n});
  else
    truth(n) = Halide::cast<int>(Halide::argmax(at(c.inputs[1], {n, rc}))[0]);
  RDom rn(0, s.batch, c.name("rn"));
  LoweredNode out;
  out.helpers = {predicted, truth};
  out.func = Func(c.name());
  out.func() = Halide::sum(Halide::select(predicted(rn) == truth(rn), 1.0f, 0.0f)) / static_cast<float>(s.batch);
  return out;
}

}  // namespace

void registerReductionLowerings(std::vector<std::pair<Op, LowerFn>>& t) {
  t.emplace_back(Op::ReduceSum, reduce(Op::ReduceSum));
  t.emplace_back(Op::ReduceMean, reduce(Op::ReduceMean));
  t.emplace_back(Op::ReduceMax, reduce(Op::ReduceMax));
  t.emplace_back(Op::Argmax, reduce(Op::Argmax));
  t.emplace_back(Op::BroadcastLike, lowerBroadcastLike);
  t.emplace_back(Op::SumLike, lowerSumLike);
  t.emplace_back(Op::Softmax, lowerSoftmax);
  t.emplace_back(Op::SoftmaxGrad, lowerSoftmaxGrad);
  t.emplace_back(Op::SoftmaxCrossEntropy, lowerSoftmaxCrossEntropy);
  t.emplace_back(Op::SoftmaxCrossEntropyGrad, lowerSoftmaxCrossEntropyGrad);
  t.emplace_back(Op::ProbsCrossEntropy, lowerProbsCrossEntropy);
  t.emplace_back(Op::ProbsCrossEntropyGrad, lowerProbsCrossEntropyGrad);
  t.emplace_back(Op::Accuracy, lowerAccuracy);
}

}  // namespace graphc
