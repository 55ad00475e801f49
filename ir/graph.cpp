// \file Graph construction: every node is type-checked by the op table as it is added.
#include "ir/graph.h"

#include <algorithm>
#include <cstdint>
#include <limits>

#include "ir/op_table.h"
#include "support/diagnostics.h"

namespace graphc {
namespace {

// Every value must be a tensor graphc can allocate and Halide can index: Halide's buffers have
// 32-bit extents. Checking each node as it is added keeps the products of later shape inference,
// of numElements and of the summary's parameter counts far from int64 overflow
// (`variable([4000000000, 4000000000, 4000000000])` passed `check` and overflowed numElements in
// `summary`: tests/fuzz/regressions/frontend).
void checkShape(const Node& n) {
  constexpr int64_t kMaxElements = std::numeric_limits<int32_t>::max();
  int64_t count = 1;
  for (int64_t d : n.shape) {
    if (d == kBatch) continue;
    if (d < 0)
      throw UserError(n.loc, opName(n.op) + ": the shape " + shapeToString(n.shape) + " has a negative dimension " +
                                 std::to_string(d));
    if (d > kMaxElements || (d != 0 && count > kMaxElements / d))
      throw UserError(n.loc, opName(n.op) + ": the shape " + shapeToString(n.shape) +
                                 " has more than 2^31 - 1 elements (besides the batch), more than graphc's "
                                 "kernels can index");
    count *= d;
  }
}

}  // namespace

int Graph::add(Op op, std::vector<int> inputs, Attrs attrs, SourceLoc loc, std::string name) {
  const OpDef* def = &opDef(op);
  int arity = static_cast<int>(inputs.size());
  if (arity < def->minInputs || arity > def->maxInputs)
    throw UserError(loc, opName(op) + " expects " + std::to_string(def->minInputs) +
                             (def->maxInputs != def->minInputs ? " to " + std::to_string(def->maxInputs) : "") +
                             " inputs, found " + std::to_string(arity));
  Node n;
  n.id = static_cast<int>(nodes_.size());
  n.op = op;
  n.inputs = std::move(inputs);
  n.attrs = std::move(attrs);
  n.name = std::move(name);
  n.loc = loc;
  if (expansion_ >= 0 && loc.valid() && loc.expansion < 0) n.loc.expansion = expansion_;
  n.isGradient = buildingGradient_;
  if (buildingGradient_) n.gradientOf = gradientOf_;
  for (int in : n.inputs) internalCheck(in >= 0 && in < n.id, "graph", "input out of order in " + opName(op));
  TypeContext ctx{*this, n};
  def->inferType(ctx);
  checkShape(n);
  nodes_.push_back(std::move(n));
  return nodes_.back().id;
}

int Graph::findByName(const std::string& name) const {
  for (const Node& n : nodes_)
    if (n.name == name) return n.id;
  return -1;
}

std::vector<int> Graph::variables(bool trainableOnly) const {
  std::vector<int> ids;
  for (const Node& n : nodes_)
    if (n.op == Op::Variable && (!trainableOnly || n.attrs.getInt("trainable", 1))) ids.push_back(n.id);
  return ids;
}

std::vector<int> reachableFrom(const Graph& graph, const std::vector<int>& roots) {
  std::vector<char> seen(graph.size(), 0);
  std::vector<int> stack(roots.begin(), roots.end());
  while (!stack.empty()) {
    int id = stack.back();
    stack.pop_back();
    if (seen[static_cast<size_t>(id)]) continue;
    seen[static_cast<size_t>(id)] = 1;
    for (int in : graph.node(id).inputs) stack.push_back(in);
  }
  std::vector<int> out;
  for (size_t i = 0; i < seen.size(); ++i)
    if (seen[i]) out.push_back(static_cast<int>(i));
  return out;
}

}  // namespace graphc
