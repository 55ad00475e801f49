// \file Keras' callbacks after each epoch's report: ReduceLROnPlateau (and the learning rate it
// scales), EarlyStopping with min_delta, mode and restore_best_weights, ModelCheckpoint with
// save_best_only. Their memory is checkpoint metadata, so a resumed run decides as an
// uninterrupted one would.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "ir/model.h"
#include "ir/monitor.h"
#include "runtime/run_progress.h"
#include "runtime/trainer.h"

namespace graphc {

// What the loop does after a report.
struct CallbackDecision {
  bool stop = false;             // early stopping ends the run here
  bool newBestWeights = false;   // restore_best_weights: keep a copy of the variables now
  bool saveCheckpoint = false;   // the checkpoint callback writes its file now
  std::vector<std::string> log;  // lines to print (Keras' wording)
};

class TrainingCallbacks {
 public:
  explicit TrainingCallbacks(const TrainConfig& cfg);

  // The learning rate of the step at the optimizer's step count `step`: the schedule's value times
  // reduce_lr_on_plateau's accumulated factor, never below its min_lr (docs/training.md, "Callbacks").
  double learningRate(int64_t step) const;

  // After the report of epoch `epoch` (1-based): early stopping's state lives in progress (best,
  // sinceBest: smaller is better there, maximized values negated).
  CallbackDecision afterReport(int64_t epoch, const EpochRecord& report, RunProgress& progress);

  // The plateau's and the checkpoint's memory as checkpoint metadata, and back (exact doubles).
  void write(std::map<std::string, std::string>& metadata) const;
  void read(const std::map<std::string, std::string>& metadata, const std::string& path);

  bool reportsLearningRate() const;  // a schedule or the plateau callback: the rate varies

 private:
  const TrainConfig& cfg_;
  std::optional<MonitorRef> earlyMonitor_, plateauMonitor_, checkpointMonitor_;
  double factor_ = 1;              // the plateau's accumulated factor
  double plateauBest_ = INFINITY;  // signed: smaller is better
  int64_t plateauWait_ = 0, cooldownLeft_ = 0;
  double checkpointBest_ = INFINITY;
};

// The monitored value of a report, signed so that smaller is better.
double signedMonitorValue(const EpochRecord& r, const MonitorRef& m);

}  // namespace graphc
