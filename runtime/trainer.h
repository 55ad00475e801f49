// \file The training loop: epochs of shuffled batches, Keras-like progress lines, validation,
// early stopping, and the final evaluation on the test set.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "codegen/program.h"
#include "frontend/model.h"

namespace graphc {

// Command-line overrides of the train block (unset: the block's value).
struct RunOptions {
  std::optional<int64_t> epochs, steps, batch;
  std::optional<uint64_t> seed;
  std::optional<double> learningRate;
  std::string dataDir;
  bool quiet = false;
  CompileOptions compile;
};

struct EpochRecord {
  int64_t epoch = 0;
  double loss = 0;
  std::vector<double> metrics;
  bool validated = false;
  double valLoss = 0;
  std::vector<double> valMetrics;
  double seconds = 0;
};

struct RunResult {
  std::string model;
  int64_t epochs = 0, steps = 0, batch = 0;
  std::vector<std::string> metricNames;
  std::vector<EpochRecord> history;
  double testLoss = 0;
  std::vector<double> testMetrics;
  double trainImagesPerSecond = 0;
  double compileSeconds = 0;
  int kernels = 0;
  bool stoppedEarly = false;
};

// Trains the model as its train block (and the overrides) say, then evaluates on the test set.
// Progress goes to log. Throws InputError for data or feed problems, UserError for model ones.
RunResult trainModel(Model& model, const RunOptions& options, std::ostream& log);

}  // namespace graphc
