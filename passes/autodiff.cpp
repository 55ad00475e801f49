// \file Reverse-mode autodiff: seeds d(loss)/d(loss) = 1 and applies each op's gradient rule
// from the loss back to the variables.
#include "passes/autodiff.h"

#include "ir/op_table.h"
#include "passes/gradient_rules.h"
#include "support/diagnostics.h"

namespace graphc {

std::map<int, int> autodiff(Graph& graph, int loss, const std::vector<int>& wrt) {
  size_t count = static_cast<size_t>(loss) + 1;
  // needed[i]: node i lies on a path from some wrt value to the loss.
  std::vector<bool> dependsOnWrt(count, false);
  for (int v : wrt)
    if (v <= loss) dependsOnWrt[static_cast<size_t>(v)] = true;
  for (size_t i = 0; i < count; ++i)
    for (int in : graph.node(static_cast<int>(i)).inputs)
      if (dependsOnWrt[static_cast<size_t>(in)]) dependsOnWrt[i] = true;
  std::vector<bool> reachesLoss(count, false);
  reachesLoss[static_cast<size_t>(loss)] = true;
  for (size_t i = count; i-- > 0;)
    if (reachesLoss[i])
      for (int in : graph.node(static_cast<int>(i)).inputs) reachesLoss[static_cast<size_t>(in)] = true;

  graph.setBuildingGradient(true);
  std::vector<std::vector<int>> contributions(count);
  contributions[static_cast<size_t>(loss)].push_back(
      graph.add(Op::Constant, {}, Attrs().set("value", 1.0).set("dtype", std::string("f32"))));
  std::map<int, int> result;
  for (size_t i = count; i-- > 0;) {
    auto& parts = contributions[i];
    if (parts.empty() || !dependsOnWrt[i]) continue;
    graph.setGradientOf(static_cast<int>(i));
    int total = parts[0];
    for (size_t k = 1; k < parts.size(); ++k) total = graph.add(Op::Add, {total, parts[k]});
    Node node = graph.node(static_cast<int>(i));
    if (node.op == Op::Variable || node.op == Op::Placeholder) {
      result[node.id] = total;
      continue;
    }
    // No gradient flows through a non-differentiable or zero-gradient op; a gradient helper is never
    // reached (the forward graph has none), so it falls through to the check below.
    const OpDef& def = opDef(node.op);
    if (def.gradient != Gradient::Rule && !def.has(trait::GradientHelper)) continue;
    const GradFn* rule = findGradient(node.op);
    internalCheck(rule != nullptr, "autodiff", "no gradient rule for op '" + opName(node.op) + "'");
    GradContext ctx{graph, node, total};
    for (int in : node.inputs)
      ctx.needed.push_back(dependsOnWrt[static_cast<size_t>(in)] && reachesLoss[static_cast<size_t>(in)]);
    std::vector<int> inputGrads = (*rule)(ctx);
    for (size_t k = 0; k < node.inputs.size(); ++k) {
      int in = node.inputs[k];
      if (inputGrads[k] >= 0 && dependsOnWrt[static_cast<size_t>(in)] && reachesLoss[static_cast<size_t>(in)])
        contributions[static_cast<size_t>(in)].push_back(inputGrads[k]);
    }
  }
  graph.setGradientOf(-1);
  graph.setBuildingGradient(false);
  std::map<int, int> wanted;
  for (int v : wrt)
    if (result.count(v)) wanted[v] = result[v];
  return wanted;
}

}  // namespace graphc
