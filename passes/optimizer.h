// \file Optimizer updates: for every trainable variable, the node computing its next value.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace graphc {

struct OptimizerSpec {
  std::string kind = "sgd";
  double learningRate = 0.01;
};

// A variable and the node that holds its value after one step.
struct VariableUpdate {
  int variable;
  int next;
};

struct TrainGraph {
  int loss = -1;
  int learningRate = -1;  // the scalar placeholder the session feeds with the learning rate
  std::vector<VariableUpdate> updates;
};

// Differentiates loss with respect to every trainable variable and appends the update nodes
// (`sgd/update/c1/kernel` = c1/kernel - lr * grad). The learning rate is a placeholder so that
// `--lr` changes it without recompiling. Throws UserError (at the minimize key's location)
// when loss is not a scalar or depends on no trainable variable.
TrainGraph buildTrainGraph(Graph& graph, int loss, const OptimizerSpec& optimizer, SourceLoc where);

}  // namespace graphc
