// \file Gradient rules: for each op that ir/ops.def declares Gradient::Rule, the graph nodes that
// compute its inputs' gradients from its output's gradient (found by Op; autodiff walks them).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace graphc {

struct GradContext {
  Graph& graph;
  Node node;                      // a copy: adding nodes may move the graph's storage
  int gradOut;                    // the gradient of the loss with respect to node's output
  std::vector<bool> needed = {};  // by input: whether autodiff wants its gradient (empty: all)

  // Rules whose input gradients are costly (convolutions, matmul) build only the needed ones.
  bool wants(size_t input) const { return needed.empty() || needed.at(input); }
};

// Returns one gradient node id per input of the node, -1 where the input gets none.
// A rule assumes node is type-checked and gradOut has node's type; it only appends nodes
// (autodiff marks them as gradients) and guarantees each returned gradient has its input's type.
using GradFn = std::function<std::vector<int>(GradContext&)>;

// The rule for op; nullptr when it has none. The op table's gradient decision (ir/ops.def) says
// which ops have one: tests/unit/test_op_table.cpp checks that the two agree.
const GradFn* findGradient(Op op);

}  // namespace graphc
