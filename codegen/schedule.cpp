// \file CPU schedules: every root Func vectorizes its innermost dimension by the AVX2 float width
// and runs its outermost dimension in parallel; reductions keep the vector lane innermost so that
// each reduction step is one vector FMA, and convolutions too narrow in channels vectorize width.
#include "codegen/schedule.h"

namespace graphc {
namespace {

constexpr int kVector = 8;  // floats in an AVX2 register

// The Func's pure variables, innermost first (Halide order), with their extents.
std::vector<Halide::Var> pureVars(Halide::Func& f) {
  std::vector<Halide::Var> vars;
  for (const Halide::Var& v : f.args()) vars.push_back(v);
  return vars;
}

void schedulePure(Halide::Func& f, const Shape& shape) {
  auto vars = pureVars(f);
  size_t rank = vars.size();
  if (rank == 0) return;
  if (shape.back() >= kVector) f.vectorize(vars[0], kVector);
  if (rank >= 2 && shape.front() >= 2) f.parallel(vars[rank - 1]);
}

// The update loops: vecVar innermost, then the reduction, then the other pure variables.
void scheduleUpdate(Halide::Func& f, const Halide::RDom& r, const Shape& shape, size_t vecDim) {
  auto vars = pureVars(f);
  size_t rank = vars.size();
  if (rank == 0) return;
  std::vector<Halide::VarOrRVar> order;
  order.push_back(vars[vecDim]);
  for (int i = 0; i < r.dimensions(); ++i) order.push_back(r[i]);
  for (size_t i = 0; i < rank; ++i)
    if (i != vecDim) order.push_back(vars[i]);
  auto update = f.update();
  update.reorder(order);
  int64_t vecExtent = shape[shape.size() - 1 - vecDim];
  if (vecExtent >= kVector) update.vectorize(vars[vecDim], kVector, Halide::TailStrategy::GuardWithIf);
  if (rank >= 2 && shape.front() >= 2 && vecDim != rank - 1) update.parallel(vars[rank - 1]);
}

}  // namespace

void scheduleRoot(LoweredNode& lowered, const Shape& outShape) {
  Halide::Func& f = lowered.func;
  f.compute_root();
  schedulePure(f, outShape);
  if (lowered.hint == ScheduleHint::Reduction) {
    scheduleUpdate(f, lowered.rdom, outShape, 0);
  } else if (lowered.hint == ScheduleHint::Convolution) {
    // Output [N, H, W, C] -> Func(c, w, h, n): vectorize channels when there are enough, else width.
    size_t vecDim = outShape.back() >= kVector ? 0 : 1;
    scheduleUpdate(f, lowered.rdom, outShape, vecDim);
  }
  for (Halide::Func& h : lowered.helpers) h.compute_root();
}

}  // namespace graphc
