// \file Halide lowerings of reductions, broadcasts, softmax and the classification losses and metrics.
#include <algorithm>
#include <functional>

#include "codegen/long_reduction.h"
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

// reduce_sum / reduce_mean / reduce_max / reduce_min / reduce_prod / argmax over attr axes. All but argmax go through
// longReduction (chunked: accurate over many terms, and parallel over the chunks).
LowerFn reduce(Op kind) {
  return [kind](LowerContext& c) {
    const Shape& in = c.inShape(0);
    auto axesAttr = c.node.attrs.getInts("axes");
    std::vector<size_t> axes(axesAttr.begin(), axesAttr.end());
    std::sort(axes.begin(), axes.end());
    bool keep = c.node.attrs.getInt("keepdims");
    LoweredNode out;
    out.func = Func(c.name());
    if (axes.empty()) {
      // A scalar input (the type rule lists every axis otherwise): nothing to reduce, and
      // Halide's inline reductions reject an expression that reads no RDom.
      defineFunc(out.func, 0, [&](const std::vector<Var>&) { return kind == Op::Argmax ? Expr(0) : c.inputs[0](); });
      return out;
    }
    // The input's index at an output position and a reduced position.
    auto inputIndex = [&in, &axes, keep](const std::vector<Var>& v, const std::vector<Expr>& red) {
      std::vector<Expr> idx;
      size_t outDim = 0, reducedSeen = 0;
      for (size_t d = 0; d < in.size(); ++d) {
        bool reduced = std::find(axes.begin(), axes.end(), d) != axes.end();
        if (reduced) {
          idx.push_back(red[reducedSeen++]);
          if (keep) ++outDim;
        } else {
          idx.push_back(v[outDim++]);
        }
      }
      return idx;
    };
    if (kind == Op::Argmax) {
      RDom r = domainOver(in, axes, c.name("r"));
      std::vector<Expr> red;
      for (size_t i = 0; i < axes.size(); ++i) red.push_back(rvarFor(r, axes, i));
      defineFunc(out.func, c.outShape.size(), [&](const std::vector<Var>& v) {
        return Halide::cast<int>(Halide::argmax(at(c.inputs[0], inputIndex(v, red)))[0]);
      });
      return out;
    }
    std::vector<int64_t> extents;
    int64_t count = 1;
    for (size_t a : axes) {
      extents.push_back(in[a]);
      count *= in[a];
    }
    std::function<Expr(Expr)> finish;
    if (kind == Op::ReduceMean)
      finish = [count](Expr s) { return s / Halide::cast(s.type(), Expr(static_cast<double>(count))); };
    ReduceOp combine = kind == Op::ReduceMax    ? ReduceOp::Max
                       : kind == Op::ReduceMin  ? ReduceOp::Min
                       : kind == Op::ReduceProd ? ReduceOp::Prod
                                                : ReduceOp::Sum;
    LongReduction r = longReduction(
        c.name(), c.outShape, extents, halideType(c.node.dtype), combine, c,
        [&](const std::vector<Var>& v, const std::vector<Expr>& red) { return at(c.inputs[0], inputIndex(v, red)); },
        finish);
    addReduction(out, r);
    out.func = r.result;
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

// Input 0 summed over the dimensions that broadcasting stretched to reach it from input 1's shape
// (a bias gradient: N*H*W terms per channel), chunked by longReduction.
LoweredNode lowerSumLike(LowerContext& c) {
  const Shape& big = c.inShape(0);
  const Shape& target = c.outShape;
  size_t offset = big.size() - target.size();
  std::vector<size_t> reduced;
  std::vector<int64_t> extents;
  for (size_t d = 0; d < big.size(); ++d)
    if (d < offset || (target[d - offset] == 1 && big[d] != 1)) {
      reduced.push_back(d);
      extents.push_back(big[d]);
    }
  LoweredNode out;
  out.func = Func(c.name());
  auto index = [&](const std::vector<Var>& v, const std::vector<Expr>& red) {
    std::vector<Expr> idx;
    size_t k = 0;
    for (size_t d = 0; d < big.size(); ++d) {
      bool isReduced = std::find(reduced.begin(), reduced.end(), d) != reduced.end();
      idx.push_back(isReduced ? red[k++] : Expr(v[d - offset]));
    }
    return idx;
  };
  if (reduced.empty()) {
    defineFunc(out.func, target.size(), [&](const std::vector<Var>& v) { return at(c.inputs[0], index(v, {})); });
    return out;
  }
  LongReduction r = longReduction(
      c.name(), target, extents, halideType(c.node.dtype), ReduceOp::Sum, c,
      [&](const std::vector<Var>& v, const std::vector<Expr>& red) { return at(c.inputs[0], index(v, red)); });
  addReduction(out, r);
  out.func = r.result;
  return out;
}

// Calls f at user index `rest` with the last axis replaced by `last`.
Expr atLast(const Func& f, const std::vector<Var>& rest, Expr last) {
  std::vector<Expr> idx = toExprs(rest);
  idx.push_back(last);
  return at(f, idx);
}

// The maximum and the sum of exponentials of each row go through longReduction, so that rows
// with many classes are summed accurately too.
LoweredNode lowerSoftmax(LowerContext& c) {
  const Shape& in = c.inShape(0);
  size_t rank = in.size();
  Shape lead(in.begin(), in.end() - 1);
  std::vector<int64_t> row{in.back()};
  LoweredNode out;
  LongReduction mx = longReduction(
      c.name("max"), lead, row, Halide::Float(32), ReduceOp::Max, c,
      [&](const std::vector<Var>& v, const std::vector<Expr>& red) { return atLast(c.inputs[0], v, red[0]); });
  addReduction(out, mx);
  LongReduction den = longReduction(c.name("sum"), lead, row, Halide::Float(32), ReduceOp::Sum, c,
                                    [&](const std::vector<Var>& v, const std::vector<Expr>& red) {
                                      return finiteSafeExp(atLast(c.inputs[0], v, red[0]) - at(mx.result, toExprs(v)));
                                    });
  addReduction(out, den);
  out.helpers.push_back(mx.result);
  out.helpers.push_back(den.result);
  out.func = Func(c.name());
  defineFunc(out.func, rank, [&](const std::vector<Var>& v) {
    std::vector<Var> lead(v.begin(), v.end() - 1);
    return finiteSafeExp(at(c.inputs[0], toExprs(v)) - at(mx.result, toExprs(lead))) / at(den.result, toExprs(lead));
  });
  return out;
}

LoweredNode lowerSoftmaxGrad(LowerContext& c) {
  const Shape& in = c.inShape(0);
  size_t rank = in.size();
  LoweredNode out;
  LongReduction dot = longReduction(c.name("dot"), Shape(in.begin(), in.end() - 1), {in.back()}, Halide::Float(32),
                                    ReduceOp::Sum, c, [&](const std::vector<Var>& v, const std::vector<Expr>& red) {
                                      return atLast(c.inputs[0], v, red[0]) * atLast(c.inputs[1], v, red[0]);
                                    });
  addReduction(out, dot);
  out.helpers.push_back(dot.result);
  out.func = Func(c.name());
  defineFunc(out.func, rank, [&](const std::vector<Var>& v) {
    std::vector<Var> lead(v.begin(), v.end() - 1);
    Expr y = at(c.inputs[0], toExprs(v));
    return y * (at(c.inputs[1], toExprs(v)) - at(dot.result, toExprs(lead)));
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
Func logSumExp(const LowerContext& c, const Rows& s, LoweredNode& out) {
  std::vector<int64_t> row{s.classes};
  Shape rowsShape{s.batch};
  LongReduction mx = longReduction(c.name("max"), rowsShape, row, Halide::Float(32), ReduceOp::Max, c,
                                   [&](const std::vector<Var>& v, const std::vector<Expr>& red) {
                                     return at(c.inputs[0], {v[0], red[0]});
                                   });
  addReduction(out, mx);
  Halide::Func m = mx.result;
  LongReduction lse = longReduction(
      c.name("lse"), rowsShape, row, Halide::Float(32), ReduceOp::Sum, c,
      [&](const std::vector<Var>& v, const std::vector<Expr>& red) {
        return finiteSafeExp(at(c.inputs[0], {v[0], red[0]}) - m(v[0]));
      },
      nullptr);
  addReduction(out, lse);
  Var n("d0");
  Func result(c.name("logsumexp"));
  result(n) = m(n) + Halide::log(lse.result(n));
  out.helpers.push_back(m);
  out.helpers.push_back(lse.result);
  out.helpers.push_back(result);
  return result;
}

// The mean over the batch of a per-row (or per-element: classes > 1) term, chunked.
Func batchMean(const LowerContext& c, const Rows& s, int64_t classes, LoweredNode& out,
               const std::function<Expr(Expr n, Expr j)>& term) {
  std::vector<int64_t> extents{s.batch};
  if (classes > 1) extents.push_back(classes);
  float batch = static_cast<float>(s.batch);
  LongReduction r = longReduction(
      c.name(), {}, extents, Halide::Float(32), ReduceOp::Sum, c,
      [&](const std::vector<Var>&, const std::vector<Expr>& red) {
        return term(red[0], classes > 1 ? red[1] : Expr(0));
      },
      [batch](Expr total) { return total / Halide::cast(total.type(), batch); });
  addReduction(out, r);
  return r.result;
}

LoweredNode lowerSoftmaxCrossEntropy(LowerContext& c) {
  Rows s = rows(c);
  LoweredNode out;
  Func lse = logSumExp(c, s, out);
  if (s.ids) {
    out.func = batchMean(c, s, 1, out, [&](Expr n, Expr) {
      Expr label = Halide::clamp(at(c.inputs[1], {n}), 0, s.classes - 1);
      return lse(n) - at(c.inputs[0], {n, label});
    });
  } else {
    out.func = batchMean(c, s, s.classes, out, [&](Expr n, Expr j) {
      return at(c.inputs[1], {n, j}) * (lse(n) - at(c.inputs[0], {n, j}));
    });
  }
  return out;
}

LoweredNode lowerSoftmaxCrossEntropyGrad(LowerContext& c) {
  Rows s = rows(c);
  LoweredNode out;
  Func lse = logSumExp(c, s, out);
  Var j("d1"), n("d0");
  out.func = Func(c.name());
  Expr g = c.inputs[2]();
  out.func(j, n) =
      (finiteSafeExp(at(c.inputs[0], {n, j}) - lse(n)) - oneHot(c, s, n, j)) * g / static_cast<float>(s.batch);
  return out;
}

constexpr float kProbEpsilon = 1e-7f;  // Keras' backend epsilon, used to clip probabilities

LoweredNode lowerProbsCrossEntropy(LowerContext& c) {
  Rows s = rows(c);
  LoweredNode out;
  out.func = batchMean(c, s, s.classes, out, [&](Expr n, Expr j) {
    Expr p = Halide::clamp(at(c.inputs[0], {n, j}), kProbEpsilon, 1.0f - kProbEpsilon);
    return -(oneHot(c, s, n, j) * Halide::log(p));
  });
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
  LoweredNode out;
  out.helpers = {predicted, truth};
  out.func =
      batchMean(c, s, 1, out, [&](Expr n, Expr) { return Halide::select(predicted(n) == truth(n), 1.0f, 0.0f); });
  return out;
}

}  // namespace

void registerReductionLowerings(std::vector<std::pair<Op, LowerFn>>& t) {
  t.emplace_back(Op::ReduceSum, reduce(Op::ReduceSum));
  t.emplace_back(Op::ReduceMean, reduce(Op::ReduceMean));
  t.emplace_back(Op::ReduceMax, reduce(Op::ReduceMax));
  t.emplace_back(Op::Argmax, reduce(Op::Argmax));
  t.emplace_back(Op::ReduceMin, reduce(Op::ReduceMin));
  t.emplace_back(Op::ReduceProd, reduce(Op::ReduceProd));
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
