// \file Measuring generated code: each kernel of a fusion plan compiled and timed on its own, and
// the machine's peak FMA throughput, the yardstick for "percent of peak".
#pragma once

#include <Halide.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "codegen/host_target.h"
#include "ir/graph.h"
#include "passes/fusion.h"

namespace graphc {

// Where a kernel comes from, for people: the layer it computes (or computes the gradient of), the
// ops fused in it, and the line of the .mnn file that wrote the layer.
struct KernelOrigin {
  std::string layer;   // "c1"; "" for values the compiler made (optimizer counters)
  std::string ops;     // "conv+bias+relu", "grad conv2d_backprop_filter"
  std::string source;  // "lenet5.mnn:7"; "" when no line wrote it
  // "c1: conv+bias+relu (lenet5.mnn:7)"
  std::string title() const;
};
KernelOrigin kernelOrigin(const Graph& graph, const Kernel& kernel);

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
                             const Halide::Target& target = jitTarget());

// Fills a buffer with seeded random data: f32 in [-1, 1], i32 class ids in [0, 10), bools.
void fillRandom(Halide::Buffer<>& buffer, DType dtype, uint64_t seed);

// Median seconds of one call of fn over `runs` measurements (after one warm-up call). Each
// measurement repeats fn until at least minSeconds have passed and takes the mean, so a call
// far shorter than a scheduler tick (a batch-1 inference, 0.1 ms) is timed as ONNX Runtime's
// benchmarks time it, over many calls; minSeconds 0 times single calls.
double medianSeconds(const std::function<void()>& fn, int runs, double minSeconds = 0);

// Peak single-precision GFLOP/s of this machine on Halide's threads: a register-blocked FMA loop
// in Halide, the best of several runs (the one least slowed by other processes).
double measurePeakGflops();

// This machine's memory bandwidth in GB/s on Halide's threads: the best of several runs of a
// parallel, vectorized copy of a 64 MB buffer (far beyond the caches), bytes read plus written.
// The yardstick of memory-bound kernels (the GB/s column of `graphc bench`).
double measureMemoryBandwidth();

// A peak as `graphc bench` caches it: what it was measured for, and when (seconds since 1970).
struct CachedPeak {
  double gflops = 0;
  std::string cpu;
  int threads = 0;
  int64_t measuredAt = 0;
};
// The file's peak; nullopt when it is missing or not one (an older format, a torn write).
std::optional<CachedPeak> readCachedPeak(const std::string& path);
// Writes it atomically; a cache: when it cannot be written, the peak is measured again next time.
void writeCachedPeak(const std::string& path, const CachedPeak& peak);
// A cached peak serves for a day, on the CPU model and thread count it was measured for.
bool cachedPeakValid(const CachedPeak& peak, const std::string& cpu, int threads, int64_t now);

// The peak bench compares kernels with, and whether it came from the cache.
struct Peak {
  double gflops = 0;
  bool cached = false;
};
// The cache file's peak when valid for this CPU and thread count and remeasure is false; else
// measured now and cached (cacheFile "" for no cache).
Peak machinePeak(const std::string& cacheFile, const std::string& cpu, int threads, bool remeasure);

}  // namespace graphc
