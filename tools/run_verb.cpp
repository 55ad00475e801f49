// \file `graphc run`: train as the file's train block says (checkpoints in and out), then
// evaluate on the test set.
#include <cctype>
#include <cmath>
#include <iostream>
#include <sstream>

#include "driver/pipeline.h"
#include "runtime/metrics_json.h"
#include "runtime/trainer.h"
#include "tools/verbs.h"

namespace graphc {
namespace {

const char* kRunHelp =
    "usage: graphc run FILE.mnn [flags]\n"
    "\n"
    "Trains the model as its train block says, printing one line per epoch, then evaluates it\n"
    "on the test set.\n"
    "\n"
    "  --epochs N          train for N epochs (overrides the train block)\n"
    "  --steps N           train for N batches instead\n"
    "  --batch N           batch size\n"
    "  --seed N            seed of initialisation and shuffling\n"
    "  --lr X              learning rate (the optimizer's other hyperparameters come from the file)\n"
    "  --load FILE         start from a checkpoint (safetensors): its variables and optimizer state;\n"
    "                      training resumes at its step in the same data order (same --batch and\n"
    "                      --seed), and optimizer state missing from it starts at zero. --steps and\n"
    "                      --epochs count the whole run, so the command that was interrupted, plus\n"
    "                      --load, ends with the weights an uninterrupted run would have\n"
    "  --save FILE         write every variable and optimizer slot to FILE after training\n"
    "  --save-every N      also write it every N steps during training; `Nepochs` (or `1epoch`)\n"
    "                      every N epochs\n"
    "  --threads N         CPU threads (default: all cores)\n"
    "  --target T          where kernels run: host (default), cuda, opencl, or a Halide\n"
    "                      target string (host-cuda-cuda_capability_80)\n"
    "  --data-dir DIR      where data sets live (default: $GRAPHC_DATA, else the project's data/)\n"
    "  --metrics-json FILE write the result as JSON\n"
    "  --no-cache          compile every kernel afresh (they are otherwise cached on disk in\n"
    "                      $GRAPHC_CACHE or ~/.cache/graphc)\n"
    "  --quiet             print only errors and the final result line\n";

// "500" (steps), "2epochs", "1epoch".
SaveEvery parseSaveEvery(const std::string& text) {
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  std::string unit = text.substr(digits);
  int64_t n = digits > 0 && digits < 10 ? std::stoll(text.substr(0, digits)) : 0;
  SaveEvery every;
  if (n > 0 && (unit.empty() || unit == "steps" || unit == "step")) every.steps = n;
  else if (n > 0 && (unit == "epochs" || unit == "epoch")) every.epochs = n;
  else throw FlagError{"flag --save-every expects N (steps) or Nepochs, such as 500 or 1epoch; found " + text};
  return every;
}

}  // namespace

int runVerb(const std::vector<std::string>& args) {
  if (wantsHelp(args)) return std::cout << kRunHelp, 0;
  Flags flags(
      args, {"epochs", "steps", "batch", "seed", "lr", "threads", "target", "data-dir", "metrics-json", "load", "save",
             "save-every"},
      {"quiet", "no-cache"});
  std::string path = fileArg(flags);
  RunOptions options;
  options.epochs = flags.integer("epochs", 1);
  options.steps = flags.integer("steps", 1);
  options.batch = flags.integer("batch", 1);
  if (auto seed = flags.integer("seed", 0)) options.seed = static_cast<uint64_t>(*seed);
  options.learningRate = flags.real("lr");
  if (options.learningRate && !(*options.learningRate > 0 && std::isfinite(*options.learningRate)))
    throw FlagError{"flag --lr must be a positive number, found " + *flags.text("lr")};
  options.loadPath = flags.text("load").value_or("");
  options.savePath = flags.text("save").value_or("");
  if (auto every = flags.text("save-every")) {
    options.saveEvery = parseSaveEvery(*every);
    if (options.savePath.empty()) throw FlagError{"flag --save-every needs --save FILE, the checkpoint to write"};
  }
  options.dataDir = flags.text("data-dir").value_or("");
  options.quiet = flags.has("quiet");
  options.compile = configureTarget(flags);
  Model model = loadModel(path);
  RunResult r = trainModel(model, options, std::cout);
  std::cout << testResultLine(r.testLoss, r.testMetrics) << std::endl;
  if (!options.quiet) {
    std::ostringstream info;
    info.setf(std::ios::fixed);
    info.precision(1);
    info << "trained " << r.steps << " steps at " << r.trainImagesPerSecond << " images/s; compiled " << r.kernels
         << " kernels in " << r.compileSeconds << "s";
    if (r.cacheHits > 0) info << " (" << r.cacheHits << " loaded from the kernel cache)";
    std::cout << info.str() << std::endl;
  }
  if (auto json = flags.text("metrics-json")) writeTextFile(*json, metricsJson(r, targetName(options.compile.target)));
  return 0;
}

}  // namespace graphc
