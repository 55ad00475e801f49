// \file The op table: every graph op declared once with its arity, type rule and meaning.
//
// Gradient rules live in passes/gradient_rules.cpp, Halide lowerings in codegen/lower_*.cpp
// (found through codegen/lowering.cpp) and naive references in tests/testing/reference_*.cpp,
// each a table keyed by the same names; tests/unit/test_op_table.cpp fails for any op missing
// from one of them.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace graphc {

// What a type rule sees: the graph so far (for input types) and the node being added,
// whose dtype and shape it fills in. Errors are UserErrors at the node's location.
struct TypeContext {
  const Graph& graph;
  Node& node;
  const Node& input(size_t i) const { return graph.node(node.inputs.at(i)); }
  [[noreturn]] void fail(const std::string& message) const;
};

enum class OpKind {
  Source,       // placeholder, variable, constant: values that come from outside the kernels
  Elementwise,  // output element i depends only on input elements at i (after broadcasting)
  Other,        // reductions, convolutions, reshapes...
};

struct OpDef {
  std::string name;
  int minInputs = 0;
  int maxInputs = 0;
  OpKind kind = OpKind::Other;
  std::function<void(TypeContext&)> inferType;
  std::string doc;
};

const OpDef* findOp(const std::string& name);
const std::vector<OpDef>& allOps();

// Output size and leading pad of one spatial dimension of a convolution or pooling window,
// with TensorFlow's rules ("same": out = ceil(in / stride), the odd pad goes after).
struct WindowDim {
  int64_t out = 0;
  int64_t padBefore = 0;
};
WindowDim windowDim(int64_t in, int64_t kernel, int64_t stride, int64_t dilation, const std::string& padding);

}  // namespace graphc
