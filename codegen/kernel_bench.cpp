// \file Per-kernel benchmarks and the peak-FMA yardstick.
#include "codegen/kernel_bench.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <random>
#include <sstream>

#include "codegen/host_target.h"
#include "codegen/lower_graph.h"
#include "codegen/lowering.h"
#include "codegen/program.h"
#include "kernels/device_runtime.h"
#include "support/atomic_file.h"

namespace graphc {

namespace {

// The forward node whose gradient rule made n, or n itself.
const Node& forwardOf(const Graph& graph, const Node& n) {
  return n.isGradient && n.gradientOf >= 0 ? graph.node(n.gradientOf) : n;
}

// An op as the layer tables of Keras tutorials say it: an add of a variable to a convolution or
// a matrix product is the bias.
std::string opWord(const Graph& graph, const Node& n) {
  if (n.op == Op::Conv2d) return "conv";
  if (n.op == Op::Add && n.inputs.size() == 2) {
    const Node &a = graph.node(n.inputs[0]), &b = graph.node(n.inputs[1]);
    auto product = [](const Node& p) { return p.op == Op::Conv2d || p.op == Op::Matmul; };
    if ((a.op == Op::Variable && product(b)) || (b.op == Op::Variable && product(a))) return "bias";
  }
  return opName(n.op);
}

std::string layerOf(const std::string& name) { return name.substr(0, name.find('/')); }

std::string sourceOf(const Graph& graph, const SourceLoc& loc) {
  std::string file = graph.file.substr(graph.file.find_last_of('/') + 1);
  return (file.empty() ? graph.modelName : file) + ":" + std::to_string(loc.line);
}

}  // namespace

std::string KernelOrigin::title() const {
  std::string t = layer.empty() ? ops : layer + ": " + ops;
  return source.empty() ? t : t + " (" + source + ")";
}

// The model variable a variable stands for: itself, or for an optimizer's slot
// (`adam/m/c1/kernel`, marked optimizer_slot) the variable it belongs to (`c1/kernel`), if any.
const Node& ownerOf(const Graph& graph, const Node& v) {
  if (!v.attrs.has("optimizer_slot")) return v;
  size_t second = v.name.find('/', v.name.find('/') + 1);
  int owner = second == std::string::npos ? -1 : graph.findByName(v.name.substr(second + 1));
  return owner >= 0 ? graph.node(owner) : v;
}

KernelOrigin kernelOrigin(const Graph& graph, const Kernel& kernel) {
  KernelOrigin o;
  bool gradient = false;
  for (int id : kernel.nodes) gradient |= graph.node(id).isGradient;
  // Long elementwise chains (an optimizer's update written out) by their first and last ops.
  constexpr size_t kOpsShown = 4;
  const std::vector<int>& nodes = kernel.nodes;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (nodes.size() > kOpsShown && i > 0 && i + 1 < nodes.size()) continue;
    o.ops += (o.ops.empty()                                       ? ""
              : nodes.size() > kOpsShown && i + 1 == nodes.size() ? "+...+"
                                                                  : "+") +
             opWord(graph, graph.node(nodes[i]));
  }
  if (nodes.size() > kOpsShown) o.ops += fmt::format(" ({} ops)", nodes.size());
  if (gradient) o.ops = "grad " + o.ops;
  // The line that wrote the root (or the nearest fused node that has one), and the layer that
  // line names (its conv2d and add are anonymous; its output and variables are named).
  std::vector<int> order(nodes.rbegin(), nodes.rend());  // root first
  SourceLoc loc;
  for (int id : order) {
    const Node& f = forwardOf(graph, graph.node(id));
    if (!loc.valid() && f.loc.valid()) loc = f.loc;
  }
  if (loc.valid()) {
    o.source = sourceOf(graph, loc);
    for (const Node& n : graph.nodes())
      if (n.loc.line == loc.line && !n.name.empty() && !n.isGradient) {
        o.layer = layerOf(n.name);
        return o;
      }
  }
  // Compiler-made nodes (an optimizer's updates) belong to the variable they read.
  for (int id : order)
    for (int in : graph.node(id).inputs) {
      const Node& v = graph.node(in);
      if (v.op != Op::Variable) continue;
      const Node& owner = ownerOf(graph, v);
      o.layer = layerOf(owner.name);
      if (owner.loc.valid()) o.source = sourceOf(graph, owner.loc);
      return o;
    }
  if (!graph.node(kernel.root).name.empty()) o.layer = layerOf(graph.node(kernel.root).name);
  return o;
}

double medianSeconds(const std::function<void()>& fn, int runs, double minSeconds) {
  fn();
  std::vector<double> t;
  for (int i = 0; i < runs; ++i) {
    auto start = std::chrono::steady_clock::now();
    double elapsed = 0;
    int calls = 0;
    do {
      fn();
      ++calls;
      elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    } while (elapsed < minSeconds);
    t.push_back(elapsed / calls);
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
  const Node& root = graph.node(kernel.root);
  KernelTiming t;
  t.name = opName(root.op) + "_" + std::to_string(root.id);
  t.flops = kernel.flops;
  t.bytes = kernel.bytes;
  // The root and its siblings, all stored by the kernel's loop nest.
  std::vector<Halide::Func> outputs;
  std::vector<Halide::Buffer<>> outs;
  std::vector<int> values{kernel.root};
  values.insert(values.end(), kernel.siblings.begin(), kernel.siblings.end());
  for (int id : values) {
    const Node& n = graph.node(id);
    Halide::Func f = lowered.output(id);
    declareShape(f.output_buffer(), bindBatch(n.shape, plan.batch));
    outputs.push_back(f);
    outs.push_back(allocateValue(n.dtype, bindBatch(n.shape, plan.batch)));
  }
  Halide::Pipeline pipeline(outputs);
  prepareDeviceRuntime(target);
  auto start = std::chrono::steady_clock::now();
  pipeline.compile_jit(target);
  t.compileSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  Halide::Realization realization(outs);
  t.medianMs = 1000 * medianSeconds(
                          [&]() {
                            pipeline.realize(realization, target);
                            for (Halide::Buffer<>& b : outs) b.device_sync();
                          },
                          runs);
  return t;
}

double measurePeakGflops() {
  // 12 independent accumulators per tile (enough to hide FMA latency), each updated `steps`
  // times: acc = acc * a + b. One register wide, as wide as the schedules use: 16 lanes where the
  // host has AVX-512 (on this machine's cores that is twice AVX2's throughput), else 8.
  Halide::Target target = jitTarget();
  const int kLanes = vectorLanes(target);
  constexpr int kChains = 12, kSteps = 2048, kTiles = 256;
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
  // Nearly the best of 200 runs of about a millisecond: a peak is what the machine can do, and
  // other processes only ever slow a run down. Short runs often find the cores free on a busy
  // machine (measured with 14 processes on 2 cores: 257 GFLOP/s, where the best of 25 runs of 10 ms
  // gave 113). The fifth fastest, not the fastest: once, at a session's start, one run timed 25
  // times too fast (a timing glitch of unknown cause) and 13,380 GFLOP/s was cached for a day.
  out.realize(buf, target);
  std::vector<double> seconds;
  for (int i = 0; i < 200; ++i) {
    auto start = std::chrono::steady_clock::now();
    out.realize(buf, target);
    seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::nth_element(seconds.begin(), seconds.begin() + 4, seconds.end());
  return 2.0 * kLanes * kChains * kSteps * kTiles / seconds[4] / 1e9;
}

double measureMemoryBandwidth() {
  Halide::Target target = jitTarget();
  constexpr int kRow = 1 << 16, kRows = 256;  // 16M floats: 64 MB each way
  Halide::Buffer<float> in(kRow, kRows), out(kRow, kRows);
  in.fill(1.0f);
  Halide::ImageParam source(Halide::Float(32), 2, "bandwidth_in");
  Halide::Var x("x"), y("y");
  Halide::Func copy("bandwidth_copy");
  copy(x, y) = source(x, y);
  copy.vectorize(x, vectorLanes(target)).parallel(y);
  copy.compile_jit(target);
  source.set(in);
  copy.realize(out, target);
  // The best run, as for the peak: other processes only ever slow a run down.
  double best = INFINITY;
  for (int i = 0; i < 20; ++i) {
    auto start = std::chrono::steady_clock::now();
    copy.realize(out, target);
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return 2.0 * sizeof(float) * kRow * kRows / best / 1e9;
}

std::optional<CachedPeak> readCachedPeak(const std::string& path) {
  std::ifstream in(path);
  CachedPeak p;
  bool gflops = false, cpu = false, threads = false, when = false;
  for (std::string line; std::getline(in, line);) {
    size_t space = line.find(' ');
    if (space == std::string::npos) return std::nullopt;
    std::string key = line.substr(0, space), value = line.substr(space + 1);
    try {
      if (key == "gflops") p.gflops = std::stod(value), gflops = true;
      if (key == "cpu") p.cpu = value, cpu = true;
      if (key == "threads") p.threads = std::stoi(value), threads = true;
      if (key == "measured_at") p.measuredAt = std::stoll(value), when = true;
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  if (!(gflops && cpu && threads && when && p.gflops > 0 && std::isfinite(p.gflops))) return std::nullopt;
  return p;
}

void writeCachedPeak(const std::string& path, const CachedPeak& p) {
  std::ostringstream text;
  text.precision(17);
  text << "gflops " << p.gflops << "\ncpu " << p.cpu << "\nthreads " << p.threads << "\nmeasured_at " << p.measuredAt
       << "\n";
  writeFileAtomically(path, text.str());
}

bool cachedPeakValid(const CachedPeak& p, const std::string& cpu, int threads, int64_t now) {
  constexpr int64_t kDay = 24 * 60 * 60;
  return p.cpu == cpu && p.threads == threads && now >= p.measuredAt && now - p.measuredAt < kDay;
}

Peak machinePeak(const std::string& cacheFile, const std::string& cpu, int threads, bool remeasure) {
  auto now = static_cast<int64_t>(std::time(nullptr));
  if (!cacheFile.empty() && !remeasure) {
    std::optional<CachedPeak> cached = readCachedPeak(cacheFile);
    if (cached && cachedPeakValid(*cached, cpu, threads, now)) return {cached->gflops, true};
  }
  Peak peak{measurePeakGflops(), false};
  if (!cacheFile.empty()) writeCachedPeak(cacheFile, {peak.gflops, cpu, threads, now});
  return peak;
}

}  // namespace graphc
