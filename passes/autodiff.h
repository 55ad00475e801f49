// \file Reverse-mode automatic differentiation over the graph, as tf.gradients does it.
#pragma once

#include <map>
#include <vector>

#include "ir/graph.h"

namespace graphc {

// Appends to the graph the nodes that compute d(loss)/d(v) for each v in wrt, walking the
// nodes between them in reverse topological order and summing the contributions of every use.
// Assumes loss is a scalar f32. Guarantees: every added node is marked isGradient; the returned
// map has an entry for each v in wrt that the loss depends on (others are left out); existing
// nodes are untouched.
std::map<int, int> autodiff(Graph& graph, int loss, const std::vector<int>& wrt);

}  // namespace graphc
