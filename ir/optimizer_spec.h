// \file The train block's optimizer settings and the variable updates a train step makes: types
// the front end fills in and the passes read.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace graphc {

// The learning rate as a function of the optimizer's step count before the step (0 for the first
// step), Keras 3's keras.optimizers.schedules; kind "constant" is a plain number. The initial value
// is OptimizerSpec::learningRate (so `--lr` replaces it for every kind; for piecewise_constant it
// stands in for values[0]).
struct LrSchedule {
  std::string kind = "constant";  // constant, exponential_decay, piecewise_constant, cosine_decay, polynomial_decay
  double decaySteps = 1;
  double decayRate = 1;                // exponential_decay
  bool staircase = false;              // exponential_decay
  std::vector<double> boundaries;      // piecewise_constant
  std::vector<double> values;          // piecewise_constant: one more than boundaries
  double alpha = 0;                    // cosine_decay
  double warmupSteps = 0;              // cosine_decay
  double warmupTarget = std::nan("");  // cosine_decay: NaN for none (no warmup)
  double end = 1e-4;                   // polynomial_decay
  double power = 1;                    // polynomial_decay
};

// The names `lr = NAME(...)` accepts, in the order the docs list them.
const std::vector<std::string>& scheduleKinds();

// The train block's `optimizer`, with Keras' defaults. Only the fields of `kind` are used.
struct OptimizerSpec {
  std::string kind = "sgd";    // one of optimizerKinds()
  double learningRate = 0.01;  // the schedule's initial value (the rate itself when constant)
  LrSchedule schedule;
  double momentum = 0;              // sgd
  bool nesterov = false;            // sgd
  double beta1 = 0.9;               // adam, adamw, nadam
  double beta2 = 0.999;             // adam, adamw, nadam
  double rho = 0.9;                 // rmsprop
  double epsilon = 1e-7;            // adam, adamw, nadam, rmsprop, adagrad
  double initialAccumulator = 0.1;  // adagrad
  // Every optimizer (Keras 3's base Optimizer); 0 is off. Applied in this order within a step:
  // clipnorm (each variable's gradient), global_clipnorm (all together), clipvalue (elementwise),
  // then the decoupled weight decay w -= lr * weight_decay * w, then the optimizer's update.
  double weightDecay = 0;
  double clipnorm = 0;
  double globalClipnorm = 0;
  double clipvalue = 0;
};

// The optimizer names the train block accepts, in the order the docs list them.
const std::vector<std::string>& optimizerKinds();

// The spec of an optimizer kind with every hyperparameter at Keras' default (sgd: lr 0.01; the
// others lr 0.001; adamw weight_decay 0.004).
OptimizerSpec defaultOptimizer(const std::string& kind);

// The learning rate of the optimizer's schedule at its step count `step` (0 before the first
// step), in double precision.
double learningRateAt(const OptimizerSpec& optimizer, int64_t step);

// A variable and the node that holds its value after one step.
struct VariableUpdate {
  int variable;
  int next;
};

}  // namespace graphc
