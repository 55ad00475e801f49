// \file Per-kernel benchmarks and the peak-FMA yardstick.
#include "codegen/kernel_bench.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <random>
#include <sstream>

#include "codegen/lower_graph.h"
#include "codegen/lowering.h"
#include "codegen/program.h"
#include "kernels/device_runtime.h"
#include "support/atomic_file.h"

namespace graphc {

double medianSeconds(const std::function<void()>& fn, int runs) {
  fn();
  std::vector<double> t;
  for (int i = 0; i < runs; ++i) {
    auto start = std::chrono::steady_clock::now();
    fn();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

void fillRandom(Halide::Buffer<>& b, DType dtype, uint64_t seed) {
  std::mt19937 rng(static_cast<uint32_t>(seed));
  size_t n = b.number_of_elements();
  if (dtype == DType::F32) {
    float* p = static_cast<float*>(b.data());
    for (size_t i = 0; i < n; ++i) p[i] = static_cast<float>(rng() % 2001) / 1000.0f - 1.0f;
  } else if (dtype == DType::I32) {
    int32_t* p = static_cast<int32_t*>(b.data());
    for (size_t i = 0; i < n; ++i) p[i] = static_cast<int32_t>(rng() % 10);  // class ids
  } else {
    bool* p = static_cast<bool*>(b.data());
    for (size_t i = 0; i < n; ++i) p[i] = rng() % 2;
  }
}

KernelTiming benchmarkKernel(const Graph& graph, const FusionPlan& plan, size_t k, int runs,
                             const Halide::Target& target) {
  const Kernel& kernel = plan.kernels.at(k);
  std::vector<Halide::ImageParam> params;
  std::vector<Halide::Buffer<>> buffers;
  // Values read from other kernels or sources: inputs filled with seeded random data.
  ExternalValue randomInput = [&](const Node& p, const Shape& shape) {
    Halide::ImageParam param(halideType(p.dtype), static_cast<int>(shape.size()), "in_" + std::to_string(p.id));
    declareShape(param, shape);  // as the program does
    Halide::Buffer<> buf = allocateValue(p.dtype, shape);
    fillRandom(buf, p.dtype, static_cast<uint64_t>(p.id));
    buf.set_host_dirty();
    param.set(buf);
    params.push_back(param);
    buffers.push_back(buf);
    Halide::Func f("src_" + std::to_string(p.id));
    defineFunc(f, shape.size(), [&](const std::vector<Halide::Var>& v) { return at(param, toExprs(v)); });
    return f;
  };
  LoweredGraph lowered = lowerAndSchedule(graph, kernel.nodes, {kernel}, plan.batch, target, randomInput);
  Halide::Func rootFunc = lowered.funcs.at(kernel.root);
  const Node& root = graph.node(kernel.root);
  KernelTiming t;
  t.name = opName(root.op) + "_" + std::to_string(root.id);
  t.flops = kernel.flops;
  t.bytes = kernel.bytes;
  declareShape(rootFunc.output_buffer(), bindBatch(root.shape, plan.batch));
  Halide::Pipeline pipeline(rootFunc);
  prepareDeviceRuntime(target);
  auto start = std::chrono::steady_clock::now();
  pipeline.compile_jit(target);
  t.compileSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  Halide::Buffer<> out = allocateValue(root.dtype, bindBatch(root.shape, plan.batch));
  t.medianMs = 1000 * medianSeconds(
                          [&]() {
                            pipeline.realize(out, target);
                            out.device_sync();
                          },
                          runs);
  return t;
}

double measurePeakGflops(const std::string& cacheFile) {
  if (!cacheFile.empty()) {
    std::ifstream in(cacheFile);
    double cached = 0;
    if (in >> cached && cached > 0) return cached;
  }
  // 12 independent accumulators per tile (enough to hide FMA latency), each updated `steps`
  // times: acc = acc * a + b. One register wide, as wide as the schedules use: 16 lanes where the
  // host has AVX-512 (on this machine's cores that is twice AVX2's throughput), else 8.
  Halide::Target target = Halide::get_jit_target_from_environment();
  const int kLanes = vectorLanes(target);
  constexpr int kChains = 12, kSteps = 16384, kTiles = 256;
  Halide::Var x("x"), y("y"), t("t");
  Halide::RDom r(0, kSteps);
  Halide::Func acc("peak_acc"), out("peak");
  acc(x, y, t) = Halide::cast<float>(x + y) * 0.001f;
  // The select names r so that this update runs over it; the simplifier then removes it.
  acc(x, y, t) = Halide::select(r.x < kSteps, acc(x, y, t) * 0.9999f + 0.0001f, acc(x, y, t));
  acc.update().reorder(x, y, r, t);
  out(x, y, t) = acc(x, y, t);
  out.bound(x, 0, kLanes).bound(y, 0, kChains).bound(t, 0, kTiles);
  out.compute_root().parallel(t).vectorize(x).unroll(y);
  acc.compute_at(out, t).vectorize(x).unroll(y);
  acc.update().vectorize(x).unroll(y);
  Halide::Buffer<float> buf(kLanes, kChains, kTiles);
  out.compile_jit(target);
  double seconds = medianSeconds([&]() { out.realize(buf, target); }, 9);
  double gflops = 2.0 * kLanes * kChains * kSteps * kTiles / seconds / 1e9;
  if (!cacheFile.empty()) {
    std::ostringstream text;
    text << gflops << "\n";
    writeFileAtomically(cacheFile, text.str());  // a cache: when it cannot be written, it is measured again next time
  }
  return gflops;
}

}  // namespace graphc
