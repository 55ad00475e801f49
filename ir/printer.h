// \file The graph as text: one node per line, values numbered in order, types and source locations.
#pragma once

#include <string>

#include "ir/graph.h"

namespace graphc {

// `%12 = conv2d(%0, %11) strides=[1,1] padding=same : f32[?,28,28,6]  # c1  lenet5.mnn:7:6`
// Gradient nodes are marked `grad`. Deterministic, so dumps diff cleanly.
std::string printGraph(const Graph& graph);

// One node as printGraph prints it, without the indentation or the newline.
std::string printNode(const Graph& graph, int id);

// Where a location inside a `def` was expanded, innermost call first:
// ` (in res_block defined at m.mnn:1:1, called at m.mnn:20:5)`; empty outside functions.
std::string expansionText(const Graph& graph, SourceLoc loc);

}  // namespace graphc
