// \file What a checkpoint records of a training run besides its variables, so that resuming it
// (`--load`) gives the same result as never stopping: the step, the data order (seed, batch and
// shuffling, from which the order of every epoch is drawn again), the sums of the report in
// progress, and early stopping's memory. Stored as safetensors metadata (strings).
#pragma once

#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace graphc {

struct RunProgress {
  int64_t step = 0;   // training steps done, across resumed runs
  uint64_t seed = 0;  // the run's seed: initialisation, shuffling, dropout masks
  int64_t batch = 0;  // the batch size (a step's place in the data order depends on it)
  bool shuffle = true;
  // The report (epoch or eval_every period) in progress: sums of loss and metrics times images,
  // over `images` images; images = 0 when the last step completed a report.
  double lossSum = 0;
  std::vector<double> metricSums;
  int64_t images = 0;
  // Early stopping: the best monitored value so far (smaller is better) and the epochs since.
  double best = INFINITY;
  int64_t sinceBest = 0;
};

// Adds the progress to a checkpoint's metadata (exact: doubles are written with 17 digits).
void writeProgress(const RunProgress& p, std::map<std::string, std::string>& metadata);

// The progress a checkpoint (path, named in errors) recorded. Keys it lacks (a checkpoint of
// another tool, or of an older graphc) keep the defaults; hasProgress says whether it recorded a
// report in progress. A value that is not what graphc writes (a negative step, a NaN sum, text
// where a number belongs) is an InputError naming the file and the key.
RunProgress readProgress(const std::map<std::string, std::string>& metadata, size_t metrics, bool* hasProgress,
                         const std::string& path);

}  // namespace graphc
