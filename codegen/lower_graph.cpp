// \file lowerAndSchedule: each node through its op's lowering (codegen/lowering.h), each kernel
// root through the CPU or GPU schedule.
#include "codegen/lower_graph.h"

#include <algorithm>

#include "codegen/lowering.h"
#include "codegen/program.h"
#include "codegen/schedule.h"
#include "codegen/schedule_gpu.h"
#include "ir/op_table.h"
#include "support/diagnostics.h"

namespace graphc {
namespace {

// How many rows (dim 1) or columns (dim 2) of its input a pooling node's windows read: a 2x2 / 2
// pool of an 11-wide map reads 10 columns, so the input's last column is never used.
int64_t pooledExtent(const Node& pool, const Shape& in, const Shape& out, size_t dim) {
  auto size = pool.attrs.getInts("size");
  auto strides = pool.attrs.getInts("strides");
  int64_t pad = pool.attrs.getInt(dim == 1 ? "pad_top" : "pad_left");
  return std::min(in[dim], (out[dim] - 1) * strides[dim - 1] + size[dim - 1] - pad);
}

// The register tile of a convolution computed per image inside a pool (vectors of output
// channels by a run of columns), fitted to the columns the pool reads (pooledExtent): the fewest
// columns computed (the loop is bound by its multiply-adds; shifted-inward tiles recompute
// columns), then the fewest loads per multiply-add, among the tiles that load at most 3 operands
// per 4 multiply-adds when there are any (a single vector of channels loads about one per FMA and
// runs at a third of the rate). tf_cnn's second convolution (64 channels, 10 of 11 columns read)
// gets 4 vectors by 5 columns, 9 loads per 20 FMAs, where registerTile's 2 by 11 loaded 13 per 22
// and computed a column no window reads; mnist_deep's first (32 channels, 28 columns) gets 4
// tiles of 2 by 7, where 3 of 2 by 10 computed 30 columns.
void fitTileToPool(TileSpec& tile, const Node& pool, const Shape& shape, const Shape& pooled, int lanes) {
  if (tile.vectorDim != 3 || tile.unrollDim != 2 || tile.lanes != lanes || shape[3] % lanes != 0) return;
  int64_t columns = pooledExtent(pool, shape, pooled, 2);
  int accumulators = lanes == 16 ? 24 : 12;  // as registerTile's
  struct Candidate {
    int vectors = 0;
    int64_t rows = 0, computed = 0;
    double loadsPerFma = 0;
    bool fewLoads() const { return loadsPerFma <= 0.75; }
  };
  Candidate best;
  for (int vectors = 1; vectors <= 4 && vectors * lanes <= shape[3]; ++vectors) {
    if (shape[3] % (vectors * lanes) != 0) continue;
    for (int64_t rows = 1; rows <= std::min<int64_t>(columns, accumulators / vectors); ++rows) {
      Candidate c{vectors, rows, (columns + rows - 1) / rows * rows,
                  static_cast<double>(vectors + rows) / static_cast<double>(vectors * rows)};
      bool better = best.vectors == 0 || (c.fewLoads() && !best.fewLoads()) ||
                    (c.fewLoads() == best.fewLoads() &&
                     (c.computed < best.computed || (c.computed == best.computed && c.loadsPerFma < best.loadsPerFma)));
      if (better) best = c;
    }
  }
  if (best.vectors == 0) return;
  tile.vectorTile = best.vectors * lanes;
  tile.unrollTile = static_cast<int>(best.rows);
}

// Whether a pooling node's windows never share an input row (2x2 windows at stride 2).
bool rowWindowsDisjoint(const Node& pool) { return pool.attrs.getInts("size")[0] <= pool.attrs.getInts("strides")[0]; }

}  // namespace

LoweredGraph lowerAndSchedule(const Graph& graph, const std::vector<int>& nodes, const std::vector<Kernel>& kernels,
                              int64_t batch, const Halide::Target& target, const ExternalValue& external) {
  bool gpu = isGpuTarget(target);
  LoweredGraph out;
  std::map<int, int> anchorOf;               // kernel root -> its fused tiled producer, or -1
  std::map<int, LoweredNode> anchorLowered;  // by producer: its lowering, once lowered
  std::map<int, int> siblingOf;              // a kernel's sibling -> the kernel's root
  std::map<int, int> perImageIn;             // a kernel computed per image -> the pooling kernel's root
  for (const Kernel& k : kernels) {
    anchorOf[k.root] = k.anchor;
    if (k.anchor >= 0) anchorLowered[k.anchor] = {};
    for (int s : k.siblings) siblingOf[s] = k.root;
  }
  // Per-image fusion (passes/fusion.h) on CPU targets, when the pool is among the kernels (a
  // benchmarked kernel is scheduled alone, at root) and runs its images in parallel.
  for (const Kernel& k : kernels)
    if (!gpu && k.perImageIn >= 0 && anchorOf.count(k.perImageIn) &&
        imagesInParallel(bindBatch(graph.node(k.perImageIn).shape, batch)))
      perImageIn[k.root] = k.perImageIn;
  std::map<int, std::vector<Halide::Func>> perImageOf;  // by pooling kernel root: the kernels it computes
  std::map<int, std::vector<Halide::Func>> storedOf;    // by kernel root: its siblings' stored Funcs
  // The Func of a value that is not lowered through the op table, made when first needed.
  auto valueOf = [&](int id) -> Halide::Func {
    auto it = out.funcs.find(id);
    if (it != out.funcs.end()) return it->second;
    const Node& n = graph.node(id);
    Shape shape = bindBatch(n.shape, batch);
    Halide::Func f;
    if (n.op == Op::Constant) {
      f = Halide::Func("const_" + std::to_string(id));
      Halide::Expr value = Halide::cast(halideType(n.dtype), Halide::Expr(n.attrs.getFloat("value")));
      defineFunc(f, shape.size(), [&](const std::vector<Halide::Var>&) { return value; });
    } else {
      f = external(n, shape);
    }
    return out.funcs[id] = f;
  };
  for (int id : nodes) {
    const Node& n = graph.node(id);
    if (isSource(n.op)) {
      valueOf(id);
      continue;
    }
    Shape shape = bindBatch(n.shape, batch);
    LowerContext ctx{n, {}, {}, shape, batch, vectorLanes(target), gpu};
    for (int in : n.inputs) {
      ctx.inputs.push_back(valueOf(in));
      ctx.inputShapes.push_back(bindBatch(graph.node(in).shape, batch));
    }
    const LowerFn* lower = findLowering(n.op);
    internalCheck(lower != nullptr, "codegen", "no Halide lowering for op '" + opName(n.op) + "'");
    LoweredNode lowered = (*lower)(ctx);
    if (anchorLowered.count(id)) anchorLowered[id] = lowered;
    // A scalar fused into a larger kernel (Adam's bias corrections: two exp per step) is computed
    // once, before the kernel's loops; inlined, it is recomputed for every vector of the output
    // (Halide does not hoist it), which made a 3.2 M-weight Adam update compute-bound. On a GPU
    // it stays inlined: computing it apart would run it on the host.
    bool fusedScalar = shape.empty() && !anchorOf.count(id) && !siblingOf.count(id) && !anchorLowered.count(id);
    if (!gpu && fusedScalar && lowered.hint == ScheduleHint::Pointwise && lowered.helpers.empty())
      lowered.func.compute_root();
    if (auto root = siblingOf.find(id); root != siblingOf.end()) {
      internalCheck(lowered.hint == ScheduleHint::Pointwise && lowered.helpers.empty(), "codegen",
                    "sibling " + lowered.func.name() + " is not a plain map");
      Halide::Func store(lowered.func.name() + "_stored");
      store(lowered.func.args()) = lowered.func(lowered.func.args());
      out.stored[id] = store;
      storedOf[root->second].push_back(store);
    }
    if (auto kernel = anchorOf.find(id); kernel != anchorOf.end()) {
      LoweredNode scheduled = kernel->second < 0 ? lowered : withAnchor(lowered, anchorLowered.at(kernel->second));
      std::vector<Halide::Func>& siblings = storedOf[id];
      if (gpu) {
        scheduleRootGpu(scheduled, shape);
        for (Halide::Func& f : siblings) scheduleFuncGpu(f, numElements(shape, batch));
      } else {
        auto pool = perImageIn.find(id);
        // Not when the tile's rows are images (lower_nn.cpp's imageRows).
        bool perImage = pool != perImageIn.end() && scheduled.hint != ScheduleHint::Custom &&
                        !(scheduled.hint == ScheduleHint::Tiled && scheduled.tile.unrollDim == 0 && shape.size() > 2);
        if (perImage && scheduled.hint == ScheduleHint::Tiled) {
          const Node& poolNode = graph.node(pool->second);
          fitTileToPool(scheduled.tile, poolNode, shape, bindBatch(poolNode.shape, batch), ctx.lanes);
        }
        scheduleRoot(scheduled, shape, !perImage);
        scheduleSiblings(scheduled.func, siblings, shape);
        if (perImage) perImageOf[pool->second].push_back(scheduled.func);
        // Inside the pool's loop over images (its outermost, the parallel one), or, when the pool's
        // windows do not overlap along rows, inside its loop over output rows: the producer's rows
        // for one pooled row stay in L1 (a 26x26x32 image is 86 KB, two of its rows 6.6 KB).
        for (Halide::Func& producer : perImageOf[id]) {
          std::vector<Halide::Var> poolVars = scheduled.func.args();
          bool byRows = rowWindowsDisjoint(n);
          producer.compute_at(scheduled.func, poolVars[poolVars.size() - (byRows ? 2 : 1)]);
        }
      }
      out.kernelNames.push_back(lowered.func.name());
    }
    out.funcs[id] = lowered.func;
  }
  return out;
}

Halide::Func LoweredGraph::output(int id) const {
  auto it = stored.find(id);
  return it != stored.end() ? it->second : funcs.at(id);
}

}  // namespace graphc
