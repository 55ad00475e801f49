// \file The training loop: epochs of shuffled batches, Keras-like progress lines, validation,
// early stopping, checkpoints in and out, and the final evaluation on the test set.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "codegen/program.h"
#include "ir/model.h"
#include "passes/optimizer.h"
#include "runtime/distributed.h"
#include "runtime/progress_bar.h"

namespace graphc {

// --save-every: write the --save checkpoint every N steps or every N epochs during training.
struct SaveEvery {
  int64_t steps = 0, epochs = 0;  // 0: not at all
};

// Command-line overrides of the train block (unset: the block's value).
struct RunOptions {
  std::optional<int64_t> epochs, steps, batch;
  std::optional<uint64_t> seed;
  std::optional<double> learningRate;
  std::string dataDir;
  std::string loadPath;  // checkpoint read after the variables are initialised ("" for none)
  std::string savePath;  // checkpoint written after training ("" for none)
  SaveEvery saveEvery;   // and during it
  bool quiet = false;
  ProgressMode progress = ProgressMode::Lines;  // --progress
  std::string logDir;                           // --log-dir: runtime/log_dir.h ("" for none)
  bool prepareBatchesAhead = true;              // on a background thread (--threads 1: no)
  CompileOptions compile;
  // The processes of a data-parallel run (runtime/distributed.h); nullptr: this one alone. Only
  // rank 0 writes: the caller gives the others no log output, --log-dir or --metrics-json.
  Communicator* communicator = nullptr;
};

struct EpochRecord {
  int64_t epoch = 0;
  double loss = 0;
  std::vector<double> metrics;
  bool validated = false;
  double valLoss = 0;
  std::vector<double> valMetrics;
  double seconds = 0;
  double learningRate = 0;  // the rate of the report's last step (schedule and plateau included)
};

struct RunResult {
  std::string model;
  int64_t epochs = 0, steps = 0, batch = 0;
  int64_t firstStep = 0;  // the optimizer's step count when training began (non-zero when resumed)
  std::vector<std::string> metricNames;
  std::vector<EpochRecord> history;
  double testLoss = 0;
  std::vector<double> testMetrics;
  double trainImagesPerSecond = 0;
  double compileSeconds = 0;
  int kernels = 0;
  int cacheHits = 0;  // kernels loaded from the kernel cache (all of them on a warm run)
  bool stoppedEarly = false;
  int ranks = 1;                // processes of a data-parallel run
  double allreduceSeconds = 0;  // the time this process spent averaging gradients and statistics
};

// What one train step computes: the loss, the metrics, then each variable's next value (the
// optimizer's updates and slots, then the model's state updates such as BatchNorm statistics).
struct TrainStep {
  std::vector<int> fetches;
  std::vector<VariableUpdate> updates;  // updates[i].next is fetches[firstUpdate + i]
  size_t firstUpdate = 0;
};
TrainStep trainStep(const Model& model, const TrainGraph& train);

// Trains the model as its train block (and the overrides) say, then evaluates on the test set.
// Progress goes to log. Throws InputError for data, feed or checkpoint problems, UserError for
// model ones.
//
// With options.loadPath the run resumes: variables and optimizer state come from the checkpoint,
// and training continues from the optimizer's step count (`KIND/iterations`) at the same place
// in the same shuffled data order, feeding dropout the same step numbers, so that N steps, save,
// load, M steps gives the same weights as N + M steps in one run (with the same batch and seed).
// `--steps`/`--epochs` count the whole run, the checkpoint's steps included, so the same command
// plus --load ends where an uninterrupted run would; the checkpoint's metadata carries the rest of
// the run's state (runtime/run_progress.h). A NaN or infinity in the loss or the variables stops
// the run with a RunFailure that names the step and the first op that made one.
RunResult trainModel(Model& model, const RunOptions& options, std::ostream& log);

struct EvalResult {
  std::string model;
  std::string step;  // the checkpoint's training step (its metadata), "" when it records none
  std::vector<std::string> metricNames;
  double testLoss = 0;
  std::vector<double> testMetrics;
  double compileSeconds = 0;
  int kernels = 0;
  int cacheHits = 0;
};

// The feeds of an evaluation: the train block's feeds, overridden by eval_feed; a constant feed
// of a placeholder that has a default drops out (the default applies, as outside training).
std::vector<FeedSpec> evaluationFeeds(const TrainConfig& train, const Graph& graph);

// Evaluates the model with the variables of the checkpoint options.loadPath (required) on its
// test set: the train block's minimize value and metrics, as `run` reports them at the end.
EvalResult evaluateCheckpoint(Model& model, const RunOptions& options, std::ostream& log);

}  // namespace graphc
