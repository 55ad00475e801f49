// \file Lowering helpers for the train block's arguments: hyperparameters checked against their
// ranges, and the optimizer with its learning-rate schedule (frontend/lower_optimizer.cpp).
#pragma once

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "frontend/call_args.h"
#include "frontend/lowerer.h"

namespace graphc {

// The range a hyperparameter must lie in, (lo, hi); an end is included when its flag says so.
struct Range {
  double lo, hi;
  bool loIncluded, hiIncluded;
};
constexpr Range kPositive{0, INFINITY, false, false};
constexpr Range kNonNegative{0, INFINITY, true, false};
constexpr Range kUnitOpen{0, 1, true, false};  // [0, 1): decay rates
constexpr Range kUnitClosed{0, 1, true, true};

// A constant number, checked against its range at its own location (`owner: NAME must be ...`).
// A call or a list where a number belongs is an error naming what was found.
double checkedNumber(Lowerer& L, const Expr& e, const std::string& owner, const std::string& name, Range r);

// The argument `name` of a call as a checked number, or fallback when it is absent.
double hyperparameter(Lowerer& L, const CallArgs& args, const std::string& name, double fallback, Range r);

// sgd, adam, adamw, nadam, rmsprop or adagrad with Keras' defaults; `lr` a number or a schedule.
OptimizerSpec lowerOptimizer(Lowerer& L, const Expr& call);

// `data = ...`: mnist, fashion_mnist, idx, npz, npy, csv or image_folder with its files and the common arguments
// (frontend/lower_data.cpp).
DataSpec lowerDataSpec(Lowerer& L, const Expr& call);

// `early_stopping`, `reduce_lr_on_plateau` or `checkpoint` (owner) = a map of its settings.
void lowerCallback(Lowerer& L, const std::string& owner, const Expr& map, TrainConfig& cfg);

// Each enabled callback's monitor must be something the run reports (checked once the whole
// train block is read: the metrics may come after the callbacks).
void checkMonitors(const TrainConfig& cfg);

// `class_weight`'s map as (class, weight) pairs, each class in [0, classes) (classes <= 0:
// unchecked) and named once, each weight at least 0.
std::vector<std::pair<int64_t, double>> classWeights(Lowerer& L, const Expr& map, int64_t classes);

// The cross-entropy node `loss` weighted by the train block's class_weight while training, or
// loss itself when the block has none (frontend/lower_class_weight.cpp).
int classWeighted(Lowerer& L, int loss, SourceLoc loc);

}  // namespace graphc
