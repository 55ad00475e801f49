// \file Naive double-precision reference implementations of every non-source op, written from the
// math with plain loops, against which the Halide kernels and the gradient rules are tested.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "ir/graph.h"
#include "ir/ops.h"

namespace graphc {

// A dense value in row-major user order. Integer and boolean values are stored exactly as
// doubles (booleans as 0/1), so one container serves every dtype.
struct RefTensor {
  Shape shape;
  std::vector<double> data;
  DType dtype = DType::F32;
};

// Computes a node's value from its inputs' values. Shapes are taken from the inputs, never from
// the node (whose shape may still hold the batch `?`); attributes come from the node.
using ReferenceFn = std::function<RefTensor(const Node& node, const std::vector<RefTensor>& inputs)>;

// The reference of op, or nullptr when there is none (sources have none: they are fed).
const ReferenceFn* findReference(Op op);

// Evaluates every node that outputs need with the references. Placeholders and variables take
// their values from sources (keyed by node id); constants come from their attributes.
std::map<int, RefTensor> evaluateReference(const Graph& graph, const std::vector<int>& outputs,
                                           const std::map<int, RefTensor>& sources);

// Element count of a fully known shape (1 for a scalar).
size_t elementCount(const Shape& shape);
// The row-major multi-index of a flat position, and back.
std::vector<int64_t> unravelIndex(size_t flat, const Shape& shape);
size_t ravelIndex(const std::vector<int64_t>& index, const Shape& shape);
// A zero-filled tensor.
RefTensor zeros(const Shape& shape, DType dtype = DType::F32);

// Registration by the files that implement references (one per op family, as in codegen/).
using ReferenceTable = std::vector<std::pair<Op, ReferenceFn>>;
void registerElementwiseReferences(ReferenceTable& table);
void registerNNReferences(ReferenceTable& table);
void registerReductionReferences(ReferenceTable& table);
void registerShapeReferences(ReferenceTable& table);
void registerV2NNReferences(ReferenceTable& table);  // v2 nn ops

}  // namespace graphc
