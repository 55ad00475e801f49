// \file lowerAndSchedule: each node through its op's lowering (codegen/lowering.h), each kernel
// root through the CPU or GPU schedule.
#include "codegen/lower_graph.h"

#include "codegen/lowering.h"
#include "codegen/program.h"
#include "codegen/schedule.h"
#include "codegen/schedule_gpu.h"
#include "ir/op_table.h"
#include "support/diagnostics.h"

namespace graphc {

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
        scheduleRoot(scheduled, shape, !perImage);
        scheduleSiblings(scheduled.func, siblings, shape);
        if (perImage) perImageOf[pool->second].push_back(scheduled.func);
        // Inside the pool's loop over images (its outermost, the parallel one).
        for (Halide::Func& producer : perImageOf[id]) producer.compute_at(scheduled.func, scheduled.func.args().back());
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
