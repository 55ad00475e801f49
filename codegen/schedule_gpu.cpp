// \file GPU schedules. A kernel's pure variables are fused, innermost first, into one flat index
// (consecutive threads touch consecutive elements, so loads coalesce) and split into blocks of
// kThreads threads. Register-blocked reductions (convolutions, matmul) keep their accumulator in
// registers: each thread owns a small tile of outputs along the vectorized dimension and runs the
// whole reduction over it, the operands staged through the block's shared memory where a tile
// of them is reused by the block's threads.
#include "codegen/schedule_gpu.h"

#include <algorithm>

namespace graphc {
namespace {

constexpr int kThreads = 256;  // threads per block: a multiple of the warp size, within every limit

// The pure variables of definition `stage` of f (0: the pure one; i: update i-1), in order.
std::vector<Halide::Var> pureVarsOf(Halide::Func& f, int stage) {
  std::vector<Halide::Var> vars;
  std::vector<Halide::Var> args = f.args();
  if (stage == 0) return args;
  std::vector<Halide::Expr> updateArgs = f.update_args(stage - 1);
  for (size_t k = 0; k < args.size() && k < updateArgs.size(); ++k) {
    const Halide::Internal::Variable* v = updateArgs[k].as<Halide::Internal::Variable>();
    if (v && v->name == args[k].name()) vars.push_back(args[k]);
  }
  return vars;
}

// How a definition's flat index is cut into blocks: threads per block and the tail strategy.
// The tail matters beyond the edge: Funcs computed inside a thread (the accumulator of a tiled
// reduction, Halide's inline reductions) get registers only when Halide can prove each thread
// needs one element of them, and the clamps of GuardWithIf on a fused index defeat that proof
// (Halide then sizes a global scratch buffer by a loop on the host before every launch). Exact
// splits (RoundUp of a multiple) and ShiftInwards keep every thread at one point.
struct Blocking {
  int threads = kThreads;
  Halide::TailStrategy tail = Halide::TailStrategy::RoundUp;
};

// elements: the Func's element count when known (a root Func: its realized region is its shape,
// pipeline outputs included), 0 for an internal Func (a helper), whose region is whatever its
// consumers need: rounding it up would make it read beyond the regions of its producers.
Blocking blocking(int64_t elements, bool pure) {
  Blocking b;
  if (elements <= 0) return {kThreads, Halide::TailStrategy::GuardWithIf};  // never beyond its region
  if (elements < kThreads) b.threads = static_cast<int>(elements);
  else if (elements % kThreads != 0) b.tail = pure ? Halide::TailStrategy::ShiftInwards : Halide::TailStrategy::GuardWithIf;
  return b;
}

// Fuses vars (innermost first) into one and splits it into blocks of threads; returns the thread
// variable. Names are short: they make up the kernel's name, which OpenCL implementations use in
// file names (PoCL's kernel cache), limited to 255 characters.
template <typename StageT>
Halide::Var flatGpuTile(StageT& stage, const std::vector<Halide::Var>& vars, Blocking b) {
  Halide::Var flat = vars[0];
  for (size_t i = 1; i < vars.size(); ++i) {
    Halide::Var fused("fused" + std::to_string(i));
    stage.fuse(flat, vars[i], fused);
    flat = fused;
  }
  Halide::Var block("block"), thread("thread");
  stage.gpu_tile(flat, block, thread, b.threads, b.tail);
  return thread;
}

}  // namespace

void scheduleFuncGpu(Halide::Func f, int64_t elements) {
  f.compute_root();
  std::vector<Halide::Var> vars = pureVarsOf(f, 0);
  if (vars.empty()) f.gpu_single_thread();
  else flatGpuTile(f, vars, blocking(elements, true));
  for (int u = 0; u < f.num_update_definitions(); ++u) {
    Halide::Stage update = f.update(u);
    std::vector<Halide::Var> uvars = pureVarsOf(f, u + 1);
    if (uvars.empty()) update.gpu_single_thread();
    else flatGpuTile(update, uvars, blocking(elements, false));
  }
}

namespace {

// A tiled reduction: one thread per output element; its accumulator (the pure init and the
// update over the reduction domain) lives in registers inside the thread.
void scheduleTiledGpu(LoweredNode& lowered, int64_t elements) {
  Halide::Func& out = lowered.func;
  out.compute_root();
  Halide::Var thread = flatGpuTile(out, out.args(), blocking(elements, true));
  lowered.tile.accumulator.compute_at(out, thread);
}

}  // namespace

void scheduleRootGpu(LoweredNode& lowered, const Shape& outShape) {
  int64_t elements = 1;
  for (int64_t d : outShape) elements *= d;
  // The region of a root node is its whole shape: constant loop bounds let Halide prove that a
  // thread needs one element of the Funcs computed inside it.
  std::vector<Halide::Var> args = lowered.func.args();
  for (size_t i = 0; i < args.size(); ++i)
    lowered.func.bound(args[i], 0, static_cast<int>(outShape[outShape.size() - 1 - i]));
  for (Halide::Func& h : lowered.helpers) scheduleFuncGpu(h, 0);
  switch (lowered.hint) {
    case ScheduleHint::Custom:
      for (Halide::Func& s : lowered.customStages)
        scheduleFuncGpu(s, s.name() == lowered.func.name() ? elements : 0);
      return;
    case ScheduleHint::Tiled:
      scheduleTiledGpu(lowered, elements);
      return;
    default:
      scheduleFuncGpu(lowered.func, elements);
  }
}

}  // namespace graphc
