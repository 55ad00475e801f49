// \file `graphc bench`: every kernel of the train step timed on its own against the machine's
// measured peak, then the whole train step and the inference pass.
#include <fmt/core.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "codegen/kernel_bench.h"
#include "codegen/program.h"
#include "driver/pipeline.h"
#include "kernels/kernel_cache.h"
#include "runtime/progress_bar.h"
#include "runtime/session.h"
#include "runtime/trainer.h"
#include "support/diagnostics.h"
#include "support/host_cpu.h"
#include "tools/verbs.h"

namespace graphc {
namespace {

// The kernel cache's folder (cli.md), created if missing; "" when there is no home.
std::string cacheDir() {
  std::string dir = defaultCacheDirectory();
  if (dir.empty()) return "";
  // mkdir -p: create each missing parent in turn (existing ones fail harmlessly).
  for (size_t i = 0; i <= dir.size(); ++i)
    if (i == dir.size() || (dir[i] == '/' && i > 0)) ::mkdir(dir.substr(0, i).c_str(), 0755);
  return dir;
}

// Each measurement of the whole step or inference pass lasts at least this long (many calls at batch 1).
constexpr double kMinMeasurementSeconds = 0.05;

// Median seconds of one run of the fetches at this batch, every placeholder fed random data.
double timeProgram(const Graph& graph, const std::vector<int>& fetches, int64_t batch, int runs, double* compile,
                   const CompileOptions& options) {
  Session session(graph, 0, options);
  for (int id : reachableFrom(graph, fetches)) {
    const Node& n = graph.node(id);
    if (n.op != Op::Placeholder) continue;
    Halide::Buffer<> b = allocateValue(n.dtype, bindBatch(n.shape, batch));
    fillRandom(b, n.dtype, static_cast<uint64_t>(id));
    if (n.shape.empty() && n.dtype == DType::F32) b = scalarValue(DType::F32, n.attrs.getFloat("default", 0.001));
    session.feed(id, b);
  }
  session.run(fetches, batch);
  *compile = session.compileSeconds();
  // Fetching the first output to the host waits for the device to finish (GPU targets); the
  // variables' next values stay where they are, as in training.
  return medianSeconds([&]() { session.run(fetches, batch, 1); }, runs, kMinMeasurementSeconds);
}

// The kernel measurements of one bench run, with what the table and --json show of each.
struct KernelRow {
  KernelOrigin origin;
  std::string kernel;  // the kernel's name in dumps (relu_6)
  KernelTiming t;
  double gflops() const { return t.flops / (t.medianMs * 1e6); }
  double gbPerSecond() const { return t.bytes / (t.medianMs * 1e6); }
};

// The number of threads kernels run on: --threads (HL_NUM_THREADS), else every core.
int benchThreads() {
  const char* threads = std::getenv("HL_NUM_THREADS");
  int n = threads ? std::atoi(threads) : 0;
  return n > 0 ? n : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

}  // namespace

int benchVerb(const std::vector<std::string>& args) {
  VerbFlags flags("bench", "graphc bench FILE.mnn [--batch N] [--infer-batch N] [--runs N] [--threads N] [--json]",
                  "Compiles every kernel of the train step on its own (inputs filled with random data) and prints\n"
                  "its median time, its share of the kernels' total, estimated FLOPs, GFLOP/s, percent of the\n"
                  "machine's peak, bytes moved and GB/s, and its compile time, slowest first, each named by its\n"
                  "layer, its ops and its source line; then the whole train step (images/s at --batch, default the\n"
                  "train block's) and the inference pass (images/s at --infer-batch, default 1000).\n"
                  "The peak is the FMA throughput of a register-blocked loop, cached in $GRAPHC_CACHE or\n"
                  "~/.cache/graphc for a day, for one CPU model and thread count; measured again when a kernel\n"
                  "runs faster than a cached peak (the header says so if one still does).\n"
                  "The header also gives the memory bandwidth, the GB/s column's yardstick: the best of 20\n"
                  "parallel copies of 64 MB (bytes read plus written), measured every run.",
                  "Kernels are compiled afresh (their compile times are measured): --no-cache is implied,\n"
                  "except with --step-only, which times only the whole train step and the inference pass\n"
                  "with kernels from the disk cache (what side-by-side comparisons need, in seconds rather\n"
                  "than the minutes a large model's kernels take to compile one by one).");
  std::optional<int64_t> batchFlag, inferBatchFlag, runsFlag;
  bool json = false, remeasure = false, stepOnly = false;
  TargetFlags target;
  flags.integer("batch", batchFlag, 1, "the train step's batch size (default: the train block's)");
  flags.integer("infer-batch", inferBatchFlag, 1, "the inference pass's batch size (default 1000)");
  flags.integer("runs", runsFlag, 1,
                "timed runs per measurement, after one warm-up (default 20); medians are\n"
                "reported (a run of the whole step or inference pass: its calls' mean over 50 ms or more)");
  flags.flag("json", json, "one JSON object instead of the table");
  flags.flag("remeasure-peak", remeasure, "measure the machine's peak again instead of using the cached one");
  flags.flag("step-only", stepOnly, "only the whole train step and inference pass, kernels from the disk cache");
  // --no-cache is accepted as by the other verbs that run kernels: bench always compiles afresh.
  addTargetFlags(flags, target, kTargetHelp);
  if (!flags.parse(args)) return 0;
  std::string path = flags.fileArg();
  CompileOptions compile = configureTarget(target);
  if (!stepOnly) compile.cacheDir.clear();  // compile times are part of what bench measures
  int runs = static_cast<int>(runsFlag.value_or(20));
  Model model = loadModel(path);
  if (!model.train.present || model.train.minimize < 0)
    throw UserError({}, "graphc bench times the train step and needs a train block with `minimize`");
  int64_t batch = batchFlag.value_or(model.train.batch);
  int64_t inferBatch = inferBatchFlag.value_or(1000);
  std::vector<int> inference = {model.train.minimize};
  inference.insert(inference.end(), model.train.metrics.begin(), model.train.metrics.end());
  TrainGraph train = differentiate(model);
  TrainStep step = trainStep(model, train);
  // The kernels the train step's program runs: the pipeline's plan of its simplified graph.
  SimplifiedGraph simple = simplify(model.graph, step.fetches);
  FusionPlan plan = fuse(simple, step.fetches, batch);
  std::string dir = cacheDir();
  int threads = benchThreads();
  std::string peakFile = dir.empty() ? "" : dir + "/peak-gflops-v4-threads-" + std::to_string(threads);
  Peak peak = machinePeak(peakFile, cpuModelName(), threads, remeasure);
  double bandwidth = measureMemoryBandwidth();

  // Timed one by one, shown on a terminal as they go; printed slowest first at the end.
  ProgressDisplay display(std::cout, json ? ProgressMode::None : *progressModeNamed("auto"));
  display.startSteps("timing kernels", static_cast<int64_t>(plan.kernels.size()), 0);
  std::vector<KernelRow> rows;
  for (size_t k = 0; k < plan.kernels.size() && !stepOnly; ++k) {
    const Kernel& kernel = plan.kernels[k];
    const Node& root = simple.graph.node(kernel.root);
    rows.push_back({kernelOrigin(simple.graph, kernel), opName(root.op) + "_" + std::to_string(root.id),
                    benchmarkKernel(simple.graph, plan, k, runs, compile.target)});
    display.step(static_cast<int64_t>(k + 1), {});
  }
  display.clear();
  std::stable_sort(rows.begin(), rows.end(),
                   [](const KernelRow& a, const KernelRow& b) { return a.t.medianMs > b.t.medianMs; });
  double kernelsMs = 0, fastest = 0;
  for (const KernelRow& r : rows) kernelsMs += r.t.medianMs, fastest = std::max(fastest, r.gflops());

  double trainCompile = 0, inferCompile = 0;
  double trainSeconds = timeProgram(model.graph, step.fetches, batch, runs, &trainCompile, compile);
  double inferSeconds = timeProgram(model.graph, inference, inferBatch, std::max(3, runs / 4), &inferCompile, compile);
  double stepFlops = 0;
  for (const Kernel& k : plan.kernels) stepFlops += k.flops;
  fastest = std::max(fastest, stepFlops / trainSeconds / 1e9);
  // A kernel faster than the peak means the peak was measured while other processes had the cores:
  // measure it again. Only the FMA loop's own figure is ever cached; a kernel's rate is not (a FLOP
  // estimate that counts work the kernel skips once cached a peak 20 times the machine's).
  if (fastest > peak.gflops && peak.cached) peak = machinePeak(peakFile, cpuModelName(), threads, true);
  std::string peakSource = peak.cached ? "cached" : "measured";
  if (fastest > peak.gflops)
    peakSource = fmt::format(
        "measured; a kernel ran at {:.1f}: the machine was busy during the FMA loop, or that "
        "kernel's FLOP estimate is too high",
        fastest);
  double trainIps = static_cast<double>(batch) / trainSeconds,
         inferIps = static_cast<double>(inferBatch) / inferSeconds;

  if (json) {
    nlohmann::ordered_json j;
    j["model"] = model.graph.modelName;
    j["batch"] = batch;
    j["peak_gflops"] = peak.gflops;
    j["peak"] = peak.cached ? "cached" : "measured";
    j["memory_gb_per_s"] = bandwidth;
    j["step_only"] = stepOnly;
    j["kernels"] = nlohmann::ordered_json::array();
    for (const KernelRow& r : rows)
      j["kernels"].push_back({{"name", r.origin.title()},
                              {"layer", r.origin.layer},
                              {"ops", r.origin.ops},
                              {"source", r.origin.source},
                              {"kernel", r.kernel},
                              {"median_ms", r.t.medianMs},
                              {"share", r.t.medianMs / kernelsMs},
                              {"mflop", r.t.flops / 1e6},
                              {"gflops", r.gflops()},
                              {"percent_of_peak", 100 * r.gflops() / peak.gflops},
                              {"mb", r.t.bytes / 1e6},
                              {"gb_per_s", r.gbPerSecond()},
                              {"compile_seconds", r.t.compileSeconds}});
    j["train_step"] = {{"median_ms", trainSeconds * 1e3},
                       {"images_per_second", trainIps},
                       {"gflops", stepFlops / trainSeconds / 1e9},
                       {"compile_seconds", trainCompile}};
    j["inference"] = {{"batch", inferBatch},
                      {"median_ms", inferSeconds * 1e3},
                      {"images_per_second", inferIps},
                      {"compile_seconds", inferCompile}};
    fmt::print("{}\n", j.dump(1));
    return 0;
  }
  std::string out;
  if (stepOnly) {
    out = fmt::format("{}: train step at batch {}, {} kernels (from the disk cache); peak {:.1f} GFLOP/s ({})\n",
                      model.graph.modelName, batch, plan.kernels.size(), peak.gflops, peakSource);
  } else {
    size_t width = 6;
    for (const KernelRow& r : rows) width = std::max(width, r.origin.title().size());
    out = fmt::format(
        "{}: train step at batch {}, {} kernels; peak {:.1f} GFLOP/s ({}); memory {:.1f} GB/s (a 64 MB copy)\n\n",
        model.graph.modelName, batch, plan.kernels.size(), peak.gflops, peakSource, bandwidth);
    out += fmt::format("{:<{}} {:>9} {:>6} {:>9} {:>8} {:>6} {:>8} {:>7} {:>8}\n", "kernel", width, "median ms",
                       "share", "MFLOP", "GFLOP/s", "%peak", "MB", "GB/s", "compile");
    for (const KernelRow& r : rows)
      out +=
          fmt::format("{:<{}} {:9.4f} {:5.1f}% {:9.3f} {:8.2f} {:5.1f}% {:8.3f} {:7.2f} {:7.2f}s\n", r.origin.title(),
                      width, r.t.medianMs, 100 * r.t.medianMs / kernelsMs, r.t.flops / 1e6, r.gflops(),
                      100 * r.gflops() / peak.gflops, r.t.bytes / 1e6, r.gbPerSecond(), r.t.compileSeconds);
    out += fmt::format("{:<{}} {:9.4f} (the kernels one by one; share: of this total)\n", "total", width, kernelsMs);
  }
  out += fmt::format(
      "\ntrain step: {:.3f} ms at batch {} = {:.0f} images/s, {:.1f} GFLOP/s ({:.1f}% of peak); compiled in "
      "{:.1f}s\n",
      trainSeconds * 1e3, batch, trainIps, stepFlops / trainSeconds / 1e9,
      100 * stepFlops / trainSeconds / 1e9 / peak.gflops, trainCompile);
  out += fmt::format("inference: {:.3f} ms at batch {} = {:.0f} images/s; compiled in {:.1f}s\n", inferSeconds * 1e3,
                     inferBatch, inferIps, inferCompile);
  fmt::print("{}", out);
  return 0;
}

}  // namespace graphc
