// \file Which value of a model holds its class scores (what `predict` and the MLIR export output).
// An analysis, not a rewrite: it reads a type-checked model and changes nothing.
#pragma once

#include "ir/model.h"

namespace graphc {

// Walking back from the train block's first metric, then its minimize value (or, without a train
// block, from every value nothing consumes, latest first), inputs in order: the first softmax over
// [?, K], else the first f32 [?, K] value. -1 when there is none.
int findClassScores(const Model& model);

// The model's output where it has no class scores (an autoencoder's reconstruction): the value
// the loss compares with its target, Keras' model output. Walking back from the minimize value,
// inputs in order, the first binary_crossentropy's probabilities, sigmoid_cross_entropy's logits
// (where a sigmoid of them exists, that sigmoid: binary_crossentropy(sigmoid(z), y) is computed as
// sigmoid_cross_entropy(z, y)), or a of the error square(a - b) or abs(a - b) of
// mean_squared_error(a, b), mean_absolute_error and huber. -1 when there is none.
int findLossPrediction(const Model& model);

}  // namespace graphc
