// \file `graphc bench`: every kernel of the train step timed on its own against the machine's
// measured peak, then the whole train step and the inference pass.
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>

#include "codegen/kernel_bench.h"
#include "kernels/kernel_cache.h"
#include "codegen/program.h"
#include "support/diagnostics.h"
#include "passes/fusion.h"
#include "driver/pipeline.h"
#include "runtime/session.h"
#include "runtime/trainer.h"
#include "tools/verbs.h"

namespace graphc {
namespace {

const char* kBenchHelp =
    "usage: graphc bench FILE.mnn [--batch N] [--infer-batch N] [--runs N] [--threads N] [--json]\n"
    "\n"
    "Measures the machine's peak FMA throughput once (cached in $GRAPHC_CACHE or ~/.cache/graphc),\n"
    "then compiles every kernel of the train step on its own (inputs filled with random data) and\n"
    "prints its median time, estimated FLOPs, GFLOP/s, percent of peak, bytes moved and GB/s, and\n"
    "its compile time; then the whole train step (images/s at --batch, default the train block's)\n"
    "and the inference pass (images/s at --infer-batch, default 1000).\n"
    "\n"
    "  --runs N   timed runs per measurement, after one warm-up (default 20); medians are reported\n"
    "  --json     one JSON object instead of the table\n"
    "Kernels are always compiled afresh (their compile times are measured): --no-cache is implied.\n";

// The kernel cache's folder (cli.md), created if missing; "" when there is no home.
std::string cacheDir() {
  std::string dir = defaultCacheDirectory();
  if (dir.empty()) return "";
  // mkdir -p: create each missing parent in turn (existing ones fail harmlessly).
  for (size_t i = 0; i <= dir.size(); ++i)
    if (i == dir.size() || (dir[i] == '/' && i > 0)) ::mkdir(dir.substr(0, i).c_str(), 0755);
  return dir;
}

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
  return medianSeconds([&]() { session.run(fetches, batch, 1); }, runs);
}

}  // namespace

int benchVerb(const std::vector<std::string>& args) {
  if (wantsHelp(args)) return std::cout << kBenchHelp, 0;
  // --no-cache is accepted as by the other verbs that run kernels: bench always compiles afresh.
  Flags flags(args, {"batch", "infer-batch", "runs", "threads", "target"}, {"json", "no-cache"});
  std::string path = fileArg(flags);
  CompileOptions compile = configureTarget(flags);
  compile.cacheDir.clear();  // compile times are part of what bench measures
  int runs = static_cast<int>(flags.integer("runs", 1).value_or(20));
  Model model = loadModel(path);
  if (!model.train.present || model.train.minimize < 0)
    throw UserError({}, "graphc bench times the train step and needs a train block with `minimize`");
  int64_t batch = flags.integer("batch", 1).value_or(model.train.batch);
  int64_t inferBatch = flags.integer("infer-batch", 1).value_or(1000);
  std::vector<int> inference = {model.train.minimize};
  inference.insert(inference.end(), model.train.metrics.begin(), model.train.metrics.end());
  TrainGraph train = buildTrainGraph(model.graph, model.train.minimize, model.train.optimizer, model.train.minimizeLoc);
  TrainStep step = trainStep(model, train);
  FusionPlan plan = planFusion(model.graph, step.fetches, batch);
  bool json = flags.has("json");
  std::string dir = cacheDir();
  const char* threads = std::getenv("HL_NUM_THREADS");
  double peak = measurePeakGflops(dir.empty() ? "" : dir + "/peak-gflops-v2-threads-" + (threads ? threads : "all"));

  std::ostringstream out;
  char line[512];
  if (!json) {
    std::snprintf(line, sizeof line, "%s: train step at batch %lld, %zu kernels; peak %.1f GFLOP/s (measured)\n\n",
                  model.graph.modelName.c_str(), static_cast<long long>(batch), plan.kernels.size(), peak);
    out << line;
    std::snprintf(line, sizeof line, "%-34s %9s %9s %8s %7s %8s %7s %8s\n", "kernel", "median ms", "MFLOP", "GFLOP/s",
                  "%peak", "MB", "GB/s", "compile");
    out << line;
  } else {
    out << "{\"model\": \"" << model.graph.modelName << "\", \"batch\": " << batch << ", \"peak_gflops\": " << peak
        << ",\n \"kernels\": [";
  }
  for (size_t k = 0; k < plan.kernels.size(); ++k) {
    KernelTiming t = benchmarkKernel(model.graph, plan, k, runs, compile.target);
    double gflops = t.flops / (t.medianMs * 1e6), gbs = t.bytes / (t.medianMs * 1e6);
    if (!json) {
      std::snprintf(line, sizeof line, "%-34s %9.4f %9.3f %8.2f %6.1f%% %8.3f %7.2f %7.2fs\n", t.name.c_str(), t.medianMs,
                    t.flops / 1e6, gflops, 100 * gflops / peak, t.bytes / 1e6, gbs, t.compileSeconds);
      out << line;
    } else {
      std::snprintf(line, sizeof line,
                    "%s\n  {\"name\": \"%s\", \"median_ms\": %.6g, \"mflop\": %.6g, \"gflops\": %.6g, "
                    "\"percent_of_peak\": %.4g, \"mb\": %.6g, \"gb_per_s\": %.6g, \"compile_seconds\": %.4g}",
                    k ? "," : "", t.name.c_str(), t.medianMs, t.flops / 1e6, gflops, 100 * gflops / peak, t.bytes / 1e6,
                    gbs, t.compileSeconds);
      out << line;
    }
    if (!json) std::cout << out.str() << std::flush, out.str("");
  }
  double trainCompile = 0, inferCompile = 0;
  double trainSeconds = timeProgram(model.graph, step.fetches, batch, runs, &trainCompile, compile);
  double inferSeconds = timeProgram(model.graph, inference, inferBatch, std::max(3, runs / 4), &inferCompile, compile);
  double stepFlops = 0;
  for (const Kernel& k : plan.kernels) stepFlops += k.flops;
  double trainIps = static_cast<double>(batch) / trainSeconds, inferIps = static_cast<double>(inferBatch) / inferSeconds;
  if (!json) {
    std::snprintf(line, sizeof line,
                  "\ntrain step: %.3f ms at batch %lld = %.0f images/s, %.1f GFLOP/s (%.1f%% of peak); compiled in %.1fs\n",
                  trainSeconds * 1e3, static_cast<long long>(batch), trainIps, stepFlops / trainSeconds / 1e9,
                  100 * stepFlops / trainSeconds / 1e9 / peak, trainCompile);
    out << line;
    std::snprintf(line, sizeof line, "inference: %.3f ms at batch %lld = %.0f images/s; compiled in %.1fs\n",
                  inferSeconds * 1e3, static_cast<long long>(inferBatch), inferIps, inferCompile);
    out << line;
  } else {
    std::snprintf(line, sizeof line,
                  "],\n \"train_step\": {\"median_ms\": %.6g, \"images_per_second\": %.6g, \"gflops\": %.6g, "
                  "\"compile_seconds\": %.4g},\n \"inference\": {\"batch\": %lld, \"median_ms\": %.6g, "
                  "\"images_per_second\": %.6g, \"compile_seconds\": %.4g}}\n",
                  trainSeconds * 1e3, trainIps, stepFlops / trainSeconds / 1e9, trainCompile,
                  static_cast<long long>(inferBatch), inferSeconds * 1e3, inferIps, inferCompile);
    out << line;
  }
  std::cout << out.str();
  return 0;
}

}  // namespace graphc
