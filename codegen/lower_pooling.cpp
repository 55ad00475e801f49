// \file Halide lowerings of average pooling and its gradient. As in TensorFlow, a window that
// overlaps the "same" padding averages only the real input elements it covers.
#include "codegen/lowering.h"

namespace graphc {
namespace {

using Halide::Expr;
using Halide::Func;
using Halide::RDom;
using Halide::Var;

struct Window {
  int kh, kw, sh, sw, padTop, padLeft;
  int inH, inW;  // the input's spatial extents
};

Window window(const Node& n, const Shape& x) {
  auto k = n.attrs.getInts("size");
  auto s = n.attrs.getInts("strides");
  return {static_cast<int>(k[0]),
          static_cast<int>(k[1]),
          static_cast<int>(s[0]),
          static_cast<int>(s[1]),
          static_cast<int>(n.attrs.getInt("pad_top")),
          static_cast<int>(n.attrs.getInt("pad_left")),
          static_cast<int>(x[1]),
          static_cast<int>(x[2])};
}

// How many real input elements the window at output (oh, ow) covers (never 0: TF's padding is
// always smaller than the window).
Expr realCount(const Window& g, Expr oh, Expr ow) {
  Expr top = oh * g.sh - g.padTop, left = ow * g.sw - g.padLeft;
  Expr rows = Halide::min(top + g.kh, g.inH) - Halide::max(top, 0);
  Expr cols = Halide::min(left + g.kw, g.inW) - Halide::max(left, 0);
  return Halide::cast<float>(rows * cols);
}

LoweredNode lowerAvgPool(LowerContext& c) {
  Window g = window(c.node, c.inShape(0));
  Halide::Region bounds;
  for (auto it = c.inShape(0).rbegin(); it != c.inShape(0).rend(); ++it) bounds.push_back({0, static_cast<int>(*it)});
  Func xp = Halide::BoundaryConditions::constant_exterior(c.inputs[0], 0.0f, bounds);
  RDom r({{0, g.kw}, {0, g.kh}}, c.name("r"));
  LoweredNode out;
  out.func = Func(c.name());
  defineFunc(out.func, 4, [&](const std::vector<Var>& v) {
    Expr total = Halide::sum(at(xp, {v[0], v[1] * g.sh + r.y - g.padTop, v[2] * g.sw + r.x - g.padLeft, v[3]}));
    return total / realCount(g, v[1], v[2]);
  });
  return out;
}

// dx at (ih, iw) sums dy / count over the windows that contain it. The candidate windows are
// enumerated as in max_pool_grad: at most ceil(k / s) per axis.
LoweredNode lowerAvgPoolGrad(LowerContext& c) {
  Window g = window(c.node, c.inShape(0));
  const Shape& dy = c.inShape(1);
  int oh = static_cast<int>(dy[1]), ow = static_cast<int>(dy[2]);
  int candH = (g.kh + g.sh - 1) / g.sh, candW = (g.kw + g.sw - 1) / g.sw;
  RDom q({{0, candW}, {0, candH}}, c.name("q"));
  LoweredNode out;
  out.func = Func(c.name());
  defineFunc(out.func, 4, [&](const std::vector<Var>& v) {
    Expr wy = (v[1] + g.padTop) / g.sh - q.y, wx = (v[2] + g.padLeft) / g.sw - q.x;
    Expr offH = v[1] + g.padTop - wy * g.sh, offW = v[2] + g.padLeft - wx * g.sw;
    Expr valid = wy >= 0 && wy < oh && wx >= 0 && wx < ow && offH < g.kh && offW < g.kw;
    Expr wyc = Halide::clamp(wy, 0, oh - 1), wxc = Halide::clamp(wx, 0, ow - 1);
    Expr share = at(c.inputs[1], {v[0], wyc, wxc, v[3]}) / realCount(g, wyc, wxc);
    return Halide::sum(Halide::select(valid, share, 0.0f));
  });
  return out;
}

}  // namespace

void registerPoolingLowerings(std::vector<std::pair<Op, LowerFn>>& t) {
  t.emplace_back(Op::AvgPool, lowerAvgPool);
  t.emplace_back(Op::AvgPoolGrad, lowerAvgPoolGrad);
}

}  // namespace graphc
