// \file Measuring generated code: each kernel of a fusion plan compiled and timed on its own, and
// the machine's peak FMA throughput, the yardstick for "percent of peak".
#pragma once

#include <Halide.h>

#include <functional>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "passes/fusion.h"

namespace graphc {

struct KernelTiming {
  std::string name;
  double medianMs = 0;
  double flops = 0, bytes = 0;
  double compileSeconds = 0;
};

// Compiles kernel k of the plan as a pipeline of its own (the values it reads from other kernels
// and sources become inputs filled with seeded random data) and times `runs` executions on the
// target (on a GPU target, until the device has finished).
KernelTiming benchmarkKernel(const Graph& graph, const FusionPlan& plan, size_t k, int runs,
                             const Halide::Target& target = Halide::get_jit_target_from_environment());

// Fills a buffer with seeded random data: f32 in [-1, 1], i32 class ids in [0, 10), bools.
void fillRandom(Halide::Buffer<>& buffer, DType dtype, uint64_t seed);

// Median seconds of `runs` calls of fn (after one warm-up call).
double medianSeconds(const std::function<void()>& fn, int runs);

// Peak single-precision GFLOP/s of this machine on all threads: a register-blocked FMA loop in
// Halide. Measured once and cached in cacheFile (when not empty); later calls read the cache.
double measurePeakGflops(const std::string& cacheFile);

}  // namespace graphc
