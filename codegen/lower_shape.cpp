// \file Halide lowerings of the ops that move elements without arithmetic: transpose, concat and
// its gradient slice_axis, one_hot, and element_count. Each is a plain map computed at root.
#include "codegen/lowering.h"

namespace graphc {
namespace {

using Halide::Expr;
using Halide::Func;
using Halide::Var;

// out[v] = x[idx] with idx[perm[k]] = v[k].
LoweredNode lowerTranspose(LowerContext& c) {
  auto perm = c.node.attrs.getInts("perm");
  LoweredNode out;
  out.func = Func(c.name());
  defineFunc(out.func, c.outShape.size(), [&](const std::vector<Var>& v) {
    std::vector<Expr> idx(perm.size());
    for (size_t k = 0; k < perm.size(); ++k) idx[static_cast<size_t>(perm[k])] = v[k];
    return at(c.inputs[0], idx);
  });
  return out;
}

// Along the axis, input k covers [offset_k, offset_k + extent_k). Every branch of the select is
// evaluated, so each input's index is clamped into its own extent: Halide then never asks an
// input for elements outside it.
LoweredNode lowerConcat(LowerContext& c) {
  size_t axis = static_cast<size_t>(c.node.attrs.getInt("axis"));
  LoweredNode out;
  out.func = Func(c.name());
  defineFunc(out.func, c.outShape.size(), [&](const std::vector<Var>& v) {
    Expr value;
    int offset = static_cast<int>(c.outShape[axis]);
    for (size_t k = c.inputs.size(); k-- > 0;) {
      int extent = static_cast<int>(c.inShape(k)[axis]);
      offset -= extent;
      std::vector<Expr> idx = toExprs(v);
      idx[axis] = Halide::clamp(v[axis] - offset, 0, extent - 1);
      Expr element = at(c.inputs[k], idx);
      value = value.defined() ? Halide::select(v[axis] < offset + extent, element, value) : element;
    }
    return value;
  });
  return out;
}

LoweredNode lowerSliceAxis(LowerContext& c) {
  size_t axis = static_cast<size_t>(c.node.attrs.getInt("axis"));
  int begin = static_cast<int>(c.node.attrs.getInt("begin"));
  LoweredNode out;
  out.func = Func(c.name());
  defineFunc(out.func, c.outShape.size(), [&](const std::vector<Var>& v) {
    std::vector<Expr> idx = toExprs(v);
    idx[axis] = v[axis] + begin;
    return at(c.inputs[0], idx);
  });
  return out;
}

// out[..., j] = 1 where labels[...] == j: an id outside [0, depth) gives a row of zeros, as in TF.
LoweredNode lowerOneHot(LowerContext& c) {
  LoweredNode out;
  out.func = Func(c.name());
  defineFunc(out.func, c.outShape.size(), [&](const std::vector<Var>& v) {
    std::vector<Expr> lead(v.begin(), v.end() - 1);
    return Halide::select(at(c.inputs[0], lead) == v.back(), 1.0f, 0.0f);
  });
  return out;
}

// A constant of the compiled program: the batch is bound by then.
LoweredNode lowerElementCount(LowerContext& c) {
  int64_t count = 1;
  for (int64_t a : c.node.attrs.getInts("axes")) count *= c.inShape(0)[static_cast<size_t>(a)];
  LoweredNode out;
  out.func = Func(c.name());
  out.func() = Expr(static_cast<float>(count));
  return out;
}

}  // namespace

void registerShapeLowerings(std::vector<std::pair<Op, LowerFn>>& t) {
  t.emplace_back(Op::Transpose, lowerTranspose);
  t.emplace_back(Op::Concat, lowerConcat);
  t.emplace_back(Op::SliceAxis, lowerSliceAxis);
  t.emplace_back(Op::OneHot, lowerOneHot);
  t.emplace_back(Op::ElementCount, lowerElementCount);
}

}  // namespace graphc
