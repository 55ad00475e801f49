// \file `graphc eval`: a checkpoint's test loss and accuracy, computed exactly as `run` computes
// them at its end (same evaluation program, same batches), so the numbers match digit for digit.
#include <fmt/core.h>

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "driver/pipeline.h"
#include "runtime/metrics_json.h"
#include "runtime/trainer.h"
#include "tools/verbs.h"

namespace graphc {
namespace {

std::string evalJson(const EvalResult& r, const std::string& checkpoint, const std::string& target) {
  nlohmann::ordered_json j;
  j["model"] = r.model;
  j["target"] = target;
  j["checkpoint"] = checkpoint;
  if (!r.step.empty()) j["step"] = r.step;
  j["test_loss"] = r.testLoss;  // a non-finite number is written as null
  j["test_accuracy"] = r.testMetrics.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(r.testMetrics[0]);
  // As in run's JSON: every metric under its binding name, except the one Keras calls accuracy.
  for (size_t i = 0; i < r.metricNames.size() && i < r.testMetrics.size(); ++i)
    if (r.metricNames[i] != "accuracy") j["test_" + r.metricNames[i]] = r.testMetrics[i];
  j["compile_seconds"] = r.compileSeconds;
  j["cache_hits"] = r.cacheHits;
  j["kernels"] = r.kernels;
  return j.dump() + "\n";
}

}  // namespace

int evalVerb(const std::vector<std::string>& args) {
  VerbFlags flags("eval", "graphc eval FILE.mnn --load CHECKPOINT [flags]",
                  "Evaluates the model with the variables of a checkpoint (written by `graphc run --save`) on\n"
                  "the test set of the train block's data, and prints `test_loss: L - test_accuracy: A` as\n"
                  "`run` prints it at its end (test_accuracy is the train block's first metric).");
  std::optional<std::string> load, dataDir, metricsPath;
  bool quiet = false;
  TargetFlags target;
  flags.text("load", load, "the checkpoint, in the safetensors format (required)");
  addTargetFlags(flags, target, kTargetHelp);
  flags.text("data-dir", dataDir, "where data sets live (default: $GRAPHC_DATA, else the project's data/)", "DIR");
  flags.text("metrics-json", metricsPath,
             "write model, checkpoint, step, test_loss, test_accuracy (and any other\n"
             "metric as test_NAME) as one JSON object");
  flags.flag("quiet", quiet, "print only errors and the result line");
  std::optional<std::string> progress;
  addProgressFlag(flags, progress);
  std::optional<std::string> logDir;
  flags.text("log-dir", logDir,
             "write metrics.csv, test.csv and TensorBoard event files to DIR as the run goes\n(docs/watching-runs.md)",
             "DIR");
  if (!flags.parse(args)) return 0;
  std::string path = flags.fileArg();
  RunOptions options;
  options.loadPath = load.value_or("");
  if (options.loadPath.empty()) throw FlagError{"eval needs the checkpoint to evaluate: --load FILE"};
  options.dataDir = dataDir.value_or("");
  options.quiet = quiet;
  options.progress = progressMode(progress);
  options.logDir = logDir.value_or("");
  options.compile = configureTarget(target);
  if (metricsPath) checkDestination(*metricsPath, "the metrics");
  Model model = loadModel(path);
  EvalResult r = evaluateCheckpoint(model, options, std::cout);
  fmt::print("{}\n", testResultLine(r.testLoss, r.testMetrics));
  std::fflush(stdout);
  if (metricsPath)
    writeTextFile(*metricsPath, evalJson(r, options.loadPath, targetName(options.compile.target)), "the metrics");
  return 0;
}

}  // namespace graphc
