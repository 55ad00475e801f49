// \file Halide lowerings of the dense-compute ops: matmul, convolution and its two gradients,
// max pooling and its gradient, reshape.
#include <algorithm>
#include <limits>

#include "codegen/lowering.h"

namespace graphc {
namespace {

using Halide::Expr;
using Halide::Func;
using Halide::RDom;
using Halide::Var;

// x with value `fill` outside [0, extent) in every dimension (user-order shape).
Func padded(const Func& x, const Shape& shape, Expr fill) {
  Halide::Region bounds;
  for (auto it = shape.rbegin(); it != shape.rend(); ++it) bounds.push_back({0, static_cast<int>(*it)});
  return Halide::BoundaryConditions::constant_exterior(x, fill, bounds);
}

struct ConvGeometry {
  int sh, sw, dh, dw, padTop, padLeft;
};

ConvGeometry geometry(const Node& n) {
  auto s = n.attrs.getInts("strides");
  auto d = n.attrs.getInts("dilation");
  if (d.empty()) d = {1, 1};
  return {static_cast<int>(s[0]),
          static_cast<int>(s[1]),
          static_cast<int>(d[0]),
          static_cast<int>(d[1]),
          static_cast<int>(n.attrs.getInt("pad_top")),
          static_cast<int>(n.attrs.getInt("pad_left"))};
}

// Whether a convolution with input x [N,H,W,C], output [N,OH,OW,*] and a kh x kw window reads
// outside x (padding above or left, or below or right: TF's "same" split may pad only there).
bool readsPadding(const ConvGeometry& g, const Shape& x, const Shape& out, int64_t kh, int64_t kw) {
  int64_t lastRow = (out[1] - 1) * g.sh + (kh - 1) * g.dh - g.padTop;
  int64_t lastCol = (out[2] - 1) * g.sw + (kw - 1) * g.dw - g.padLeft;
  return g.padTop > 0 || g.padLeft > 0 || lastRow >= x[1] || lastCol >= x[2];
}

// x zero-padded and materialised (computed at root over the region its consumer reads,
// padding included), so that the consumer's inner loop loads plain memory: reading a padded()
// Func directly costs a clamp and a select per load, a gather when the load is a vector.
// widthInner stores it with width innermost, so that a schedule vectorizing over width reads
// dense vectors (channels-innermost data would need a gather per vector).
Func paddedCopy(const Func& x, const Shape& shape, std::vector<Func>& helpers, const std::string& name,
                bool widthInner = false) {
  Func xp = padded(x, shape, 0.0f);
  Var c("c"), w("w"), h("h"), n("n");
  Func t(name);
  t(c, w, h, n) = xp(c, w, h, n);
  helpers.push_back(t);
  // Width vectors (gathers across channels; the copy is a small part of the convolution) and
  // images in parallel. The padded width of every convolution here is at least 8.
  if (widthInner)
    t.reorder_storage(w, c, h, n).reorder(w, c, h, n).vectorize(w, 8, Halide::TailStrategy::ShiftInwards).parallel(n);
  return t;
}

// a [m, k] times b [n, k] transposed, on the CPU: out[m, n] is the dot product of two rows, each
// dense in memory. Each lane of a register sums every lanes-th product (dotLanes); the tile's
// registers are summed across their lanes once at the end. The other schedule, vectorized along
// n, needs b transposed: a copy, panel by panel, that is a pass over memory for a large b.
LoweredNode lowerMatmulDot(LowerContext& c, int k) {
  int lanes = c.lanes, vectors = k / lanes, tail = k % lanes;
  Var n("d1"), m("d0"), lane("lane");
  RDom rv(0, vectors, c.name("kv"));
  Func partial(c.name("lanes"));
  partial(lane, n, m) = 0.0f;
  partial(lane, n, m) += at(c.inputs[0], {m, rv * lanes + lane}) * at(c.inputs[1], {n, rv * lanes + lane});
  RDom rl(0, lanes, c.name("l"));
  Func acc(c.name("acc"));
  acc(n, m) = 0.0f;
  acc(n, m) += partial(rl, n, m);
  if (tail > 0) {
    RDom rt(vectors * lanes, tail, c.name("kt"));
    acc(n, m) += at(c.inputs[0], {m, rt}) * at(c.inputs[1], {n, rt});
  }
  LoweredNode out;
  out.hint = ScheduleHint::Tiled;
  out.rdom = rv;
  out.func = Func(c.name());
  out.func(n, m) = acc(n, m);
  TileSpec& t = out.tile;
  DotTile tile = dotTile(c.outShape[0], c.outShape[1], lanes);
  t.accumulator = acc;
  t.unrollDim = 0;
  t.unrollTile = tile.rows;
  t.lanes = lanes;
  t.dotLanes = partial;
  t.dotDomain = rv;
  t.dotSum = rl;
  t.dotColumns = tile.columns;
  return out;
}

LoweredNode lowerMatmul(LowerContext& c) {
  bool ta = c.node.attrs.getInt("transpose_a"), tb = c.node.attrs.getInt("transpose_b");
  const Shape& a = c.inShape(0);
  int k = static_cast<int>(ta ? a[0] : a[1]);
  if (tb && !ta && !c.gpu && dotProductMatmul(c.outShape, k, c.lanes)) return lowerMatmulDot(c, k);
  RDom r(0, k, c.name("k"));
  Var n("d1"), m("d0");  // user order [m, n] -> Func(n, m)
  Func b = c.inputs[1];
  std::vector<Func> helpers;
  Func bt(c.name("bt"));
  Var i("i"), j("j"), io("io"), jo("jo"), ii("ii"), ji("ji");
  bool panels = !c.gpu && packsMatmulPanels(c.outShape, k, c.lanes);
  if (tb) {
    // Vectorizing over n needs b's rows dense along n: transpose b in 8x8 blocks, panel by
    // panel when the schedule packs panels of b, else all of it once.
    bt(j, i) = at(c.inputs[1], {j, i});  // bt[i, j] = b[j, i]
    if (!panels) helpers.push_back(bt);
    b = bt;
  }
  Expr av = ta ? at(c.inputs[0], {r.x, m}) : at(c.inputs[0], {m, r.x});
  Func acc(c.name("acc"));
  acc(n, m) = 0.0f;
  acc(n, m) += av * at(b, {r.x, n});
  LoweredNode out = tiledReduction(acc, r, c.outShape, 1, 0, c.name(), c.lanes);
  out.tile.matmulOperands = {c.inputs[0], b};
  out.tile.packPanels = panels;
  out.tile.transposedPanels = panels && tb;
  out.helpers = helpers;
  const Shape& bShape = c.inShape(1);
  if (tb && !panels && bShape[0] >= 8 && bShape[1] >= 8)
    out.extraSchedule = [=]() mutable { bt.tile(j, i, jo, io, ji, ii, 8, 8).vectorize(ji).unroll(ii).parallel(io); };
  return out;
}

// Convolution-like ops vectorize the output channels when there are at least 8, else the width
// (with width-innermost copies of the operands read along width).
bool vectorizeChannels(int64_t channels) { return channels >= 8; }

// Whether a convolution's register tile takes its rows from the images rather than the output
// width: when the width fills at most half the registers the images would (a 3x3 output map:
// 3 rows of 4 vectors, against 12 images of 2 vectors), so that each weight vector loaded serves
// more outputs. On CPU targets only (GPU schedules tile their own way) and never per image
// (passes/fusion.h: the tile would cover images beyond the one computed).
bool imageRows(const LowerContext& c) {
  const Shape& out = c.outShape;
  if (c.gpu || out[0] < 2) return false;
  RegisterTile byWidth = registerTile(out[3], out[2], c.lanes, false);
  RegisterTile byImage = registerTile(out[3], out[0], c.lanes, false);
  return 2 * byWidth.vectorTile * byWidth.rows <= byImage.vectorTile * byImage.rows;
}

// y[n,oh,ow,co] = sum over kh,kw,ci of x[n, oh*sh + kh*dh - padTop, ow*sw + kw*dw - padLeft, ci] * w[kh,kw,ci,co]
LoweredNode lowerConv(LowerContext& c) {
  ConvGeometry g = geometry(c.node);
  const Shape& w = c.inShape(1);
  std::vector<Func> helpers;
  bool channels = vectorizeChannels(w[3]);
  bool pads = readsPadding(g, c.inShape(0), c.outShape, w[0], w[1]);
  Func xp = pads || !channels ? paddedCopy(c.inputs[0], c.inShape(0), helpers, c.name("xp"), !channels) : c.inputs[0];
  RDom r({{0, static_cast<int>(w[2])}, {0, static_cast<int>(w[1])}, {0, static_cast<int>(w[0])}}, c.name("r"));
  Var co("d3"), ow("d2"), oh("d1"), n("d0");
  Expr ci = r.x, kw = r.y, kh = r.z;
  Func acc(c.name("acc"));
  acc(co, ow, oh, n) = 0.0f;
  acc(co, ow, oh, n) += at(xp, {n, oh * g.sh + kh * g.dh - g.padTop, ow * g.sw + kw * g.dw - g.padLeft, ci}) *
                        at(c.inputs[1], {kh, kw, ci, co});
  LoweredNode out = channels ? tiledReduction(acc, r, c.outShape, 3, imageRows(c) ? 0 : 2, c.name(), c.lanes)
                             : tiledReduction(acc, r, c.outShape, 2, 3, c.name(), c.lanes, true);
  out.helpers = helpers;
  return out;
}

// dx[n,ih,iw,ci] = sum over kh,kw,co of dy[n,oh,ow,co] * w[kh,kw,ci,co] where ih = oh*sh + kh*dh - padTop.
LoweredNode lowerConvBackpropInput(LowerContext& c) {
  ConvGeometry g = geometry(c.node);
  const Shape& w = c.inShape(1);
  std::vector<Func> helpers;
  bool channels = vectorizeChannels(w[2]);
  // dx reads dy around its edges (a full convolution): always pad.
  Func dyp = paddedCopy(c.inputs[0], c.inShape(0), helpers, c.name("dyp"), !channels);
  RDom r({{0, static_cast<int>(w[3])}, {0, static_cast<int>(w[1])}, {0, static_cast<int>(w[0])}}, c.name("r"));
  Var ci("d3"), iw("d2"), ih("d1"), n("d0");
  Expr co = r.x, kw = r.y, kh = r.z;
  Expr hNum = ih + g.padTop - kh * g.dh, wNum = iw + g.padLeft - kw * g.dw;
  // Kernel rows that reach dy's zero padding add nothing: with stride 1 the bounds of the kh
  // loop are tightened per input row (neither tile dimension is a row, so it can be).
  if (g.sh == 1) r.where(hNum >= 0 && hNum < static_cast<int>(c.inShape(0)[1]));
  // Vectorizing over input channels reads the filter along ci: use a copy with ci innermost.
  Func wv = c.inputs[1];
  if (channels) {
    Func wt(c.name("wt"));
    Var a("a"), o("o"), x("x"), y("y");
    wt(a, o, x, y) = c.inputs[1](o, a, x, y);  // wt(ci, co, kw, kh) = w(co, ci, kw, kh)
    helpers.push_back(wt);
    Func view(c.name("wt_view"));
    view(o, a, x, y) = wt(a, o, x, y);
    wv = view;
  }
  Expr term = at(dyp, {n, hNum / g.sh, wNum / g.sw, co}) * at(wv, {kh, kw, ci, co});
  if (g.sh != 1 || g.sw != 1) term = Halide::select(hNum % g.sh == 0 && wNum % g.sw == 0, term, 0.0f);
  Func acc(c.name("acc"));
  acc(ci, iw, ih, n) = 0.0f;
  acc(ci, iw, ih, n) += term;
  LoweredNode out = channels ? tiledReduction(acc, r, c.outShape, 3, 2, c.name(), c.lanes)
                             : tiledReduction(acc, r, c.outShape, 2, 3, c.name(), c.lanes, true);
  out.helpers = helpers;
  return out;
}

// The filter gradient's reduction over N*OH*OW, in chunks of whole rows of one image or of whole
// images, fixed by the shape: each chunk is summed in float32 registers, the chunks' sums are
// added in float64 (float32 on GPU targets, whose devices need not support doubles).
struct FilterChunks {
  int rows = 1, images = 1;  // per chunk
  int blocks = 1;            // row blocks per image
  int count = 1;             // chunks
};

// termsPerRow: the sequential terms one accumulator adds per output row (the row's width, or
// for the narrow lowering its vector chunks). Chunks hold at most kChunkTerms of them, so that a
// float32 accumulator's error stays that of a short sum.
FilterChunks filterChunks(const Shape& dy, int64_t termsPerRow) {
  constexpr int64_t kChunkTerms = 128;
  FilterChunks f;
  int64_t perImage = dy[1] * termsPerRow;
  if (perImage <= kChunkTerms) {
    f.rows = static_cast<int>(dy[1]);
    f.images = largestDivisorAtMost(dy[0], kChunkTerms / perImage);
  } else {
    f.rows = largestDivisorAtMost(dy[1], kChunkTerms / termsPerRow);
  }
  f.blocks = static_cast<int>(dy[1] / f.rows);
  f.count = static_cast<int>(dy[0] / f.images) * f.blocks;
  return f;
}

Halide::Type chunkSumType(const LowerContext& c) { return c.gpu ? Halide::Float(32) : Halide::Float(64); }

// dw[kh,kw,ci,co] = sum over n,oh,ow of dy[n,oh,ow,co] * x[n, oh*sh + kh*dh - padTop, ow*sw + kw*dw - padLeft, ci]
LoweredNode lowerConvBackpropFilterWide(LowerContext& c) {
  ConvGeometry g = geometry(c.node);
  const Shape& dy = c.inShape(1);
  const Shape& wShape = c.outShape;
  std::vector<Func> helpers;
  bool pads = readsPadding(g, c.inShape(0), dy, wShape[0], wShape[1]);
  Func xp = pads ? paddedCopy(c.inputs[0], c.inShape(0), helpers, c.name("xp")) : c.inputs[0];
  FilterChunks chunks = filterChunks(dy, dy[2]);
  RDom r({{0, static_cast<int>(dy[2])}, {0, chunks.rows}, {0, chunks.images}}, c.name("r"));
  Var co("d3"), ci("d2"), kw("d1"), kh("d0"), k("chunk");
  Expr ow = r.x, oh = (k % chunks.blocks) * chunks.rows + r.y, n = (k / chunks.blocks) * chunks.images + r.z;
  Func acc(c.name("acc"));
  acc(co, ci, kw, kh, k) = 0.0f;
  acc(co, ci, kw, kh, k) += at(c.inputs[1], {n, oh, ow, co}) *
                            at(xp, {n, oh * g.sh + kh * g.dh - g.padTop, ow * g.sw + kw * g.dw - g.padLeft, ci});
  RDom rc(0, chunks.count, c.name("rc"));
  Func total(c.name("total"));
  Halide::Type sumType = chunkSumType(c);
  total(co, ci, kw, kh) = Halide::cast(sumType, 0);
  total(co, ci, kw, kh) += Halide::cast(sumType, acc(co, ci, kw, kh, rc));
  // Vector over output channels, rows over input channels (or the kernel width for one channel).
  LoweredNode out = tiledReduction(total, rc, wShape, 3, wShape[2] > 1 ? 2 : 1, c.name(), c.lanes);
  out.func = Func(c.name());
  out.func(co, ci, kw, kh) = Halide::cast<float>(total(co, ci, kw, kh));
  out.tile.chunkAccumulator = acc;
  out.tile.chunkDomain = r;
  out.helpers = helpers;
  return out;
}

// The same gradient for fewer than 8 output channels: too few to vectorize, so the sum runs
// one vector register (8 or 16 lanes) of output columns at a time in its lanes (partial sums
// per lane, added at the end), over width-innermost copies of dy (zero beyond its width) and of
// the zero-padded input. Each chunk of images (filterChunks) is summed in float32 lanes (all
// chunks at once, in parallel), then the chunks' sums are added to the lanes' float64 totals in
// chunk order.
LoweredNode lowerConvBackpropFilterNarrow(LowerContext& c) {
  ConvGeometry g = geometry(c.node);
  const Shape& dyShape = c.inShape(1);
  int outW = static_cast<int>(dyShape[2]);
  int lanes = c.lanes;
  int widthChunks = (outW + lanes - 1) / lanes;
  Var w("w"), ch("ch"), h("h"), b("b");
  Func dyt(c.name("dyt")), xt(c.name("xt"));
  dyt(w, ch, h, b) = Halide::select(w < outW, c.inputs[1](ch, Halide::min(w, outW - 1), h, b), 0.0f);
  Func xp = padded(c.inputs[0], c.inShape(0), 0.0f);
  xt(w, ch, h, b) = xp(ch, w, h, b);
  FilterChunks chunks = filterChunks(dyShape, widthChunks);
  RDom r({{0, widthChunks}, {0, chunks.rows}, {0, chunks.images}}, c.name("r"));
  Var lane("lane"), co("d3"), ci("d2"), kw("d1"), kh("d0"), k("chunk");
  Expr ow = r.x * lanes + lane, oh = (k % chunks.blocks) * chunks.rows + r.y,
       n = (k / chunks.blocks) * chunks.images + r.z;
  Func partial(c.name("lanes"));
  partial(lane, co, ci, kw, kh, k) = 0.0f;
  partial(lane, co, ci, kw, kh, k) +=
      dyt(ow, co, oh, n) * xt(ow * g.sw + kw * g.dw - g.padLeft, ci, oh * g.sh + kh * g.dh - g.padTop, n);
  // Every chunk's lane sums at root, the chunks in parallel (their count is fixed by the shape,
  // so both threads get an equal share whatever the kernel's extents).
  Func chunkSums(c.name("chunk_sums"));
  chunkSums(lane, co, ci, kw, kh, k) = partial(lane, co, ci, kw, kh, k);
  Halide::Type sumType = chunkSumType(c);
  RDom rc(0, chunks.count, c.name("rc"));
  Func total(c.name("total"));
  total(lane, co, ci, kw, kh) = Halide::cast(sumType, 0);
  total(lane, co, ci, kw, kh) += Halide::cast(sumType, chunkSums(lane, co, ci, kw, kh, rc));
  RDom l(0, lanes, c.name("l"));
  LoweredNode out;
  out.hint = ScheduleHint::Custom;
  out.func = Func(c.name());
  out.func(co, ci, kw, kh) = Halide::cast<float>(Halide::sum(total(l, co, ci, kw, kh)));
  Func f = out.func;
  int outChannels = static_cast<int>(c.outShape[3]);
  // The register tile: output channels by the whole kernel width (when it fits in half the
  // registers, 32 with 16 lanes, else 16), so each input vector loaded serves every channel of
  // the tile and each dy vector every kernel column: 3 x 5 for LeNet-5's first layer, where one
  // channel at a time loaded a vector for every multiply-add.
  int kernelWidth = static_cast<int>(c.outShape[1]);
  int accumulators = lanes >= 16 ? 16 : 8;
  bool tileWidth = kernelWidth <= accumulators;
  int tileChannels = std::min(outChannels, std::max(1, tileWidth ? accumulators / kernelWidth : accumulators));
  out.customStages = {dyt, xt, chunkSums, total, f};
  out.customSchedule = [=]() mutable {
    Var coo("coo"), coi("coi");
    total.bound(co, 0, outChannels);
    dyt.compute_root().vectorize(w, lanes).parallel(b);
    xt.compute_root().vectorize(w, lanes).parallel(b);
    chunkSums.compute_root()
        .split(co, coo, coi, tileChannels, Halide::TailStrategy::GuardWithIf)
        .reorder(lane, coi, kw, coo, ci, kh, k)
        .vectorize(lane)
        .unroll(coi)
        .parallel(k);
    if (tileWidth) chunkSums.unroll(kw);
    partial.compute_at(chunkSums, tileWidth ? coo : kw)
        .store_in(Halide::MemoryType::Register)
        .vectorize(lane)
        .unroll(co);
    partial.update().reorder(lane, co, kw, r.x, r.y, r.z).vectorize(lane).unroll(co);
    if (tileWidth) {
      partial.unroll(kw);
      partial.update().unroll(kw);
    }
    total.compute_root().vectorize(lane);
    total.update().reorder(lane, co, rc, ci, kw, kh).vectorize(lane).unroll(co);
    f.compute_root();
  };
  return out;
}

LoweredNode lowerConvBackpropFilter(LowerContext& c) {
  return vectorizeChannels(c.outShape[3]) ? lowerConvBackpropFilterWide(c) : lowerConvBackpropFilterNarrow(c);
}

struct PoolGeometry {
  int kh, kw, sh, sw, padTop, padLeft;
};

PoolGeometry poolGeometry(const Node& n) {
  auto k = n.attrs.getInts("size");
  auto s = n.attrs.getInts("strides");
  return {static_cast<int>(k[0]),
          static_cast<int>(k[1]),
          static_cast<int>(s[0]),
          static_cast<int>(s[1]),
          static_cast<int>(n.attrs.getInt("pad_top")),
          static_cast<int>(n.attrs.getInt("pad_left"))};
}

// Padding never wins a max: TF ignores it, so pad with -infinity.
Func poolInput(const LowerContext& c) {
  return padded(c.inputs[0], c.inShape(0), Expr(-std::numeric_limits<float>::infinity()));
}

LoweredNode lowerMaxPool(LowerContext& c) {
  PoolGeometry g = poolGeometry(c.node);
  Func xp = poolInput(c);
  RDom r({{0, g.kw}, {0, g.kh}}, c.name("r"));
  LoweredNode out;
  out.func = Func(c.name());
  defineFunc(out.func, 4, [&](const std::vector<Var>& v) {
    return Halide::maximum(at(xp, {v[0], v[1] * g.sh + r.y - g.padTop, v[2] * g.sw + r.x - g.padLeft, v[3]}));
  });
  return out;
}

// Each window sends its gradient to its first maximum (row-major order), as TensorFlow does.
// dx at (ih, iw) sums dy over the windows that contain it and chose it.
LoweredNode lowerMaxPoolGrad(LowerContext& c) {
  PoolGeometry g = poolGeometry(c.node);
  Func xp = poolInput(c);
  const Shape& dy = c.inShape(1);
  int oh = static_cast<int>(dy[1]), ow = static_cast<int>(dy[2]);
  LoweredNode out;
  // choice(c, ow, oh, n): flattened window offset kh * kw_size + kw of the first maximum.
  Func choice(c.name("argmax"));
  RDom w({{0, g.kw}, {0, g.kh}}, c.name("w"));
  defineFunc(choice, 4, [&](const std::vector<Var>& v) {
    Halide::Tuple best =
        Halide::argmax(at(xp, {v[0], v[1] * g.sh + w.y - g.padTop, v[2] * g.sw + w.x - g.padLeft, v[3]}));
    return best[1] * g.kw + best[0];
  });
  out.helpers.push_back(choice);
  // The window choices in vectors and in parallel over the images, as the gradient that reads
  // them (they were computed one window at a time).
  int channels = static_cast<int>(dy[3]);
  bool narrow = channels < 8;
  bool parallel = dy[0] >= 2 && dy[0] * oh * ow * channels >= 32768;
  int candH = (g.kh + g.sh - 1) / g.sh, candW = (g.kw + g.sw - 1) / g.sw;
  RDom q({{0, candW}, {0, candH}}, c.name("q"));
  out.func = Func(c.name());
  defineFunc(out.func, 4, [&](const std::vector<Var>& v) {
    Expr hBase = (v[1] + g.padTop) / g.sh, wBase = (v[2] + g.padLeft) / g.sw;
    Expr wy = hBase - q.y, wx = wBase - q.x;  // a window that may contain (ih, iw)
    Expr offH = v[1] + g.padTop - wy * g.sh, offW = v[2] + g.padLeft - wx * g.sw;
    Expr valid = wy >= 0 && wy < oh && wx >= 0 && wx < ow && offH < g.kh && offW < g.kw;
    Expr wyc = Halide::clamp(wy, 0, oh - 1), wxc = Halide::clamp(wx, 0, ow - 1);
    Expr chosen = at(choice, {v[0], wyc, wxc, v[3]}) == offH * g.kw + offW;
    Expr term = Halide::select(valid && chosen, at(c.inputs[1], {v[0], wyc, wxc, v[3]}), 0.0f);
    // Windows that do not overlap (stride >= size, the usual 2x2 / 2): one candidate, no
    // reduction (an inline reduction of one term is still a loop and a buffer per element).
    if (candH == 1 && candW == 1)
      return Halide::Internal::substitute(q.x.name(), 0, Halide::Internal::substitute(q.y.name(), 0, term));
    return Halide::sum(term);
  });
  // Fewer than 8 channels: a vector of exactly the channel count, as schedulePure's.
  out.extraSchedule = [choice, narrow, parallel, channels]() mutable {
    std::vector<Var> a = choice.args();  // (c, ow, oh, n)
    if (!narrow)
      choice.vectorize(a[0], 8, Halide::TailStrategy::GuardWithIf);
    else if (channels >= 2)
      choice.vectorize(a[0], channels);
    if (parallel) choice.parallel(a[3]);
  };
  return out;
}

// Row-major element k of the output is row-major element k of the input.
LoweredNode lowerReshape(LowerContext& c) {
  const Shape& in = c.inShape(0);
  const Shape& outShape = c.outShape;
  LoweredNode out;
  out.func = Func(c.name());
  defineFunc(out.func, outShape.size(), [&](const std::vector<Var>& v) {
    Expr flat = 0;
    for (size_t i = 0; i < outShape.size(); ++i) flat = flat * static_cast<int>(outShape[i]) + v[i];
    std::vector<Expr> idx(in.size());
    int64_t stride = 1;
    for (size_t j = in.size(); j-- > 0;) {
      Expr q = stride == 1 ? flat : flat / static_cast<int>(stride);
      idx[j] = j == 0 ? q : q % static_cast<int>(in[j]);
      stride *= in[j];
    }
    return at(c.inputs[0], idx);
  });
  return out;
}

}  // namespace

void registerNNLowerings(std::vector<std::pair<Op, LowerFn>>& t) {
  t.emplace_back(Op::Matmul, lowerMatmul);
  t.emplace_back(Op::Conv2d, lowerConv);
  t.emplace_back(Op::Conv2dBackpropInput, lowerConvBackpropInput);
  // conv2d_transpose(x, w) is conv2d_backprop_input(dy = x, w) with the output shape it gives.
  t.emplace_back(Op::Conv2dTranspose, lowerConvBackpropInput);
  t.emplace_back(Op::Conv2dBackpropFilter, lowerConvBackpropFilter);
  t.emplace_back(Op::MaxPool, lowerMaxPool);
  t.emplace_back(Op::MaxPoolGrad, lowerMaxPoolGrad);
  t.emplace_back(Op::Reshape, lowerReshape);
}

}  // namespace graphc
