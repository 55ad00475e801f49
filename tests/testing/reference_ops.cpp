// \file The table of reference implementations, shape index helpers and a whole-graph evaluator
// that runs the references node by node (the "naive interpreter" tests compare Halide against).
#include "testing/reference_ops.h"

#include <cmath>
#include <stdexcept>

namespace graphc {

size_t elementCount(const Shape& shape) {
  size_t n = 1;
  for (int64_t d : shape) n *= static_cast<size_t>(d);
  return n;
}

std::vector<int64_t> unravelIndex(size_t flat, const Shape& shape) {
  std::vector<int64_t> index(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    index[d] = static_cast<int64_t>(flat % static_cast<size_t>(shape[d]));
    flat /= static_cast<size_t>(shape[d]);
  }
  return index;
}

size_t ravelIndex(const std::vector<int64_t>& index, const Shape& shape) {
  size_t flat = 0;
  for (size_t d = 0; d < shape.size(); ++d) flat = flat * static_cast<size_t>(shape[d]) + static_cast<size_t>(index[d]);
  return flat;
}

RefTensor zeros(const Shape& shape, DType dtype) {
  return {shape, std::vector<double>(elementCount(shape), 0.0), dtype};
}

const ReferenceFn* findReference(Op op) {
  // Indexed by Op; empty where an op has no reference (sources).
  static const std::vector<ReferenceFn> table = [] {
    ReferenceTable entries;
    registerElementwiseReferences(entries);
    registerNNReferences(entries);
    registerReductionReferences(entries);
    registerShapeReferences(entries);
    registerV2NNReferences(entries);
    std::vector<ReferenceFn> byOp(kNumOps);
    for (auto& [op, fn] : entries) byOp[opIndex(op)] = std::move(fn);
    return byOp;
  }();
  const ReferenceFn& fn = table[opIndex(op)];
  return fn ? &fn : nullptr;
}

std::map<int, RefTensor> evaluateReference(const Graph& graph, const std::vector<int>& outputs,
                                           const std::map<int, RefTensor>& sources) {
  std::map<int, RefTensor> values;
  for (int id : reachableFrom(graph, outputs)) {
    const Node& n = graph.node(id);
    if (n.op == Op::Placeholder || n.op == Op::Variable) {
      auto it = sources.find(id);
      if (it == sources.end()) throw std::invalid_argument("evaluateReference: no value for source " + n.name);
      values[id] = it->second;
      continue;
    }
    if (n.op == Op::Constant) {
      double v = n.attrs.getFloat("value");
      // A constant is converted to its dtype the way a C cast (and Halide's) does.
      if (n.dtype == DType::I32) v = std::trunc(v);
      if (n.dtype == DType::Bool) v = v != 0 ? 1 : 0;
      values[id] = RefTensor{{}, {v}, n.dtype};
      continue;
    }
    const ReferenceFn* ref = findReference(n.op);
    if (!ref) throw std::invalid_argument("evaluateReference: no reference for op " + opName(n.op));
    std::vector<RefTensor> inputs;
    for (int in : n.inputs) inputs.push_back(values.at(in));
    values[id] = (*ref)(n, inputs);
  }
  return values;
}

}  // namespace graphc
