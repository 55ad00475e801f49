// \file `graphc bench`: every kernel of the train step timed on its own against the machine's
// measured peak, then the whole train step and the inference pass.
#include <fmt/core.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "codegen/kernel_bench.h"
#include "codegen/program.h"
#include "driver/pipeline.h"
#include "kernels/kernel_cache.h"
#include "runtime/session.h"
#include "runtime/trainer.h"
#include "support/diagnostics.h"
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
  VerbFlags flags("bench", "graphc bench FILE.mnn [--batch N] [--infer-batch N] [--runs N] [--threads N] [--json]",
                  "Measures the machine's peak FMA throughput once (cached in $GRAPHC_CACHE or ~/.cache/graphc),\n"
                  "then compiles every kernel of the train step on its own (inputs filled with random data) and\n"
                  "prints its median time, estimated FLOPs, GFLOP/s, percent of peak, bytes moved and GB/s, and\n"
                  "its compile time; then the whole train step (images/s at --batch, default the train block's)\n"
                  "and the inference pass (images/s at --infer-batch, default 1000).",
                  "Kernels are always compiled afresh (their compile times are measured): --no-cache is implied.");
  std::optional<int64_t> batchFlag, inferBatchFlag, runsFlag;
  bool json = false;
  TargetFlags target;
  flags.integer("batch", batchFlag, 1, "the train step's batch size (default: the train block's)");
  flags.integer("infer-batch", inferBatchFlag, 1, "the inference pass's batch size (default 1000)");
  flags.integer("runs", runsFlag, 1,
                "timed runs per measurement, after one warm-up (default 20); medians are reported");
  flags.flag("json", json, "one JSON object instead of the table");
  // --no-cache is accepted as by the other verbs that run kernels: bench always compiles afresh.
  addTargetFlags(flags, target, kTargetHelp);
  if (!flags.parse(args)) return 0;
  std::string path = flags.fileArg();
  CompileOptions compile = configureTarget(target);
  compile.cacheDir.clear();  // compile times are part of what bench measures
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
  const char* threads = std::getenv("HL_NUM_THREADS");
  double peak = measurePeakGflops(dir.empty() ? "" : dir + "/peak-gflops-v2-threads-" + (threads ? threads : "all"));

  std::string out;
  if (!json) {
    out += fmt::format("{}: train step at batch {}, {} kernels; peak {:.1f} GFLOP/s (measured)\n\n",
                       model.graph.modelName, batch, plan.kernels.size(), peak);
    out += fmt::format("{:<34} {:>9} {:>9} {:>8} {:>7} {:>8} {:>7} {:>8}\n", "kernel", "median ms", "MFLOP", "GFLOP/s",
                       "%peak", "MB", "GB/s", "compile");
  } else {
    out += fmt::format("{{\"model\": \"{}\", \"batch\": {}, \"peak_gflops\": {:.6g},\n \"kernels\": [",
                       model.graph.modelName, batch, peak);
  }
  for (size_t k = 0; k < plan.kernels.size(); ++k) {
    KernelTiming t = benchmarkKernel(simple.graph, plan, k, runs, compile.target);
    double gflops = t.flops / (t.medianMs * 1e6), gbs = t.bytes / (t.medianMs * 1e6);
    if (!json) {
      out += fmt::format("{:<34} {:9.4f} {:9.3f} {:8.2f} {:6.1f}% {:8.3f} {:7.2f} {:7.2f}s\n", t.name, t.medianMs,
                         t.flops / 1e6, gflops, 100 * gflops / peak, t.bytes / 1e6, gbs, t.compileSeconds);
      fmt::print("{}", out);  // the table grows as the kernels are measured
      std::fflush(stdout);
      out.clear();
    } else {
      out += fmt::format(
          "{}\n  {{\"name\": \"{}\", \"median_ms\": {:.6g}, \"mflop\": {:.6g}, \"gflops\": {:.6g}, "
          "\"percent_of_peak\": {:.4g}, \"mb\": {:.6g}, \"gb_per_s\": {:.6g}, \"compile_seconds\": {:.4g}}}",
          k ? "," : "", t.name, t.medianMs, t.flops / 1e6, gflops, 100 * gflops / peak, t.bytes / 1e6, gbs,
          t.compileSeconds);
    }
  }
  double trainCompile = 0, inferCompile = 0;
  double trainSeconds = timeProgram(model.graph, step.fetches, batch, runs, &trainCompile, compile);
  double inferSeconds = timeProgram(model.graph, inference, inferBatch, std::max(3, runs / 4), &inferCompile, compile);
  double stepFlops = 0;
  for (const Kernel& k : plan.kernels) stepFlops += k.flops;
  double trainIps = static_cast<double>(batch) / trainSeconds,
         inferIps = static_cast<double>(inferBatch) / inferSeconds;
  if (!json) {
    out += fmt::format(
        "\ntrain step: {:.3f} ms at batch {} = {:.0f} images/s, {:.1f} GFLOP/s ({:.1f}% of peak); compiled in "
        "{:.1f}s\n",
        trainSeconds * 1e3, batch, trainIps, stepFlops / trainSeconds / 1e9,
        100 * stepFlops / trainSeconds / 1e9 / peak, trainCompile);
    out += fmt::format("inference: {:.3f} ms at batch {} = {:.0f} images/s; compiled in {:.1f}s\n", inferSeconds * 1e3,
                       inferBatch, inferIps, inferCompile);
  } else {
    out += fmt::format(
        "],\n \"train_step\": {{\"median_ms\": {:.6g}, \"images_per_second\": {:.6g}, \"gflops\": {:.6g}, "
        "\"compile_seconds\": {:.4g}}},\n \"inference\": {{\"batch\": {}, \"median_ms\": {:.6g}, "
        "\"images_per_second\": {:.6g}, \"compile_seconds\": {:.4g}}}}}\n",
        trainSeconds * 1e3, trainIps, stepFlops / trainSeconds / 1e9, trainCompile, inferBatch, inferSeconds * 1e3,
        inferIps, inferCompile);
  }
  fmt::print("{}", out);
  return 0;
}

}  // namespace graphc
