// \file GPU schedules. A kernel's pure variables are fused, innermost first, into one flat index
// (consecutive threads touch consecutive elements, so loads coalesce) and split into blocks of
// kThreads threads. Register-blocked reductions (convolutions, matmul) keep their accumulators in
// registers: each thread owns a few consecutive outputs and runs the whole reduction over them.
// Matmul stages its operands in shared memory: per block of 64 x 16 outputs and per chunk of the
// reduction, the block's threads copy the chunk's tiles of both operands into shared memory
// once, then accumulate from there (a tile element is read from global memory once per block
// instead of once per thread). Smaller matmuls (tiny layers, reduction extents no chunk size
// divides) keep the unstaged schedule. Convolutions are not staged yet: they read global memory
// directly (through the cache), each thread owning 4 outputs.
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
  if (elements < kThreads)
    b.threads = static_cast<int>(elements);
  else if (elements % kThreads != 0)
    b.tail = pure ? Halide::TailStrategy::ShiftInwards : Halide::TailStrategy::GuardWithIf;
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
  if (vars.empty())
    f.gpu_single_thread();
  else
    flatGpuTile(f, vars, blocking(elements, true));
  for (int u = 0; u < f.num_update_definitions(); ++u) {
    Halide::Stage update = f.update(u);
    std::vector<Halide::Var> uvars = pureVarsOf(f, u + 1);
    if (uvars.empty())
      update.gpu_single_thread();
    else
      flatGpuTile(update, uvars, blocking(elements, false));
  }
}

namespace {

// A tiled reduction: each thread owns kPerThread consecutive outputs along the innermost
// dimension (when it divides), with the reduction loops outside them, so the thread's partial
// sums stay in registers and every operand value that does not depend on that dimension is
// loaded once for all of them.
constexpr int kPerThread = 4;

// Matmul staged through shared memory: the output is cut into blocks of kStageN x kStageM
// elements (kStageThreadsN x kStageM threads, kPerThread consecutive outputs each), the reduction
// into chunks of a few k. For each chunk the block copies the tiles of both operands that the
// chunk reads (kStageM x chunk of a, chunk x kStageN of b) into shared memory, spread over its
// threads, then every thread accumulates its outputs from there, in registers. Returns false
// (nothing scheduled) where that does not fit: the output smaller than one block (tiny layers),
// a reduction extent that no chunk size divides, or one Func as both operands.
constexpr int kStageN = 64, kStageM = 16;
constexpr int kStageThreadsN = kStageN / kPerThread;  // kStageThreadsN * kStageM == kThreads

int stageChunk(const Halide::RDom& r) {
  const int64_t* k = Halide::Internal::as_const_int(r[0].extent());
  if (r.dimensions() != 1 || !k) return 0;
  for (int chunk : {16, 8, 4})
    if (*k >= chunk && *k % chunk == 0) return chunk;
  return 0;
}

bool scheduleStagedMatmulGpu(LoweredNode& lowered, const Shape& shape) {
  const std::vector<Halide::Func>& operands = lowered.tile.matmulOperands;
  if (operands.size() != 2 || operands[0].name() == operands[1].name() || shape.size() != 2) return false;
  if (shape[1] < kStageN || shape[0] < kStageM) return false;
  int chunk = stageChunk(lowered.rdom);
  if (chunk == 0) return false;
  Halide::Func& out = lowered.func;
  Halide::Func acc = lowered.tile.accumulator;
  out.compute_root();
  std::vector<Halide::Var> vars = out.args();  // (n, m)
  // ShiftInwards keeps every block's region kStageN x kStageM, so the shared tiles and the
  // accumulator have constant sizes (the last block overlaps its neighbour instead of guarding).
  Halide::Var no("no"), mo("mo"), ni("ni"), mi("mi"), nt("nt"), nv("nv");
  out.tile(vars[0], vars[1], no, mo, ni, mi, kStageN, kStageM, Halide::TailStrategy::ShiftInwards)
      .split(ni, nt, nv, kPerThread)
      .reorder(nv, nt, mi, no, mo)
      .gpu_blocks(no, mo)
      .gpu_threads(nt, mi)
      .unroll(nv);
  // The accumulator lives per block, each thread's kPerThread elements in its registers.
  std::vector<Halide::Var> accVars = acc.args();
  Halide::Var tn("tn"), tv("tv");
  acc.compute_at(out, no).store_in(Halide::MemoryType::Register);
  acc.split(accVars[0], tn, tv, kPerThread).reorder(tv, tn, accVars[1]).gpu_threads(tn, accVars[1]).unroll(tv);
  Halide::RVar ro("ro"), ri("ri");
  acc.update()
      .split(lowered.rdom[0], ro, ri, chunk)
      .split(accVars[0], tn, tv, kPerThread)
      .reorder(tv, ri, tn, accVars[1], ro)
      .gpu_threads(tn, accVars[1])
      .unroll(tv);
  // Each chunk's operand tiles, copied by the block's threads as kStageThreadsN x kStageM tiles.
  for (const Halide::Func& operand : operands) {
    Halide::Func staged = Halide::Func(operand).in(acc);
    std::vector<Halide::Var> sv = staged.args();
    Halide::Var so("so"), to("to"), si("si"), ti("ti");
    staged.compute_at(acc, ro)
        .store_in(Halide::MemoryType::GPUShared)
        .tile(sv[0], sv[1], so, to, si, ti, kStageThreadsN, kStageM, Halide::TailStrategy::GuardWithIf)
        .gpu_threads(si, ti);
  }
  return true;
}

void scheduleTiledGpu(LoweredNode& lowered, const Shape& shape, int64_t elements) {
  if (scheduleStagedMatmulGpu(lowered, shape)) return;
  Halide::Func& out = lowered.func;
  Halide::Func acc = lowered.tile.accumulator;
  out.compute_root();
  std::vector<Halide::Var> vars = out.args();
  int64_t inner = shape.back();
  // A chunked reduction (TileSpec::chunkAccumulator): each chunk's tile is computed inside the
  // thread's loop over the chunks, into registers, and added to the thread's totals.
  Halide::Func chunkAcc = lowered.tile.chunkAccumulator;
  bool chunked = chunkAcc.defined();
  if (inner % kPerThread != 0 || elements / kPerThread < kThreads) {
    Halide::Var thread = flatGpuTile(out, vars, blocking(elements, true));
    acc.compute_at(out, thread);
    if (chunked) chunkAcc.compute_at(acc, lowered.rdom[0]);
    return;
  }
  Halide::Var io("io"), ii("ii");
  out.split(vars[0], io, ii, kPerThread).reorder(ii, io);
  std::vector<Halide::Var> outer = vars;
  outer[0] = io;
  Halide::Var thread = flatGpuTile(out, outer, blocking(elements / kPerThread, true));
  out.unroll(ii);
  acc.compute_at(out, thread);
  std::vector<Halide::Var> accVars = acc.args();
  acc.unroll(accVars[0]);
  std::vector<Halide::VarOrRVar> order = {accVars[0]};
  for (int i = 0; i < lowered.rdom.dimensions(); ++i) order.push_back(lowered.rdom[i]);
  for (size_t i = 1; i < accVars.size(); ++i) order.push_back(accVars[i]);
  acc.update().reorder(order).unroll(accVars[0]);
  if (!chunked) return;
  chunkAcc.compute_at(acc, lowered.rdom[0]);
  std::vector<Halide::Var> chunkVars = chunkAcc.args();
  chunkAcc.unroll(chunkVars[0]);
  std::vector<Halide::VarOrRVar> chunkOrder = {chunkVars[0]};
  for (int i = 0; i < lowered.tile.chunkDomain.dimensions(); ++i) chunkOrder.push_back(lowered.tile.chunkDomain[i]);
  for (size_t i = 1; i < chunkVars.size(); ++i) chunkOrder.push_back(chunkVars[i]);
  chunkAcc.update().reorder(chunkOrder).unroll(chunkVars[0]);
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
      for (Halide::Func& s : lowered.customStages) scheduleFuncGpu(s, s.name() == lowered.func.name() ? elements : 0);
      return;
    case ScheduleHint::Tiled:
      scheduleTiledGpu(lowered, outShape, elements);
      return;
    default:
      scheduleFuncGpu(lowered.func, elements);
  }
}

}  // namespace graphc
