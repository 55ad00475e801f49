// \file Rewrites Keras losses on softmax probabilities into their numerically stable logit form.
#pragma once

#include "ir/graph.h"

namespace graphc {

// probs_cross_entropy(softmax(z), labels) becomes softmax_cross_entropy(z, labels): the same
// value without the clip at 1e-7, and a gradient (softmax(z) - onehot) that does not vanish when
// a probability underflows. Assumes nothing; guarantees node ids and names are unchanged (the
// softmax stays for other users, such as accuracy) and the graph stays in topological order.
// Returns the number of nodes rewritten.
int rewriteStableLosses(Graph& graph);

}  // namespace graphc
