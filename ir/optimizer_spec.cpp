// \file Keras' default optimizer settings and its learning-rate schedules (Keras 3,
// keras/src/optimizers/schedules/learning_rate_schedule.py), evaluated in double precision.
#include "ir/optimizer_spec.h"

#include <algorithm>

namespace graphc {

const std::vector<std::string>& optimizerKinds() {
  static const std::vector<std::string> kinds = {"sgd", "adam", "adamw", "nadam", "rmsprop", "adagrad"};
  return kinds;
}

const std::vector<std::string>& scheduleKinds() {
  static const std::vector<std::string> kinds = {"exponential_decay", "piecewise_constant", "cosine_decay",
                                                 "polynomial_decay"};
  return kinds;
}

// Keras 3's defaults (keras.optimizers.*.__init__): learning_rate 0.01 for SGD, 0.001 for the
// others; AdamW's weight_decay 0.004; Adagrad's initial_accumulator_value 0.1; epsilon 1e-7.
OptimizerSpec defaultOptimizer(const std::string& kind) {
  OptimizerSpec spec;
  spec.kind = kind;
  spec.learningRate = kind == "sgd" ? 0.01 : 0.001;
  if (kind == "adamw") spec.weightDecay = 0.004;
  return spec;
}

double learningRateAt(const OptimizerSpec& optimizer, int64_t stepCount) {
  const LrSchedule& s = optimizer.schedule;
  double initial = optimizer.learningRate;
  double step = static_cast<double>(stepCount);
  if (s.kind == "exponential_decay") {
    // ExponentialDecay: initial * rate^(step / decay_steps), the exponent floored when staircase.
    double p = step / s.decaySteps;
    if (s.staircase) p = std::floor(p);
    return initial * std::pow(s.decayRate, p);
  }
  if (s.kind == "piecewise_constant") {
    // PiecewiseConstant: values[0] while step <= boundaries[0], values[i] while
    // boundaries[i-1] < step <= boundaries[i], the last value after the last boundary.
    size_t i = 0;
    while (i < s.boundaries.size() && step > s.boundaries[i]) ++i;
    return i == 0 ? initial : s.values[i];
  }
  if (s.kind == "cosine_decay") {
    // CosineDecay: without warmup_target, from initial to alpha * initial over decay_steps; with
    // it, linearly from initial to warmup_target over warmup_steps, then the cosine from
    // warmup_target to alpha * warmup_target over decay_steps. The step stops at the end.
    auto decay = [&](double t, double from) {
      double cosine = 0.5 * (1 + std::cos(M_PI * t / s.decaySteps));
      return from * ((1 - s.alpha) * cosine + s.alpha);
    };
    if (std::isnan(s.warmupTarget)) return decay(std::min(step, s.decaySteps), initial);
    step = std::min(step, s.decaySteps + s.warmupSteps);
    if (step < s.warmupSteps) return (s.warmupTarget - initial) * (step / s.warmupSteps) + initial;
    return decay(step - s.warmupSteps, s.warmupTarget);
  }
  if (s.kind == "polynomial_decay") {
    // PolynomialDecay (cycle = False): (initial - end) * (1 - min(step, decay_steps) /
    // decay_steps)^power + end.
    double t = std::min(step, s.decaySteps);
    return (initial - s.end) * std::pow(1 - t / s.decaySteps, s.power) + s.end;
  }
  return initial;
}

}  // namespace graphc
