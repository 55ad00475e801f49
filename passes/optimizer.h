// \file Optimizer updates: for every trainable variable, the nodes computing its next value and
// the next values of the optimizer's state (Keras' SGD with momentum, Adam, RMSprop).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "ir/optimizer_spec.h"

namespace graphc {

struct TrainGraph {
  int loss = -1;
  int learningRate = -1;                // the scalar placeholder the session feeds with the learning rate
  int iterations = -1;                  // the optimizer's step counter (an f32 scalar variable, Keras' `iterations`)
  std::vector<VariableUpdate> updates;  // every trainable variable, optimizer slot and the counter
  // With fed gradients (data parallelism, runtime/distributed.h): each trainable variable's
  // gradient, and the placeholder the updates read it from instead, where the averaged gradient
  // of every process is fed.
  struct FedGradient {
    int variable, gradient, placeholder;
  };
  std::vector<FedGradient> fedGradients;
};

// Attribute that marks a variable as optimizer state (a slot or the step counter): a checkpoint
// that lacks it starts it at its initial value instead of failing.
constexpr const char* kOptimizerSlotAttr = "optimizer_slot";

// Differentiates loss with respect to every trainable variable and appends, as gradient nodes,
// the optimizer's update of each one plus the optimizer's state:
//   sgd      `sgd/velocity/V` (only when momentum != 0)
//   adam     `adam/m/V`, `adam/v/V` (adamw: `adamw/m/V`, `adamw/v/V`)
//   nadam    `nadam/m/V`, `nadam/v/V` and the scalar `nadam/u_product` (starts at 1)
//   rmsprop  `rmsprop/v/V`
//   adagrad  `adagrad/accumulator/V` (starts at initial_accumulator)
// each a non-trainable variable shaped like V (zero-initialised unless said), and a step counter
// `KIND/iterations` that the bias corrections read, so a run resumed from a checkpoint continues
// exactly. Gradients are clipped and weights decayed first, as OptimizerSpec says. Every next
// value is named `KIND/update/NAME` (NAME: the variable's name without the `KIND/` prefix). The
// learning rate is a placeholder that the trainer feeds every step (schedules, `--lr`,
// reduce_lr_on_plateau) without recompiling; the other hyperparameters are constants.
// Rewrites: appends nodes (autodiff's gradients, the updates, the slots, the counter, the
// learning-rate placeholder); existing nodes are untouched. Assumes a type-checked graph.
// Guarantees: every appended node is marked isGradient (variables and the learning-rate
// placeholder included); `updates` has one entry per trainable variable, slot and the counter,
// each `next` of its variable's type; the graph stays in topological order with unique names.
// With feedGradients, the updates read each gradient from an f32 placeholder shaped like its
// variable, `KIND/gradient/NAME` (listed in fedGradients): a train step is then two programs,
// the gradients and the updates, with an allreduce between them. Clipping applies to the fed
// (averaged) gradients, as in Horovod and PyTorch's DDP.
// Throws UserError (at where) when loss is not a scalar or depends on no trainable variable,
// or the optimizer kind is unknown.
TrainGraph buildTrainGraph(Graph& graph, int loss, const OptimizerSpec& optimizer, SourceLoc where,
                           bool feedGradients = false);

}  // namespace graphc
