// \file Rewrites numerically unstable patterns on softmax and sigmoid probabilities into their stable logit form.
#pragma once

#include "ir/graph.h"

namespace graphc {

// Three rewrites, each giving the value the user wrote without its underflow:
//  - probs_cross_entropy(softmax(z), labels) becomes softmax_cross_entropy(z, labels): the same
//    value without the clip at 1e-7, and a gradient (softmax(z) - onehot) that does not vanish
//    when a probability underflows. Keras' renormalization p / sum(p) in front of the loss
//    (categorical_crossentropy) is seen through: softmax rows already sum to 1.
//  - log(softmax(z)) becomes log_softmax(z) (TF1's -reduce_sum(y_ * log(y_conv))): finite where
//    the softmax underflows to 0 and log would give -inf.
//  - binary_crossentropy(sigmoid(x), y) becomes sigmoid_cross_entropy(x, y), as Keras 2 computes
//    it from the sigmoid's logits: no clip at 1e-7, a gradient sigmoid(x) - y that never vanishes.
// Assumes nothing; guarantees node ids and names are unchanged (the softmax stays for other
// users, such as accuracy) and the graph stays in topological order. Returns the number of nodes
// rewritten.
int rewriteStableLosses(Graph& graph);

}  // namespace graphc
