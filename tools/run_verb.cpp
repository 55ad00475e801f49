// \file `graphc run`: train as the file's train block says (checkpoints in and out), then
// evaluate on the test set.
#include <fmt/core.h>
#include <fmt/ranges.h>

#include <cctype>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "driver/pipeline.h"
#include "frontend/source_file.h"
#include "runtime/distributed.h"
#include "runtime/metrics_json.h"
#include "runtime/plots.h"
#include "runtime/trainer.h"
#include "support/sha256.h"
#include "tools/verbs.h"

namespace graphc {
namespace {

// "500" (steps), "2epochs", "1epoch".
SaveEvery parseSaveEvery(const std::string& text) {
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  std::string unit = text.substr(digits);
  int64_t n = digits > 0 && digits < 10 ? std::stoll(text.substr(0, digits)) : 0;
  SaveEvery every;
  if (n > 0 && (unit.empty() || unit == "steps" || unit == "step"))
    every.steps = n;
  else if (n > 0 && (unit == "epochs" || unit == "epoch"))
    every.epochs = n;
  else
    throw FlagError{"flag --save-every expects N (steps) or Nepochs, such as 500 or 1epoch; found " + text};
  return every;
}

}  // namespace

int runVerb(const std::vector<std::string>& args) {
  VerbFlags flags("run", "graphc run FILE.mnn [flags]",
                  "Trains the model as its train block says, printing one line per epoch, then evaluates it\n"
                  "on the test set.");
  std::optional<int64_t> epochs, steps, batch, seed;
  std::optional<double> lr;
  std::optional<std::string> load, save, saveEvery, dataDir, metricsPath;
  bool quiet = false;
  TargetFlags target;
  flags.integer("epochs", epochs, 1, "train for N epochs (overrides the train block)");
  flags.integer("steps", steps, 1, "train for N batches instead");
  flags.integer("batch", batch, 1, "batch size");
  flags.integer("seed", seed, 0, "seed of initialisation and shuffling");
  flags.number("lr", lr, "learning rate (the optimizer's other hyperparameters come from the file)");
  flags.text("load", load,
             "start from a checkpoint (safetensors): its variables and optimizer state;\n"
             "training resumes at its step in the same data order (same --batch and\n"
             "--seed), and optimizer state missing from it starts at zero. --steps and\n"
             "--epochs count the whole run, so the command that was interrupted, plus\n"
             "--load, ends with the weights an uninterrupted run would have");
  flags.text("save", save, "write every variable and optimizer slot to FILE after training");
  flags.text("save-every", saveEvery,
             "also write it every N steps during training; `Nepochs` (or `1epoch`)\nevery N epochs", "N");
  addTargetFlags(flags, target, kTargetHelp);
  flags.text("data-dir", dataDir, "where data sets live (default: $GRAPHC_DATA, else the project's data/)", "DIR");
  flags.text("metrics-json", metricsPath, "write the result as JSON");
  flags.flag("quiet", quiet, "print only errors and the final result line");
  std::optional<std::string> progress;
  addProgressFlag(flags, progress);
  std::optional<std::string> logDir;
  flags.text("log-dir", logDir,
             "write metrics.csv, test.csv and TensorBoard event files to DIR as the run goes\n(docs/watching-runs.md)",
             "DIR");
  if (!flags.parse(args)) return 0;
  std::string path = flags.fileArg();
  // Under mpirun, one of N processes of a data-parallel run (docs/distributed.md); they must run
  // the same model with the same flags, and only rank 0 prints and writes files.
  Communicator communicator;
  if (communicator.distributed()) {
    std::string runs = sha256Hex(readModelSource(path) + '\0' + fmt::format("{}", fmt::join(args, "\n")));
    std::vector<int> differing = communicator.ranksDiffering(runs);
    if (!differing.empty()) {
      communicator.agreeToExit();
      throw RanksDisagree(
          fmt::format("the model or the flags of rank {} differ from rank 0's (every process of "
                      "mpirun must run the same model with the same flags)",
                      fmt::join(differing, ", ")));
    }
  }
  bool writes = communicator.rank() == 0;
  RunOptions options;
  options.epochs = epochs;
  options.steps = steps;
  options.batch = batch;
  if (seed) options.seed = static_cast<uint64_t>(*seed);
  options.learningRate = lr;
  if (lr && !(*lr > 0 && std::isfinite(*lr)))
    throw FlagError{fmt::format("flag --lr must be a positive number, found {}", *lr)};
  options.loadPath = load.value_or("");
  options.savePath = save.value_or("");
  if (saveEvery) {
    options.saveEvery = parseSaveEvery(*saveEvery);
    if (options.savePath.empty()) throw FlagError{"flag --save-every needs --save FILE, the checkpoint to write"};
  }
  options.dataDir = dataDir.value_or("");
  options.quiet = quiet || !writes;
  options.progress = progressMode(progress);
  options.logDir = writes ? logDir.value_or("") : "";
  options.communicator = &communicator;
  options.compile = configureTarget(target);
  options.prepareBatchesAhead = target.threads.value_or(0) != 1;
  if (metricsPath) checkDestination(*metricsPath, "the metrics");
  Model model = loadModel(path);
  std::ostringstream silent;
  RunResult r = trainModel(model, options, writes ? static_cast<std::ostream&>(std::cout) : silent);
  if (!writes) return 0;
  fmt::print("{}\n", testResultLine(r.testLoss, r.testMetrics));
  std::fflush(stdout);
  if (!options.quiet) {
    std::string info = fmt::format("trained {} steps at {:.1f} images/s; compiled {} kernels in {:.1f}s", r.steps,
                                   r.trainImagesPerSecond, r.kernels, r.compileSeconds);
    if (r.cacheHits > 0) info += fmt::format(" ({} loaded from the kernel cache)", r.cacheHits);
    if (r.ranks > 1) info += fmt::format("; {} processes, {:.1f}s in allreduce", r.ranks, r.allreduceSeconds);
    fmt::print("{}\n", info);
    std::fflush(stdout);
  }
  if (metricsPath) writeTextFile(*metricsPath, metricsJson(r, targetName(options.compile.target)), "the metrics");
  if (!options.logDir.empty() && !r.history.empty()) drawPlots(options.logDir);
  return 0;
}

}  // namespace graphc
