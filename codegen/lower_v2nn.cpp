// \file Halide lowerings of the v2 nn ops: global average pooling, the depthwise convolution and
// its two gradients (conv2d_transpose is conv2d's input gradient, lowered in lower_nn.cpp),
// resize and pad and their gradients.
//
// A depthwise convolution does kh * kw multiply-adds per output element where a full one does
// kh * kw * C: it is memory-bound. The CPU schedule keeps one vector of channels times a few
// output columns in registers across the window and computes whole rows in parallel, so every
// input and output element passes through memory about once.
#include "codegen/long_reduction.h"
#include "codegen/lowering.h"

namespace graphc {
namespace {

using Halide::Expr;
using Halide::Func;
using Halide::RDom;
using Halide::Var;

struct DepthwiseGeometry {
  int sh, sw, dh, dw, padTop, padLeft;
  int multiplier;  // M: output channels per input channel
};

DepthwiseGeometry depthwiseGeometry(const Node& n, const Shape& w) {
  auto s = n.attrs.getInts("strides");
  auto d = n.attrs.getInts("dilation");
  if (d.empty()) d = {1, 1};
  return {static_cast<int>(s[0]),
          static_cast<int>(s[1]),
          static_cast<int>(d[0]),
          static_cast<int>(d[1]),
          static_cast<int>(n.attrs.getInt("pad_top")),
          static_cast<int>(n.attrs.getInt("pad_left")),
          static_cast<int>(w[3])};
}

// x with zeros outside its shape (user-order shape).
Func zeroExterior(const Func& x, const Shape& shape) {
  Halide::Region bounds;
  for (auto it = shape.rbegin(); it != shape.rend(); ++it) bounds.push_back({0, static_cast<int>(*it)});
  return Halide::BoundaryConditions::constant_exterior(x, 0.0f, bounds);
}

// That, materialised over the region the consumer reads (padding included) so that the inner
// loops load plain memory.
Func zeroPaddedCopy(const Func& x, const Shape& shape, const std::string& name) {
  Func xp = zeroExterior(x, shape);
  Func t(name);
  Var c("c"), w("w"), h("h"), n("n");
  t(c, w, h, n) = xp(c, w, h, n);
  return t;
}

// The filter [kh, kw, C, M] as wf(k, kw, kh) over the flat output channel k = c * M + q: the same
// memory, so for M = 1 it is the filter itself, else a (small) copy the vector loads read densely.
Func flatFilter(const LowerContext& c, int multiplier, std::vector<Func>& copies) {
  Var k("k"), kw("kw"), kh("kh");
  Func wf(c.name("wf"));
  if (multiplier == 1) {
    wf(k, kw, kh) = c.inputs[1](0, k, kw, kh);
    return wf;
  }
  wf(k, kw, kh) = c.inputs[1](k % multiplier, k / multiplier, kw, kh);
  copies.push_back(wf);
  return wf;
}

// The CPU schedule of a windowed per-channel reduction acc (pure init, one update over r) whose
// values out copies, of shape [N, H, W, CH]: a register tile of one vector of channels by up to
// 4 columns (or, with fewer channels than a vector, a vector of 8 columns) accumulates over the
// window, rows of the output in parallel. filterCopies are computed once; rowCopies (zero-padded
// copies of the images, channels innermost) are computed for each output row over the input rows
// its window reads: a few rows that stay in the cache, where a copy of the whole tensor would
// be written to memory and read back, doubling the traffic of a memory-bound kernel.
void scheduleChannelWindow(Func out, Func acc, RDom r, const Shape& shape, int lanes, std::vector<Func> filterCopies,
                           std::vector<Func> rowCopies) {
  std::vector<Var> v = out.args();  // (ch, w, h, n)
  std::vector<Var> a = acc.args();
  int64_t channels = shape[3], width = shape[2];
  out.compute_root();
  for (Func& f : filterCopies) f.compute_root();
  Var row("row");
  for (Func& f : rowCopies) {
    f.compute_at(out, row);
    if (channels >= lanes) f.vectorize(f.args()[0], lanes, Halide::TailStrategy::GuardWithIf);
  }
  std::vector<Halide::VarOrRVar> window;
  for (int i = 0; i < r.dimensions(); ++i) window.push_back(r[i]);
  if (channels >= lanes) {
    int cols = width >= 4 ? 4 : 1;
    Var co("co"), ci("ci"), wo("wo"), wi("wi");
    out.split(v[0], co, ci, lanes, Halide::TailStrategy::ShiftInwards);
    out.split(v[1], wo, wi, cols, Halide::TailStrategy::ShiftInwards);
    out.reorder(ci, wi, co, wo, v[2], v[3]).vectorize(ci).unroll(wi).fuse(v[2], v[3], row).parallel(row);
    acc.compute_at(out, co).vectorize(a[0]).unroll(a[1]);
    std::vector<Halide::VarOrRVar> order = {a[0], a[1]};
    order.insert(order.end(), window.begin(), window.end());
    acc.update().reorder(order).vectorize(a[0]).unroll(a[1]);
  } else if (width >= 8) {
    Var wo("wo"), wi("wi");
    out.split(v[1], wo, wi, 8, Halide::TailStrategy::ShiftInwards);
    out.reorder(wi, v[0], wo, v[2], v[3]).vectorize(wi).fuse(v[2], v[3], row).parallel(row);
    acc.compute_at(out, wo).vectorize(a[1]);
    std::vector<Halide::VarOrRVar> order = {a[1], a[0]};
    order.insert(order.end(), window.begin(), window.end());
    acc.update().reorder(order).vectorize(a[1]);
  } else {
    out.fuse(v[2], v[3], row).parallel(row);
    acc.compute_at(out, row);
  }
}

// A windowed reduction lowered for the target: on a GPU the accumulator is a root helper
// (schedule_gpu gives its update threads), on the CPU scheduleChannelWindow's tiles.
LoweredNode windowedReduction(LowerContext& c, Func acc, RDom r, std::vector<Func> filterCopies,
                              std::vector<Func> rowCopies) {
  LoweredNode out;
  Func f(c.name());
  f(acc.args()) = acc(acc.args());
  out.func = f;
  std::vector<Func> copies = filterCopies;
  copies.insert(copies.end(), rowCopies.begin(), rowCopies.end());
  if (c.gpu) {
    out.helpers = copies;
    out.helpers.push_back(acc);
    return out;
  }
  out.hint = ScheduleHint::Custom;
  out.customStages = filterCopies;
  out.customStages.push_back(f);
  Shape shape = c.outShape;
  int lanes = c.lanes;
  out.customSchedule = [f, acc, r, shape, lanes, filterCopies, rowCopies]() {
    scheduleChannelWindow(f, acc, r, shape, lanes, filterCopies, rowCopies);
  };
  return out;
}

// y[n,oh,ow,c*M+q] = sum over kh,kw of x[n, oh*sh + kh*dh - padTop, ow*sw + kw*dw - padLeft, c] * w[kh,kw,c,q]
LoweredNode lowerDepthwiseConv(LowerContext& c) {
  const Shape& w = c.inShape(1);
  DepthwiseGeometry g = depthwiseGeometry(c.node, w);
  std::vector<Func> copies;
  Func xp = zeroPaddedCopy(c.inputs[0], c.inShape(0), c.name("xp"));
  Func wf = flatFilter(c, g.multiplier, copies);
  RDom r({{0, static_cast<int>(w[1])}, {0, static_cast<int>(w[0])}}, c.name("r"));
  Var co("d3"), ow("d2"), oh("d1"), n("d0");
  Expr kw = r.x, kh = r.y;
  Expr ci = g.multiplier == 1 ? Expr(co) : co / g.multiplier;
  Func acc(c.name("acc"));
  acc(co, ow, oh, n) = 0.0f;
  acc(co, ow, oh, n) += xp(ci, ow * g.sw + kw * g.dw - g.padLeft, oh * g.sh + kh * g.dh - g.padTop, n) * wf(co, kw, kh);
  return windowedReduction(c, acc, r, copies, {xp});
}

// dx[n,ih,iw,c] = sum over kh,kw,q of dy[n,oh,ow,c*M+q] * w[kh,kw,c,q] where ih = oh*sh + kh*dh - padTop.
LoweredNode lowerDepthwiseConvBackpropInput(LowerContext& c) {
  const Shape& w = c.inShape(1);
  DepthwiseGeometry g = depthwiseGeometry(c.node, w);
  std::vector<Func> copies, rowCopies;
  RDom r({{0, g.multiplier}, {0, static_cast<int>(w[1])}, {0, static_cast<int>(w[0])}}, c.name("r"));
  Var ci("d3"), iw("d2"), ih("d1"), n("d0");
  Expr q = r.x, kw = r.y, kh = r.z;
  Expr hNum = ih + g.padTop - kh * g.dh, wNum = iw + g.padLeft - kw * g.dw;
  Expr term;
  if (g.multiplier == 1) {
    Func dyp = zeroPaddedCopy(c.inputs[0], c.inShape(0), c.name("dyp"));
    rowCopies.push_back(dyp);
    Func wf = flatFilter(c, 1, copies);
    term = dyp(ci, wNum / g.sw, hNum / g.sh, n) * wf(ci, kw, kh);
  } else {
    // Vectors of input channels read channels c*M + q of dy and of the filter: copies with the
    // multiplier's index outside the channel's, so that those vectors are dense.
    Var a("a"), b("b"), x("x"), y("y"), z("z");
    Func dyq(c.name("dyq")), wq(c.name("wq"));
    dyq(a, b, x, y, z) = zeroExterior(c.inputs[0], c.inShape(0))(a * g.multiplier + b, x, y, z);
    wq(a, b, x, y) = c.inputs[1](b, a, x, y);
    rowCopies.push_back(dyq);
    copies.push_back(wq);
    term = dyq(ci, q, wNum / g.sw, hNum / g.sh, n) * wq(ci, q, kw, kh);
  }
  if (g.sh != 1 || g.sw != 1) term = Halide::select(hNum % g.sh == 0 && wNum % g.sw == 0, term, 0.0f);
  Func acc(c.name("acc"));
  acc(ci, iw, ih, n) = 0.0f;
  acc(ci, iw, ih, n) += term;
  return windowedReduction(c, acc, r, copies, rowCopies);
}

// dw[kh,kw,c,q] = sum over n,oh,ow of dy[n,oh,ow,c*M+q] * x[n, oh*sh + kh*dh - padTop, ow*sw + kw*dw - padLeft, c]:
// N*OH*OW terms per weight, in chunks of at most kReductionChunk columns of one output row
// (float32), whose sums are added per image in float64 (images in parallel), then over the
// images: fixed by the shape, so the same on any number of threads. Each chunk's rows of dy and
// x are read once for every tap of the window, from the cache, with the flat output channels
// k = c*M + q in vectors.
LoweredNode lowerDepthwiseConvBackpropFilter(LowerContext& c) {
  const Shape& x = c.inShape(0);
  const Shape& dy = c.inShape(1);
  const Shape& wShape = c.outShape;
  DepthwiseGeometry g = depthwiseGeometry(c.node, wShape);
  int m = g.multiplier, channels = static_cast<int>(dy[3]), rows = static_cast<int>(dy[1]);
  int chunkW = largestDivisorAtMost(dy[2], kReductionChunk);
  int blocks = static_cast<int>(dy[2]) / chunkW, chunksPerImage = rows * blocks;
  Func xp = zeroPaddedCopy(c.inputs[0], x, c.name("xp"));
  Var k("k"), kw("kw"), kh("kh"), chunk("chunk"), n("n");
  RDom j(0, chunkW, c.name("j"));
  Expr ow = (chunk % blocks) * chunkW + j, oh = chunk / blocks;
  Expr ci = m == 1 ? Expr(k) : k / m;
  Func partial(c.name("partial"));
  partial(k, kw, kh, chunk, n) = 0.0f;
  partial(k, kw, kh, chunk, n) +=
      c.inputs[1](k, ow, oh, n) * xp(ci, ow * g.sw + kw * g.dw - g.padLeft, oh * g.sh + kh * g.dh - g.padTop, n);
  Halide::Type sumType = c.gpu ? Halide::Float(32) : Halide::Float(64);
  RDom rc(0, chunksPerImage, c.name("rc"));
  Func image(c.name("image"));
  image(k, kw, kh, n) = Halide::cast(sumType, 0);
  image(k, kw, kh, n) += Halide::cast(sumType, partial(k, kw, kh, rc, n));
  RDom rn(0, static_cast<int>(dy[0]), c.name("rn"));
  Func total(c.name("total"));
  total(k, kw, kh) = Halide::cast(sumType, 0);
  total(k, kw, kh) += image(k, kw, kh, rn);
  LoweredNode out;
  out.func = Func(c.name());
  Var q("q"), ch("ch");
  out.func(q, ch, kw, kh) = Halide::cast<float>(total(ch * m + q, kw, kh));
  Func f = out.func;
  if (c.gpu) {
    out.helpers = {xp, partial, image, total};
    return out;
  }
  out.hint = ScheduleHint::Custom;
  out.customStages = {xp, image, total, f};
  int lanes = c.lanes;
  bool vector = channels >= lanes;
  out.customSchedule = [=]() mutable {
    // The padded copy computes whatever elementwise producers were fused into x (a BatchNorm and
    // its activation): in vectors of channels, or it runs scalar at a tenth of the memory's speed.
    std::vector<Var> xv = xp.args();
    xp.compute_root().parallel(xv[3]);
    if (x[3] >= lanes) xp.vectorize(xv[0], lanes, Halide::TailStrategy::GuardWithIf);
    image.compute_root().parallel(n);
    Halide::Stage update = image.update();
    update.reorder(k, kw, kh, rc, n).parallel(n);
    if (vector) update.vectorize(k, lanes, Halide::TailStrategy::GuardWithIf);
    partial.compute_at(image, rc);
    Halide::Stage sum = partial.update();
    if (vector) {
      Var ko("ko"), ki("ki");
      sum.split(k, ko, ki, lanes, Halide::TailStrategy::GuardWithIf).reorder(ki, j, ko, kw, kh).vectorize(ki);
      partial.vectorize(k, lanes, Halide::TailStrategy::GuardWithIf);
    } else {
      sum.reorder(k, j, kw, kh);
    }
    total.compute_root();
    f.compute_root();
  };
  return out;
}

// The mean over H x W of each image and channel, chunked (long_reduction.h).
LoweredNode lowerGlobalAvgPool(LowerContext& c) {
  const Shape& x = c.inShape(0);
  double count = static_cast<double>(x[1] * x[2]);
  LoweredNode out;
  LongReduction r = longReduction(
      c.name(), c.outShape, {x[1], x[2]}, Halide::Float(32), ReduceOp::Sum, c,
      [&](const std::vector<Var>& v, const std::vector<Expr>& red) {
        return at(c.inputs[0], {v[0], red[0], red[1], v[1]});
      },
      [count](Expr s) { return s / Halide::cast(s.type(), Expr(count)); });
  addReduction(out, r);
  out.func = r.result;
  return out;
}

// ---- resize: TF2's tf.image.resize (half-pixel centres, edges clamped)

struct ResizeAxis {
  int in, out;
};

// nearest: the input pixel whose span holds output pixel o's centre, floor((o + 1/2) * in / out),
// in exact integer arithmetic.
Expr nearestSource(Expr o, const ResizeAxis& a) { return Halide::min(((2 * o + 1) * a.in) / (2 * a.out), a.in - 1); }

// bilinear: output pixel o's centre in input coordinates, (o + 1/2) * in / out - 1/2, lies
// between pixels lo and lo + 1 (clamped to the edges) at fraction frac past lo.
struct BilinearTap {
  Expr lo, hi, frac;
};

BilinearTap bilinearSource(Expr o, const ResizeAxis& a) {
  Expr src = Halide::cast<float>((2 * o + 1) * a.in - a.out) / static_cast<float>(2 * a.out);
  Expr base = Halide::cast<int>(Halide::floor(src));
  return {Halide::clamp(base, 0, a.in - 1), Halide::clamp(base + 1, 0, a.in - 1), src - Halide::cast<float>(base)};
}

// Axis d of an NHWC resize from x's shape to y's.
ResizeAxis resizeAxis(const Shape& x, const Shape& y, size_t d) {
  return {static_cast<int>(x[d]), static_cast<int>(y[d])};
}

LoweredNode lowerResize(LowerContext& c) {
  ResizeAxis ah = resizeAxis(c.inShape(0), c.outShape, 1), aw = resizeAxis(c.inShape(0), c.outShape, 2);
  bool bilinear = c.node.attrs.getString("method") == "bilinear";
  Func x = c.inputs[0];
  LoweredNode out;
  out.func = Func(c.name());
  defineFunc(out.func, 4, [&](const std::vector<Var>& v) {
    if (!bilinear) return at(x, {v[0], nearestSource(v[1], ah), nearestSource(v[2], aw), v[3]});
    BilinearTap ty = bilinearSource(v[1], ah), tx = bilinearSource(v[2], aw);
    auto row = [&](Expr yi) {
      Expr left = at(x, {v[0], yi, tx.lo, v[3]}), right = at(x, {v[0], yi, tx.hi, v[3]});
      return left + (right - left) * tx.frac;
    };
    Expr top = row(ty.lo), bottom = row(ty.hi);
    return top + (bottom - top) * ty.frac;
  });
  return out;
}

// The adjoint of resize: every output gradient scattered onto the pixels it was read from, with
// the same weights, images in parallel (each image's scatter runs in a fixed order).
LoweredNode lowerResizeGrad(LowerContext& c) {
  const Shape& dyShape = c.inShape(1);
  ResizeAxis ah = resizeAxis(c.inShape(0), dyShape, 1), aw = resizeAxis(c.inShape(0), dyShape, 2);
  bool bilinear = c.node.attrs.getString("method") == "bilinear";
  Func dy = c.inputs[1];
  Var ch("d3"), w("d2"), h("d1"), n("d0");
  Func dx(c.name());
  dx(ch, w, h, n) = 0.0f;
  if (bilinear) {
    RDom r({{0, static_cast<int>(dyShape[2])}, {0, static_cast<int>(dyShape[1])}, {0, 2}, {0, 2}}, c.name("r"));
    BilinearTap ty = bilinearSource(r.y, ah), tx = bilinearSource(r.x, aw);
    Expr xi = Halide::select(r.z == 0, tx.lo, tx.hi), wx = Halide::select(r.z == 0, 1.0f - tx.frac, tx.frac);
    Expr yi = Halide::select(r.w == 0, ty.lo, ty.hi), wy = Halide::select(r.w == 0, 1.0f - ty.frac, ty.frac);
    dx(ch, xi, yi, n) += dy(ch, r.x, r.y, n) * (wx * wy);
  } else {
    RDom r({{0, static_cast<int>(dyShape[2])}, {0, static_cast<int>(dyShape[1])}}, c.name("r"));
    dx(ch, nearestSource(r.x, aw), nearestSource(r.y, ah), n) += dy(ch, r.x, r.y, n);
  }
  LoweredNode out;
  out.func = dx;
  out.hint = ScheduleHint::Custom;
  out.customStages = {dx};
  bool vector = dyShape[3] >= 8;
  out.customSchedule = [dx, ch, n, vector]() mutable {
    dx.compute_root().parallel(n);
    dx.update().parallel(n);
    if (vector) {
      dx.vectorize(ch, 8, Halide::TailStrategy::GuardWithIf);
      dx.update().vectorize(ch, 8, Halide::TailStrategy::GuardWithIf);
    }
  };
  return out;
}

// ---- tile: output index o along each axis reads o mod the input's length.
LoweredNode lowerTile(LowerContext& c) {
  const Shape& in = c.inShape(0);
  LoweredNode out;
  out.func = Func(c.name());
  defineFunc(out.func, in.size(), [&](const std::vector<Var>& v) {
    std::vector<Expr> idx;
    for (size_t d = 0; d < in.size(); ++d)
      idx.push_back(in[d] == c.outShape[d] ? Expr(v[d]) : Expr(v[d] % static_cast<int>(in[d])));
    return at(c.inputs[0], idx);
  });
  return out;
}

// ---- pad

struct PadAxis {
  int n, before, after;
};

std::vector<PadAxis> padAxes(const Node& node, const Shape& x) {
  auto p = node.attrs.getInts("paddings");
  std::vector<PadAxis> axes;
  for (size_t d = 0; d < x.size(); ++d)
    axes.push_back({static_cast<int>(x[d]), static_cast<int>(p[2 * d]), static_cast<int>(p[2 * d + 1])});
  return axes;
}

// The input index that output index o of one axis reads (i = o - before, mirrored at the edges).
// The clamp changes no index the type rule allows; it shows Halide's bounds inference (which
// takes the union of a select's branches) that the reads stay inside the input.
Expr padSource(Expr o, const PadAxis& a, const std::string& mode) {
  Expr i = o - a.before;
  if (mode == "reflect") i = Halide::select(i < 0, -i, i >= a.n, 2 * (a.n - 1) - i, i);
  if (mode == "symmetric") i = Halide::select(i < 0, -i - 1, i >= a.n, 2 * a.n - 1 - i, i);
  return Halide::clamp(i, 0, a.n - 1);
}

LoweredNode lowerPad(LowerContext& c) {
  std::vector<PadAxis> axes = padAxes(c.node, c.inShape(0));
  std::string mode = c.node.attrs.getString("mode");
  float value = static_cast<float>(c.node.attrs.getFloat("value", 0));
  LoweredNode out;
  out.func = Func(c.name());
  defineFunc(out.func, axes.size(), [&](const std::vector<Var>& v) {
    std::vector<Expr> idx;
    Expr inside = Halide::Internal::const_true();
    for (size_t d = 0; d < axes.size(); ++d) {
      idx.push_back(padSource(v[d], axes[d], mode));
      Expr i = v[d] - axes[d].before;
      inside = inside && i >= 0 && i < axes[d].n;
    }
    Expr read = at(c.inputs[0], idx);
    return mode == "constant" ? Halide::select(inside, read, value) : read;
  });
  return out;
}

// dx[i] sums dy over the output positions that read i: along each axis the direct one
// (o = i + before, when inside the output) and, mirrored, at most one on each side.
LoweredNode lowerPadGrad(LowerContext& c) {
  std::vector<PadAxis> axes = padAxes(c.node, c.inShape(0));
  const Shape& dyShape = c.inShape(1);
  std::string mode = c.node.attrs.getString("mode");
  LoweredNode out;
  out.func = Func(c.name());
  defineFunc(out.func, axes.size(), [&](const std::vector<Var>& v) {
    struct Candidate {
      Expr index, valid;
    };
    std::vector<std::vector<Candidate>> perAxis;
    for (size_t d = 0; d < axes.size(); ++d) {
      const PadAxis& a = axes[d];
      Expr i = v[d];
      int outLen = static_cast<int>(dyShape[d]);
      std::vector<Candidate> cands = {{i + a.before, i + a.before >= 0 && i + a.before < outLen}};
      if (mode == "reflect") {
        if (a.before > 0) cands.push_back({a.before - i, i >= 1 && i <= a.before});
        if (a.after > 0) cands.push_back({a.before + 2 * (a.n - 1) - i, i >= a.n - 1 - a.after && i <= a.n - 2});
      } else if (mode == "symmetric") {
        if (a.before > 0) cands.push_back({a.before - 1 - i, i <= a.before - 1});
        if (a.after > 0) cands.push_back({a.before + 2 * a.n - 1 - i, i >= a.n - a.after});
      }
      for (Candidate& k : cands) k.index = Halide::clamp(k.index, 0, outLen - 1);
      perAxis.push_back(cands);
    }
    // Every combination of one candidate per axis.
    Expr total = 0.0f;
    std::vector<size_t> pick(axes.size(), 0);
    while (true) {
      std::vector<Expr> idx;
      Expr valid = Halide::Internal::const_true();
      for (size_t d = 0; d < axes.size(); ++d) {
        idx.push_back(perAxis[d][pick[d]].index);
        valid = valid && perAxis[d][pick[d]].valid;
      }
      total = total + Halide::select(valid, at(c.inputs[1], idx), 0.0f);
      size_t d = 0;
      while (d < axes.size() && ++pick[d] == perAxis[d].size()) pick[d++] = 0;
      if (d == axes.size()) break;
    }
    return total;
  });
  return out;
}

}  // namespace

void registerV2NNLowerings(std::vector<std::pair<Op, LowerFn>>& t) {
  t.emplace_back(Op::GlobalAvgPool, lowerGlobalAvgPool);
  t.emplace_back(Op::DepthwiseConv2d, lowerDepthwiseConv);
  t.emplace_back(Op::DepthwiseConv2dBackpropInput, lowerDepthwiseConvBackpropInput);
  t.emplace_back(Op::DepthwiseConv2dBackpropFilter, lowerDepthwiseConvBackpropFilter);
  t.emplace_back(Op::Resize, lowerResize);
  t.emplace_back(Op::ResizeGrad, lowerResizeGrad);
  t.emplace_back(Op::Tile, lowerTile);
  t.emplace_back(Op::Pad, lowerPad);
  t.emplace_back(Op::PadGrad, lowerPadGrad);
}

}  // namespace graphc
