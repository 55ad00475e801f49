// \file Non-finite checks. Node ids are topological (the graph is append-only), so the lowest id
// holding a bad value is where it started: everything it reads comes earlier and was finite.
#include "runtime/numerics.h"

#include <cmath>

#include "ir/op_table.h"
#include "ir/printer.h"

namespace graphc {

bool allFinite(const Halide::Buffer<>& value) {
  if (!value.type().is_float() || value.type().bits() != 32) return true;
  Halide::Buffer<float> b(value);
  bool finite = true;
  b.for_each_value([&](float v) { finite &= std::isfinite(v); });
  return finite;
}

int firstNonFinite(const Session::Snapshot& variables) {
  for (const auto& [id, value] : variables)
    if (!allFinite(value)) return id;
  return -1;
}

int firstNonFiniteValue(Session& session, const std::vector<int>& fetches, int64_t batch) {
  const Graph& graph = session.graph();
  std::vector<bool> needed(graph.size(), false);
  for (int f : fetches) needed[static_cast<size_t>(f)] = true;
  for (int id = static_cast<int>(graph.size()) - 1; id >= 0; --id)
    if (needed[static_cast<size_t>(id)])
      for (int in : graph.node(id).inputs) needed[static_cast<size_t>(in)] = true;
  // Sources first: a fed batch or a variable may already hold the bad value.
  std::vector<int> computed;
  for (int id = 0; id < static_cast<int>(graph.size()); ++id) {
    if (!needed[static_cast<size_t>(id)]) continue;
    const Node& n = graph.node(id);
    if (isSource(n.op)) {
      if (n.op == Op::Variable && !allFinite(session.variable(id))) return id;
      continue;
    }
    computed.push_back(id);
  }
  if (computed.empty()) return -1;
  std::vector<Halide::Buffer<>>& values = session.run(computed, batch);
  for (size_t i = 0; i < computed.size(); ++i) {
    values[i].copy_to_host();
    if (!allFinite(values[i])) return computed[i];
  }
  return -1;
}

std::string describeValue(const Graph& graph, int node) {
  const Node& n = graph.node(node);
  std::string what = n.op == Op::Variable ? "a variable"
                     : n.isGradient       ? "in the backward pass"
                                          : "in the forward pass";
  if (n.isGradient && n.gradientOf >= 0) what += ", part of the gradient of " + printNode(graph, n.gradientOf);
  return printNode(graph, node) + " (" + what + ")";
}

}  // namespace graphc
