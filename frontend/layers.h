// \file Graph builders of the layers whose body is more than one op, shared by the layer lowering
// (frontend/lower_layers.cpp) and the tests.
#pragma once

#include <vector>

#include "ir/graph.h"
#include "ir/model.h"
#include "ir/optimizer_spec.h"

namespace graphc {

struct BatchNormVariables {
  int gamma = -1, beta = -1;                 // trainable, [channels]
  int movingMean = -1, movingVariance = -1;  // non-trainable state, [channels]
};

// Keras' BatchNormalization over the last axis of x, from differentiable graph ops so that
// gradients flow through the batch statistics. While training (the f32 scalar `training` is 1)
// it normalizes with the batch mean and biased variance over every other axis, otherwise with the
// moving statistics. Appends to updates the statistics' values after a train step, as Keras 2
// computes them: moving * momentum + batch * (1 - momentum), where the batch variance is made
// unbiased with n / (n - 1 - epsilon). Returns batch_norm's output node.
int buildBatchNorm(Graph& graph, int x, const BatchNormVariables& vars, int training, double momentum, double epsilon,
                   SourceLoc loc, std::vector<VariableUpdate>* updates);

// Adds the layers' regularization terms (Model::regularizers) to the minimized loss, as Keras
// adds model.losses: train.minimize becomes loss + regularization_loss, a node of that name (so
// the dumps show it as its own item). Nothing without terms or without a train block.
void addRegularization(Model& model);

// Keras' LayerNormalization over `axes` (increasing, none the batch's) of x: (x - mean) /
// sqrt(var + epsilon) * gamma + beta, with the mean and the biased variance over those axes of each
// example; gamma and beta have the normalized axes' lengths in order ([x.shape[a] for a in axes]),
// broadcast along the axes between and after them.
int buildLayerNorm(Graph& graph, int x, int gamma, int beta, const std::vector<int64_t>& axes, double epsilon,
                   SourceLoc loc);

}  // namespace graphc
