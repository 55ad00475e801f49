// \file Shared helpers of the Halide lowerings and the table that finds one by Op.
#include "codegen/lowering.h"

#include <algorithm>
#include <limits>

namespace graphc {

Halide::Type halideType(DType t) {
  switch (t) {
    case DType::F32:
      return Halide::Float(32);
    case DType::I32:
      return Halide::Int(32);
    case DType::Bool:
      return Halide::Bool();
  }
  return Halide::Float(32);
}

Halide::Expr at(const Halide::Func& f, const std::vector<Halide::Expr>& userIndex) {
  std::vector<Halide::Expr> args(userIndex.rbegin(), userIndex.rend());
  return const_cast<Halide::Func&>(f)(args);
}

std::vector<Halide::Var> userVars(size_t rank) {
  static const char* names[] = {"d0", "d1", "d2", "d3", "d4", "d5", "d6", "d7"};
  std::vector<Halide::Var> vars;
  for (size_t i = 0; i < rank; ++i) vars.emplace_back(names[i]);
  return vars;
}

std::vector<Halide::Expr> toExprs(const std::vector<Halide::Var>& vars) {
  return std::vector<Halide::Expr>(vars.begin(), vars.end());
}

void defineFunc(Halide::Func& func, size_t rank,
                const std::function<Halide::Expr(const std::vector<Halide::Var>&)>& body) {
  std::vector<Halide::Var> vars = userVars(rank);
  std::vector<Halide::Var> args(vars.rbegin(), vars.rend());
  func(args) = body(vars);
}

Halide::Expr broadcastInput(const LowerContext& c, size_t i, const std::vector<Halide::Var>& vars) {
  const Shape& in = c.inShape(i);
  size_t offset = c.outShape.size() - in.size();
  std::vector<Halide::Expr> idx;
  for (size_t d = 0; d < in.size(); ++d)
    idx.push_back(in[d] == 1 && c.outShape[d + offset] != 1 ? Halide::Expr(0) : Halide::Expr(vars[d + offset]));
  return at(c.inputs[i], idx);
}

std::string LowerContext::name(const std::string& suffix) const {
  std::string base = opName(node.op) + "_" + std::to_string(node.id);
  return suffix.empty() ? base : base + "_" + suffix;
}

Halide::Expr finiteSafeExp(Halide::Expr x) {
  constexpr float kLogOfFloatMax = 88.7228394f;  // above it, exp(x) rounds to +inf
  Halide::Expr inf = Halide::Expr(std::numeric_limits<float>::infinity());
  return Halide::strict_float(Halide::select(Halide::is_nan(x), x, x > kLogOfFloatMax, inf, Halide::exp(x)));
}

int vectorLanes(const Halide::Target& target) {
  return !target.has_gpu_feature() && target.has_feature(Halide::Target::AVX512) ? 16 : 8;
}

RegisterTile registerTile(int64_t vectorExtent, int64_t unrollExtent, int lanes, bool guardedTile) {
  RegisterTile t;
  bool almost = guardedTile && lanes > 8 && 4 * vectorExtent >= 3 * lanes && vectorExtent < lanes;
  t.vectorTile = vectorExtent >= 2 * lanes         ? 2 * lanes
                 : vectorExtent >= lanes || almost ? lanes
                 : vectorExtent >= 8               ? 8
                                                   : 0;
  t.lanes = std::min(lanes, std::max(t.vectorTile, 8));
  int accumulators = lanes == 16 ? 24 : 12;  // of 32 or 16 registers: the rest hold operands
  int vectors = std::max(1, t.vectorTile / t.lanes);
  // Fewer rows than the registers allow two vectors each (a matrix-vector product at batch 1):
  // a wider tile, in whole vectors that divide the extent, uses the registers the rows leave,
  // giving more independent sums per FMA latency and longer runs of contiguous loads per row.
  if (t.vectorTile == 2 * lanes && unrollExtent * vectors < accumulators)
    for (int64_t wide = accumulators / unrollExtent; wide > vectors; --wide)
      if (vectorExtent % (wide * lanes) == 0) {
        vectors = static_cast<int>(wide);
        t.vectorTile = vectors * lanes;
        break;
      }
  // As many rows as the registers allow, evened out over the tiles the extent needs: 14 rows are
  // two tiles of 7, not 12 and a shifted-inward 12 that recomputes 10 of them.
  int64_t most = std::max(1, accumulators / vectors);
  int64_t tiles = (unrollExtent + most - 1) / most;
  t.rows = static_cast<int>(std::max<int64_t>(1, (unrollExtent + tiles - 1) / tiles));
  return t;
}

LoweredNode tiledReduction(Halide::Func acc, Halide::RDom r, const Shape& outShape, int vectorDim, int unrollDim,
                           const std::string& name, int lanes, bool guardedTile) {
  LoweredNode out;
  out.hint = ScheduleHint::Tiled;
  out.rdom = r;
  out.func = Halide::Func(name);
  defineFunc(out.func, outShape.size(), [&](const std::vector<Halide::Var>& v) { return at(acc, toExprs(v)); });
  TileSpec& t = out.tile;
  t.accumulator = acc;
  RegisterTile tile = registerTile(outShape[static_cast<size_t>(vectorDim)], outShape[static_cast<size_t>(unrollDim)],
                                   lanes, guardedTile);
  t.vectorDim = tile.vectorTile > 0 ? vectorDim : -1;
  t.vectorTile = tile.vectorTile;
  t.lanes = tile.lanes;
  t.unrollDim = unrollDim;
  t.unrollTile = tile.rows;
  return out;
}

LoweredNode withAnchor(const LoweredNode& root, const LoweredNode& anchor) {
  LoweredNode fused = anchor;
  fused.func = root.func;
  for (const Halide::Func& h : root.helpers) fused.helpers.push_back(h);
  return fused;
}

bool packsMatmulPanels(const Shape& outShape, int64_t k, int lanes) {
  if (outShape.size() != 2) return false;
  RegisterTile tile = registerTile(outShape[1], outShape[0], lanes, false);
  return tile.vectorTile > 0 && outShape[0] > tile.rows && 4 * k * outShape[1] >= (1 << 20);
}

DotTile dotTile(int64_t rows, int64_t columns, int lanes) {
  int accumulators = lanes == 16 ? 24 : 12;
  // Up to 4 rows of a by the rows of b the other registers allow (6 of 16 lanes, 24 KB of a
  // 1024-long reduction, which stay in the L1 cache while every row tile of a passes). Measured
  // on a 50 x 1024 by 3136 x 1024 product (a dense layer's input gradient) with 16 lanes:
  // 4 x 6 ran 1.8 ms, 5 x 4 2.0, 3 x 8 2.1, 2 x 12 2.4 (more rows of b evict each other: rows
  // 4 KB apart share their L1 cache sets).
  DotTile t;
  int64_t tiles = (rows + 3) / 4;
  t.rows = static_cast<int>(std::max<int64_t>(1, (rows + tiles - 1) / tiles));
  t.columns = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(columns, accumulators / t.rows)));
  return t;
}

bool dotProductMatmul(const Shape& outShape, int64_t k, int lanes) {
  return outShape.size() == 2 && k >= 4 * lanes && 4 * k * outShape[1] >= (1 << 20);
}

int largestDivisorAtMost(int64_t extent, int64_t limit) {
  for (int64_t d = std::min(extent, std::max<int64_t>(limit, 1)); d > 1; --d)
    if (extent % d == 0) return static_cast<int>(d);
  return 1;
}

const LowerFn* findLowering(Op op) {
  // Indexed by Op; empty where an op has no lowering (sources).
  static const std::vector<LowerFn> table = [] {
    std::vector<std::pair<Op, LowerFn>> entries;
    registerElementwiseLowerings(entries);
    registerNNLowerings(entries);
    registerReductionLowerings(entries);
    registerSelectionLowerings(entries);
    registerShapeLowerings(entries);
    registerPoolingLowerings(entries);
    registerLogSoftmaxLowerings(entries);
    registerRandomLowerings(entries);
    registerV2NNLowerings(entries);
    std::vector<LowerFn> byOp(kNumOps);
    for (auto& [op, fn] : entries) byOp[opIndex(op)] = std::move(fn);
    return byOp;
  }();
  const LowerFn& fn = table[opIndex(op)];
  return fn ? &fn : nullptr;
}

}  // namespace graphc
