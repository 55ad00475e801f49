// \file Reductions over many terms, accumulated in fixed-size chunks: float32 partial sums of at
// most kReductionChunk terms each, computed in parallel, then added in float64 (on GPU targets,
// a tree of float32 partial sums of fan-in kGpuReductionFanIn). The chunks are fixed by the shape alone, never by the
// thread count, so a result is the same bit for bit on any number of threads.
#pragma once

#include "codegen/lowering.h"

namespace graphc {

// Terms per chunk: a sequential float32 sum of 64 terms is off by at most 63 half-ulps, and
// typically by a few: together with the float64 sum of the partials, a sum of 50,000 terms
// stays within 1e-6 relative of the exact one, where one float32 accumulator drifts by 1e-5
// (tests/kernels/test_numerics.cpp).
constexpr int64_t kReductionChunk = 64;

// GPU targets: a tree of fan-in 16 instead (a thread per partial at every level, then at most
// 16 partials per output on one thread), so no thread adds more than 16 values in sequence.
constexpr int64_t kGpuReductionFanIn = 16;

enum class ReduceOp { Sum, Max, Min, Prod };

struct LongReduction {
  Halide::Func result;                // the reduced value, of the output's rank
  std::vector<Halide::Func> helpers;  // stages to compute at root (the chunk partials)
  std::function<void()> schedule;     // their CPU schedule: vectorized and parallel
};

// The term of the reduction at an output position (one Var per output dimension, user order)
// and a reduced position (one Expr per reduced extent, outer first).
using ReductionTerm = std::function<Halide::Expr(const std::vector<Halide::Var>&, const std::vector<Halide::Expr>&)>;

// result(out) = finish(op over every reduced position of term(out, red)), of `type` (the terms'
// type). extents are the reduced extents, outer first (the last one varies fastest in memory);
// outShape is the result's shape. finish (optional) gets the combined value in the type the
// partials are combined in (float64 for a float sum or product on the CPU) and its result is cast to type.
// Reductions of up to kReductionChunk terms are one plain Halide reduction.
LongReduction longReduction(const std::string& name, const Shape& outShape, const std::vector<int64_t>& extents,
                            Halide::Type type, ReduceOp op, const LowerContext& context, const ReductionTerm& term,
                            const std::function<Halide::Expr(Halide::Expr)>& finish = nullptr);

// Adds r's helpers to out's and chains r's schedule after out's extraSchedule.
void addReduction(LoweredNode& out, const LongReduction& r);

}  // namespace graphc
