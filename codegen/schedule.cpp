// \file CPU schedules. Plain maps vectorize their innermost dimension by the AVX2 float width (or
// its whole extent when it is narrower) and run their outermost in parallel. Reductions keep the vector lane innermost.
// Tiled reductions (convolutions, matmul) are register-blocked: each tile of outputs is accumulated in registers with
// the reduction loops outside it, the standard schedule of Halide's own conv_layer app.
#include "codegen/schedule.h"

namespace graphc {
namespace {

constexpr int kVector = 8;  // floats in an AVX2 register

// Waking the thread pool costs microseconds: loops with less work than this run on one thread
// (a training step has dozens of tiny kernels: bias gradients, updates of small variables).
constexpr double kParallelWork = 32768;

double elementCount(const Shape& shape) {
  double n = 1;
  for (int64_t d : shape) n *= static_cast<double>(d);
  return n;
}

std::vector<Halide::Var> pureVars(Halide::Func& f) {
  std::vector<Halide::Var> vars;
  for (const Halide::Var& v : f.args()) vars.push_back(v);
  return vars;
}

// Innermost extents under 8 (the 6 channels of LeNet-5's first layer) are one vector of exactly
// that width: dense loads of a pixel's channels, where a scalar loop handles one value at a time
// (and vectors over the fused channels and width would gather).
void schedulePure(Halide::Func& f, const Shape& shape, bool parallel) {
  auto vars = pureVars(f);
  size_t rank = vars.size();
  if (rank == 0) return;
  if (shape.back() >= kVector)
    f.vectorize(vars[0], kVector);
  else if (shape.back() >= 2)
    f.vectorize(vars[0], static_cast<int>(shape.back()));
  if (parallel && imagesInParallel(shape)) f.parallel(vars[rank - 1]);
}

// The update loops: the vector lane innermost, then the reduction, then the other variables.
void scheduleUpdate(Halide::Func& f, const Halide::RDom& r, const Shape& shape, bool parallel) {
  auto vars = pureVars(f);
  size_t rank = vars.size();
  if (rank == 0) return;
  std::vector<Halide::VarOrRVar> order;
  order.push_back(vars[0]);
  for (int i = 0; i < r.dimensions(); ++i) order.push_back(r[i]);
  for (size_t i = 1; i < rank; ++i) order.push_back(vars[i]);
  auto update = f.update();
  update.reorder(order);
  if (shape.back() >= kVector) update.vectorize(vars[0], kVector, Halide::TailStrategy::GuardWithIf);
  double work = elementCount(shape);
  for (int i = 0; i < r.dimensions(); ++i)
    if (const int64_t* e = Halide::Internal::as_const_int(r[i].extent())) work *= static_cast<double>(*e);
  if (parallel && rank >= 2 && shape.front() >= 2 && work >= kParallelWork) update.parallel(vars[rank - 1]);
}

// A dot-product matmul (TileSpec::dotLanes): tiles of rows of a inside tiles of rows of b, so
// that the few rows of b a tile reads stay in the L1 cache while every row of a passes (a, the
// small operand, stays in L2), and b is read from memory once; the tiles of b in parallel.
void scheduleDotTiled(LoweredNode& lowered, const Shape& shape, bool parallel) {
  Halide::Func& out = lowered.func;
  const TileSpec& t = lowered.tile;
  auto vars = pureVars(out);  // n, m
  Halide::Var no("no"), ni("ni"), mo("mo"), mi("mi");
  out.compute_root()
      .split(vars[0], no, ni, t.dotColumns, Halide::TailStrategy::ShiftInwards)
      .split(vars[1], mo, mi, t.unrollTile, Halide::TailStrategy::ShiftInwards)
      .reorder(ni, mi, mo, no);
  double work = elementCount(shape) * t.lanes;
  if (const int64_t* e = Halide::Internal::as_const_int(t.dotDomain.x.extent())) work *= static_cast<double>(*e);
  if (parallel && shape[1] >= 2 * t.dotColumns && work >= kParallelWork) out.parallel(no);
  Halide::Func acc = t.accumulator, partial = t.dotLanes;
  auto accVars = pureVars(acc);
  acc.compute_at(out, mo).unroll(accVars[0]).unroll(accVars[1]);
  acc.update(0)
      .reorder(t.dotSum.x, accVars[0], accVars[1])
      .atomic()
      .vectorize(t.dotSum.x)
      .unroll(accVars[0])
      .unroll(accVars[1]);
  auto lanes = pureVars(partial);  // lane, n, m
  partial.compute_at(out, mo)
      .store_in(Halide::MemoryType::Register)
      .vectorize(lanes[0])
      .unroll(lanes[1])
      .unroll(lanes[2]);
  partial.update()
      .reorder(lanes[0], lanes[1], lanes[2], t.dotDomain.x)
      .vectorize(lanes[0])
      .unroll(lanes[1])
      .unroll(lanes[2]);
}

void scheduleTiled(LoweredNode& lowered, const Shape& shape, bool parallel) {
  if (lowered.tile.dotLanes.defined()) {
    scheduleDotTiled(lowered, shape, parallel);
    return;
  }
  Halide::Func& out = lowered.func;
  const TileSpec& t = lowered.tile;
  Halide::Func acc = t.accumulator;
  auto vars = pureVars(out);
  size_t rank = vars.size();
  auto halideDim = [&](int userDim) { return rank - 1 - static_cast<size_t>(userDim); };
  bool vectorized = t.vectorDim >= 0;
  size_t ud = halideDim(t.unrollDim);
  Halide::Var vo("vo"), vi("vi"), uo("uo"), ui("ui");
  out.compute_root();
  std::vector<Halide::VarOrRVar> order;
  size_t vd = vectorized ? halideDim(t.vectorDim) : rank;
  if (vectorized) {
    bool narrower = shape[static_cast<size_t>(t.vectorDim)] < t.vectorTile;  // see registerTile
    out.split(vars[vd], vo, vi, t.vectorTile,
              narrower ? Halide::TailStrategy::GuardWithIf : Halide::TailStrategy::ShiftInwards);
  }
  out.split(vars[ud], uo, ui, t.unrollTile, Halide::TailStrategy::ShiftInwards);
  // Row tiles inside column tiles: the operand columns of one vector tile (a block of a weight
  // matrix, say) stay in cache while every row tile uses them. A convolution whose rows are
  // images (lowerConv) runs its tiles of images outermost instead, in parallel.
  bool imageRows = rank > 2 && ud == rank - 1;
  if (vectorized)
    order = {vi, ui, uo, vo};
  else
    order = {ui, uo};
  if (imageRows) order.erase(order.begin() + (vectorized ? 2 : 1));
  for (size_t i = 0; i < rank; ++i)
    if (i != vd && i != ud) order.push_back(vars[i]);
  if (imageRows) order.push_back(uo);
  out.reorder(order);
  if (vectorized) out.vectorize(vi, t.lanes);
  // Parallel over the outermost dimension that is not tiled (the batch for activations).
  // Parallel over the outer dimensions that are not tiled (the batch of an activation, the
  // kernel rows and columns of a filter gradient); fused when the outermost alone is too short
  // to keep both cores busy (5 kernel rows split 3:2).
  bool chunked = t.chunkAccumulator.defined();
  double work = elementCount(shape);
  for (const Halide::RDom& domain : {lowered.rdom, t.chunkDomain})
    for (int i = 0; domain.defined() && i < domain.dimensions(); ++i)
      if (const int64_t* e = Halide::Internal::as_const_int(domain[i].extent())) work *= static_cast<double>(*e);
  std::vector<size_t> untiled;
  for (size_t i = rank; i-- > 0;)
    if (i != vd && i != ud) untiled.push_back(i);
  if (imageRows) {
    int64_t tiles = (shape.front() + t.unrollTile - 1) / t.unrollTile;
    if (parallel && tiles >= 2 && work >= kParallelWork) out.parallel(uo);
  } else if (!untiled.empty()) {
    Halide::VarOrRVar outer = vars[untiled[0]];
    int64_t extent = shape[rank - 1 - untiled[0]];
    if (extent < 16 && untiled.size() >= 2) {
      Halide::Var fused("fused");
      out.fuse(vars[untiled[1]], vars[untiled[0]], fused);
      outer = fused;
      extent *= shape[rank - 1 - untiled[1]];
    }
    if (parallel && extent >= 2 && work >= kParallelWork) out.parallel(outer);
  } else if (parallel && vectorized && work >= kParallelWork) {
    out.parallel(vo);  // both dimensions tiled (matmul): the column tiles are the parallel loop
  }

  // Inside the loop just outside the tile.
  Halide::Var outside = uo;
  if (imageRows) outside = vectorized ? vo : vars[untiled.back()];
  acc.compute_at(out, outside);
  Halide::RDom accDomain = lowered.rdom;
  if (chunked) {
    // The tile's float64 sums (two registers per float32 one), then the per-chunk float32 tile
    // inside the loop over chunks.
    auto totalVars = pureVars(acc);
    Halide::Stage totalUpdate = acc.update();
    std::vector<Halide::VarOrRVar> totalOrder;
    if (vectorized) totalOrder.push_back(totalVars[vd]);
    totalOrder.push_back(totalVars[ud]);
    for (int i = 0; i < lowered.rdom.dimensions(); ++i) totalOrder.push_back(lowered.rdom[i]);
    totalUpdate.reorder(totalOrder);
    if (vectorized) {
      acc.vectorize(totalVars[vd], t.lanes);
      totalUpdate.vectorize(totalVars[vd], t.lanes);
    }
    acc.unroll(totalVars[ud]);
    totalUpdate.unroll(totalVars[ud]);
    acc = t.chunkAccumulator;
    acc.compute_at(t.accumulator, lowered.rdom[0]);
    accDomain = t.chunkDomain;
  }
  if (t.packPanels) {
    Halide::Func b = t.matmulOperands[1];
    Halide::Func panel = b.in(acc);
    panel.compute_at(out, vo);
    Halide::Var pn = panel.args()[0], pk = panel.args()[1], pno("pno"), pni("pni"), pko("pko"), pki("pki");
    if (t.transposedPanels)
      panel.tile(pn, pk, pno, pko, pni, pki, kVector, kVector).vectorize(pni).unroll(pki);
    else
      panel.vectorize(pn, kVector);
  }
  auto accVars = pureVars(acc);
  Halide::Var av = vectorized ? accVars[halideDim(t.vectorDim)] : Halide::Var();
  Halide::Var au = accVars[ud];
  if (vectorized) {
    acc.vectorize(av, t.lanes);
    // The vector lane innermost in storage too, so each row of the tile is one dense register
    // (stored channel-innermost, a width-vectorized tile would be read and written by strided
    // gathers and scatters on every update).
    if (vd != 0) {
      std::vector<Halide::Var> storage{av};
      for (const Halide::Var& v : accVars)
        if (v.name() != av.name()) storage.push_back(v);
      acc.reorder_storage(storage);
    }
  }
  Halide::Stage update = acc.update();
  std::vector<Halide::VarOrRVar> inner;
  Halide::Var avo("avo"), avi("avi");
  if (vectorized) {
    update.split(av, avo, avi, t.lanes);
    inner.push_back(avi);
    inner.push_back(avo);
  }
  inner.push_back(au);
  for (int i = 0; i < accDomain.dimensions(); ++i) inner.push_back(accDomain[i]);
  update.reorder(inner);
  if (vectorized) update.vectorize(avi).unroll(avo);
  update.unroll(au);
}

}  // namespace

bool imagesInParallel(const Shape& shape) {
  return shape.size() >= 2 && shape.front() >= 2 && elementCount(shape) >= kParallelWork;
}

void scheduleRootDefault(LoweredNode& lowered, const Shape& outShape, bool parallel);

void scheduleRoot(LoweredNode& lowered, const Shape& outShape, bool parallel) {
  scheduleRootDefault(lowered, outShape, parallel);
  if (lowered.extraSchedule) lowered.extraSchedule();
}

void scheduleSiblings(Halide::Func& root, std::vector<Halide::Func>& siblings, const Shape& shape) {
  // Fused down to the loop over vectors (schedulePure's split keeps the name of the dimension it
  // splits; a dimension narrower than a vector is one vector), so each vector of the root and of
  // every sibling is computed in one loop body, where LLVM can share their loads and common
  // subexpressions. Fused only down to each row (the outermost loop), the nest made three passes
  // over every row of Adam's update and ran about 10 % slower (measured apart from graphc).
  for (Halide::Func& f : siblings) {
    f.compute_root();
    schedulePure(f, shape, true);
    f.compute_with(root, pureVars(root).front());
  }
}

void scheduleRootDefault(LoweredNode& lowered, const Shape& outShape, bool parallel) {
  for (Halide::Func& h : lowered.helpers) h.compute_root();
  if (lowered.hint == ScheduleHint::Custom) {
    lowered.customSchedule();
    return;
  }
  if (lowered.hint == ScheduleHint::Tiled) {
    scheduleTiled(lowered, outShape, parallel);
    return;
  }
  Halide::Func& f = lowered.func;
  f.compute_root();
  schedulePure(f, outShape, parallel);
  if (lowered.hint == ScheduleHint::Reduction) scheduleUpdate(f, lowered.rdom, outShape, parallel);
}

}  // namespace graphc
