// \file Keras 3's ReduceLROnPlateau, EarlyStopping and ModelCheckpoint (keras/src/callbacks/) on
// graphc's epoch reports.
#include "runtime/callbacks.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "support/diagnostics.h"

namespace graphc {

double signedMonitorValue(const EpochRecord& r, const MonitorRef& m) {
  const std::vector<double>& metrics = m.validation ? r.valMetrics : r.metrics;
  double v = m.metric < 0 ? (m.validation ? r.valLoss : r.loss) : metrics[static_cast<size_t>(m.metric)];
  return m.maximize ? -v : v;
}

TrainingCallbacks::TrainingCallbacks(const TrainConfig& cfg) : cfg_(cfg) {
  if (cfg.earlyStopping.enabled) earlyMonitor_ = findMonitor(cfg.earlyStopping.monitor, cfg.earlyStopping.mode, cfg);
  if (cfg.reduceLrOnPlateau.enabled)
    plateauMonitor_ = findMonitor(cfg.reduceLrOnPlateau.monitor, cfg.reduceLrOnPlateau.mode, cfg);
  if (cfg.checkpoint.enabled) checkpointMonitor_ = findMonitor(cfg.checkpoint.monitor, cfg.checkpoint.mode, cfg);
}

bool TrainingCallbacks::reportsLearningRate() const {
  return cfg_.optimizer.schedule.kind != "constant" || cfg_.reduceLrOnPlateau.enabled;
}

double TrainingCallbacks::learningRate(int64_t step) const {
  double lr = learningRateAt(cfg_.optimizer, step);
  if (!cfg_.reduceLrOnPlateau.enabled) return lr;
  return std::max(lr * factor_, cfg_.reduceLrOnPlateau.minLr);
}

CallbackDecision TrainingCallbacks::afterReport(int64_t epoch, const EpochRecord& report, RunProgress& progress) {
  CallbackDecision d;
  // ReduceLROnPlateau.on_epoch_end: an improvement is a value below best - min_delta; in cooldown
  // the wait stays 0; after `patience` epochs without one the rate is multiplied by factor (if
  // still above min_lr), then cooldown epochs pass before waiting again.
  if (plateauMonitor_ && (!plateauMonitor_->validation || report.validated)) {
    const ReduceLrOnPlateau& p = cfg_.reduceLrOnPlateau;
    double value = signedMonitorValue(report, *plateauMonitor_);
    if (cooldownLeft_ > 0) --cooldownLeft_, plateauWait_ = 0;
    if (value < plateauBest_ - p.minDelta) {
      plateauBest_ = value, plateauWait_ = 0;
    } else if (cooldownLeft_ == 0 && ++plateauWait_ >= p.patience) {
      double old = report.learningRate;
      if (old > p.minLr) {
        factor_ *= p.factor;
        d.log.push_back(fmt::format("Epoch {}: ReduceLROnPlateau reducing learning rate to {}.", epoch,
                                    std::max(old * p.factor, p.minLr)));
        cooldownLeft_ = p.cooldown, plateauWait_ = 0;
      }
    }
  }
  // ModelCheckpoint: every epoch, or with save_best_only when the value beats the best so far.
  if (checkpointMonitor_ && (!checkpointMonitor_->validation || report.validated)) {
    const CheckpointCallback& c = cfg_.checkpoint;
    double value = signedMonitorValue(report, *checkpointMonitor_);
    if (!c.saveBestOnly) {
      d.saveCheckpoint = true;
    } else if (value < checkpointBest_) {
      double shown = checkpointMonitor_->maximize ? -value : value;
      d.log.push_back(fmt::format("Epoch {}: {} improved from {:.5f} to {:.5f}, saving the model to {}", epoch,
                                  c.monitor, checkpointMonitor_->maximize ? -checkpointBest_ : checkpointBest_, shown,
                                  c.path));
      checkpointBest_ = value;
      d.saveCheckpoint = true;
    }
  }
  // EarlyStopping.on_epoch_end: an improvement is value + min_delta below the best; `patience`
  // epochs without one stop the run.
  if (earlyMonitor_ && (!earlyMonitor_->validation || report.validated)) {
    const EarlyStopping& e = cfg_.earlyStopping;
    double value = signedMonitorValue(report, *earlyMonitor_);
    if (value + e.minDelta < progress.best) {
      progress.best = value, progress.sinceBest = 0;
      d.newBestWeights = e.restoreBestWeights;
    } else if (++progress.sinceBest >= e.patience) {
      d.stop = true;
    }
  }
  return d;
}

namespace {

std::string exact(double v) { return fmt::format("{:.17g}", v); }

// The field `key` as a number (fallback when absent); +inf only where allowed ("nothing yet").
double field(const std::map<std::string, std::string>& metadata, const std::string& key, double fallback,
             const std::string& path, bool infinityAllowed) {
  auto it = metadata.find(key);
  if (it == metadata.end()) return fallback;
  const std::string& text = it->second;
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || std::isnan(v) || (std::isinf(v) && !(infinityAllowed && v > 0)))
    throw InputError(fmt::format("{}: the metadata field '{}' must be {}, found '{}'", path, key,
                                 infinityAllowed ? "a number or inf" : "a finite number", text));
  return v;
}

int64_t count(const std::map<std::string, std::string>& metadata, const std::string& key, const std::string& path) {
  double v = field(metadata, key, 0, path, false);
  if (!(v >= 0 && v == std::floor(v) && v < 1e15))
    throw InputError(fmt::format("{}: the metadata field '{}' must be a whole number from 0 up, found '{}'", path, key,
                                 metadata.at(key)));
  return static_cast<int64_t>(v);
}

}  // namespace

void TrainingCallbacks::write(std::map<std::string, std::string>& metadata) const {
  if (cfg_.reduceLrOnPlateau.enabled) {
    metadata["plateau_factor"] = exact(factor_);
    metadata["plateau_best"] = exact(plateauBest_);
    metadata["plateau_wait"] = std::to_string(plateauWait_);
    metadata["plateau_cooldown"] = std::to_string(cooldownLeft_);
  }
  if (cfg_.checkpoint.enabled) metadata["checkpoint_best"] = exact(checkpointBest_);
}

void TrainingCallbacks::read(const std::map<std::string, std::string>& metadata, const std::string& path) {
  if (cfg_.reduceLrOnPlateau.enabled) {
    factor_ = field(metadata, "plateau_factor", 1, path, false);
    if (!(factor_ > 0 && factor_ <= 1))
      throw InputError(fmt::format("{}: the metadata field 'plateau_factor' must be in (0, 1], found '{}'", path,
                                   metadata.at("plateau_factor")));
    plateauBest_ = field(metadata, "plateau_best", INFINITY, path, true);
    plateauWait_ = count(metadata, "plateau_wait", path);
    cooldownLeft_ = count(metadata, "plateau_cooldown", path);
  }
  if (cfg_.checkpoint.enabled) checkpointBest_ = field(metadata, "checkpoint_best", INFINITY, path, true);
}

}  // namespace graphc
