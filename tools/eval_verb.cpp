// \file `graphc eval`: a checkpoint's test loss and accuracy, computed exactly as `run` computes
// them at its end (same evaluation program, same batches), so the numbers match digit for digit.
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "driver/pipeline.h"
#include "runtime/metrics_json.h"
#include "runtime/trainer.h"
#include "tools/verbs.h"

namespace graphc {
namespace {

const char* kEvalHelp =
    "usage: graphc eval FILE.mnn --load CHECKPOINT [flags]\n"
    "\n"
    "Evaluates the model with the variables of a checkpoint (written by `graphc run --save`) on\n"
    "the test set of the train block's data, and prints `test_loss: L - test_accuracy: A` as\n"
    "`run` prints it at its end (test_accuracy is the train block's first metric).\n"
    "\n"
    "  --load FILE         the checkpoint, in the safetensors format (required)\n"
    "  --threads N         CPU threads (default: all cores)\n"
    "  --target T          where kernels run: host (default), cuda, opencl, or a Halide\n"
    "                      target string (host-cuda-cuda_capability_80)\n"
    "  --data-dir DIR      where data sets live (default: $GRAPHC_DATA, else the project's data/)\n"
    "  --metrics-json FILE write model, checkpoint, step, test_loss, test_accuracy (and any other\n"
    "                      metric as test_NAME) as one JSON object\n"
    "  --quiet             print only errors and the result line\n"
    "  --no-cache          compile every kernel afresh (not from $GRAPHC_CACHE or ~/.cache/graphc)\n";

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
  if (wantsHelp(args)) return std::cout << kEvalHelp, 0;
  Flags flags(args, {"load", "threads", "target", "data-dir", "metrics-json"}, {"quiet", "no-cache"});
  std::string path = fileArg(flags);
  RunOptions options;
  options.loadPath = flags.text("load").value_or("");
  if (options.loadPath.empty()) throw FlagError{"eval needs the checkpoint to evaluate: --load FILE"};
  options.dataDir = flags.text("data-dir").value_or("");
  options.quiet = flags.has("quiet");
  options.compile = configureTarget(flags);
  Model model = loadModel(path);
  EvalResult r = evaluateCheckpoint(model, options, std::cout);
  std::cout << testResultLine(r.testLoss, r.testMetrics) << std::endl;
  if (auto json = flags.text("metrics-json")) writeTextFile(*json, evalJson(r, options.loadPath, targetName(options.compile.target)));
  return 0;
}

}  // namespace graphc
