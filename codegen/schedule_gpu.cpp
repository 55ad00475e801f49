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

// Fuses vars (innermost first) into one and splits it into blocks of threads; returns the thread
// variable. Names are short: they make up the kernel's name, which OpenCL implementations use in
// file names (PoCL's kernel cache), limited to 255 characters.
template <typename StageT>
Halide::Var flatGpuTile(StageT& stage, const std::vector<Halide::Var>& vars) {
  Halide::Var flat = vars[0];
  for (size_t i = 1; i < vars.size(); ++i) {
    Halide::Var fused("fused" + std::to_string(i));
    stage.fuse(flat, vars[i], fused);
    flat = fused;
  }
  Halide::Var block("block"), thread("thread");
  stage.gpu_tile(flat, block, thread, kThreads, Halide::TailStrategy::GuardWithIf);
  return thread;
}

}  // namespace

void scheduleFuncGpu(Halide::Func f) {
  f.compute_root();
  std::vector<Halide::Var> vars = pureVarsOf(f, 0);
  if (vars.empty()) f.gpu_single_thread();
  else flatGpuTile(f, vars);
  for (int u = 0; u < f.num_update_definitions(); ++u) {
    Halide::Stage update = f.update(u);
    std::vector<Halide::Var> uvars = pureVarsOf(f, u + 1);
    if (uvars.empty()) update.gpu_single_thread();
    else flatGpuTile(update, uvars);
  }
}

namespace {

// A tiled reduction: one thread per output element; its accumulator (the pure init and the
// update over the reduction domain) lives in registers inside the thread.
void scheduleTiledGpu(LoweredNode& lowered) {
  Halide::Func& out = lowered.func;
  out.compute_root();
  Halide::Var thread = flatGpuTile(out, out.args());
  lowered.tile.accumulator.compute_at(out, thread);
}

}  // namespace

void scheduleRootGpu(LoweredNode& lowered, const Shape& /*outShape*/) {
  for (Halide::Func& h : lowered.helpers) scheduleFuncGpu(h);
  switch (lowered.hint) {
    case ScheduleHint::Custom:
      for (Halide::Func& s : lowered.customStages) scheduleFuncGpu(s);
      return;
    case ScheduleHint::Tiled:
      scheduleTiledGpu(lowered);
      return;
    default:
      scheduleFuncGpu(lowered.func);
  }
}

}  // namespace graphc
