// \file The graph in Graphviz's dot language (`graphc dump --stage dot`).
#pragma once

#include <string>
#include <vector>

#include "ir/graph.h"

namespace graphc {

// One box per node (op, name, type); forward nodes white, gradient and update nodes blue.
// When kernels are given (each a list of node ids), the nodes of each kernel are drawn inside a
// cluster named after it, so the fusion plan is visible.
std::string printDot(const Graph& graph, const std::vector<std::vector<int>>& kernels = {});

}  // namespace graphc
