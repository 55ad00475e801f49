// \file The graph verifier: structural checks, then each node's type rule re-run on its inputs.
#include "ir/verifier.h"

#include <map>

#include "ir/op_table.h"
#include "support/diagnostics.h"

namespace graphc {
namespace {

std::string describeNode(const Node& n) {
  std::string inputs;
  for (int in : n.inputs) inputs += (inputs.empty() ? "%" : ", %") + std::to_string(in);
  return "%" + std::to_string(n.id) + " = " + opName(n.op) + "(" + inputs + ")";
}

// The problems of one node whose inputs are known to be in range; "" when there are none.
std::string typeProblem(const Graph& graph, const Node& n) {
  Node copy = n;  // the rule fills in dtype and shape (and may set derived attributes)
  copy.shape.clear();
  TypeContext ctx{graph, copy};
  try {
    opDef(n.op).inferType(ctx);
  } catch (const UserError& e) {
    return std::string("its type rule rejects its inputs: ") + e.what();
  }
  if (copy.dtype != n.dtype || copy.shape != n.shape)
    return "it is stored as " + typeToString(n.dtype, n.shape) + " but its type rule gives " +
           typeToString(copy.dtype, copy.shape);
  return "";
}

}  // namespace

std::vector<std::string> verifyGraph(const Graph& graph) {
  std::vector<std::string> problems;
  std::map<std::string, int> named;
  for (size_t i = 0; i < graph.size(); ++i) {
    const Node& n = graph.nodes()[i];
    auto fail = [&](const std::string& what) { problems.push_back(describeNode(n) + ": " + what); };
    if (n.id != static_cast<int>(i)) fail("its id is not its position " + std::to_string(i));
    const OpDef* def = &opDef(n.op);
    int arity = static_cast<int>(n.inputs.size());
    if (arity < def->minInputs || arity > def->maxInputs) {
      fail("the op table allows " + std::to_string(def->minInputs) + " to " + std::to_string(def->maxInputs) +
           " inputs, found " + std::to_string(arity));
      continue;
    }
    bool inputsInOrder = true;
    for (int in : n.inputs) {
      if (in < 0 || in >= static_cast<int>(i)) {
        fail("input %" + std::to_string(in) + " is not an earlier node");
        inputsInOrder = false;
      }
    }
    if (!inputsInOrder) continue;  // the type rule would read nodes that do not exist
    if (std::string problem = typeProblem(graph, n); !problem.empty()) fail(problem);
    if (!n.name.empty()) {
      auto [it, fresh] = named.emplace(n.name, n.id);
      if (!fresh) fail("the name '" + n.name + "' is also %" + std::to_string(it->second) + "'s");
    }
    if (n.gradientOf >= 0) {
      if (!n.isGradient)
        fail("it names %" + std::to_string(n.gradientOf) + " as its forward node but is not a gradient");
      if (n.gradientOf >= n.id || graph.node(n.gradientOf).isGradient)
        fail("its forward node %" + std::to_string(n.gradientOf) + " is not an earlier forward node");
    }
    if (!n.isGradient)
      for (int in : n.inputs)
        if (graph.node(in).isGradient) fail("a forward node reads the gradient node %" + std::to_string(in));
  }
  return problems;
}

void verifyGraphAfter(const Graph& graph, const std::string& stage) {
  std::vector<std::string> problems = verifyGraph(graph);
  if (problems.empty()) return;
  std::string message = "the graph after " + stage + " is malformed (" + std::to_string(problems.size()) + " problems)";
  for (size_t i = 0; i < problems.size() && i < 10; ++i) message += "\n  " + problems[i];
  throw InternalError(message);
}

}  // namespace graphc
