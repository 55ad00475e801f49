// \file The stable-loss rewrite: a pattern match on probs_cross_entropy(softmax(z), labels).
#include "passes/stable_losses.h"

namespace graphc {

int rewriteStableLosses(Graph& graph) {
  int rewritten = 0;
  for (size_t i = 0; i < graph.size(); ++i) {
    const Node& n = graph.node(static_cast<int>(i));
    if (n.op != "probs_cross_entropy") continue;
    const Node& probs = graph.node(n.inputs[0]);
    if (probs.op != "softmax" || probs.shape.size() != 2) continue;
    Node& mutableNode = graph.mutableNode(static_cast<int>(i));
    mutableNode.op = "softmax_cross_entropy";
    mutableNode.inputs[0] = probs.inputs[0];
    ++rewritten;
  }
  return rewritten;
}

}  // namespace graphc
