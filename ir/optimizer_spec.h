// \file The train block's optimizer settings and the variable updates a train step makes: types
// the front end fills in and the passes read.
#pragma once

#include <string>

namespace graphc {

// The train block's `optimizer`, with Keras' defaults. Only the fields of `kind` are used.
struct OptimizerSpec {
  std::string kind = "sgd";  // "sgd", "adam" or "rmsprop"
  double learningRate = 0.01;
  double momentum = 0;    // sgd
  bool nesterov = false;  // sgd
  double beta1 = 0.9;     // adam
  double beta2 = 0.999;   // adam
  double rho = 0.9;       // rmsprop
  double epsilon = 1e-7;  // adam, rmsprop
};

// The spec of an optimizer kind with every hyperparameter at Keras' default (sgd: lr 0.01;
// adam and rmsprop: lr 0.001).
OptimizerSpec defaultOptimizer(const std::string& kind);

// A variable and the node that holds its value after one step.
struct VariableUpdate {
  int variable;
  int next;
};

}  // namespace graphc
