// \file Halide lowering of dropout. The mask is never stored: each element's keep bit is hashed
// from its row-major index, the session's step and the node's seed attribute (codegen/random_bits.h),
// so the gradient (dropout of the output gradient with the same seed) recomputes the same mask.
#include "codegen/lowering.h"
#include "codegen/random_bits.h"

namespace graphc {
namespace {

using Halide::Expr;
using Halide::Func;
using Halide::Var;

// Inputs x, keep_prob, training flag, step (scalars): x * mask / keep_prob while the flag is
// set, x otherwise.
LoweredNode lowerDropout(LowerContext& c) {
  uint32_t seed = static_cast<uint32_t>(c.node.attrs.getInt("seed"));
  Expr keep = c.inputs[1](), training = c.inputs[2]() > 0.5f;
  Expr step = Halide::cast<uint32_t>(c.inputs[3]());
  LoweredNode out;
  out.func = Func(c.name());
  defineFunc(out.func, c.outShape.size(), [&](const std::vector<Var>& v) {
    Expr flat = 0;
    for (size_t d = 0; d < v.size(); ++d) flat = flat * static_cast<int>(c.outShape[d]) + v[d];
    Expr kept = uniformFromBits(dropoutBits(Halide::cast<uint32_t>(flat), step, seed)) < keep;
    Expr x = at(c.inputs[0], toExprs(v));
    return Halide::select(training, Halide::select(kept, x / keep, 0.0f), x);
  });
  return out;
}

}  // namespace

void registerRandomLowerings(std::vector<std::pair<Op, LowerFn>>& t) { t.emplace_back(Op::Dropout, lowerDropout); }

}  // namespace graphc
