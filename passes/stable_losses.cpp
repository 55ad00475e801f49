// \file The stable-loss rewrites: pattern matches on softmax probabilities feeding a
// cross-entropy or a log, and on sigmoid probabilities feeding a binary crossentropy.
#include "passes/stable_losses.h"

namespace graphc {
namespace {

// p / reduce_sum(p, last axis, keepdims): the normalization categorical_crossentropy puts in front
// of the loss. Returns p, or -1 when node is something else.
int normalizedInput(const Graph& graph, const Node& node) {
  if (node.op != Op::Div) return -1;
  const Node& total = graph.node(node.inputs[1]);
  int p = node.inputs[0];
  if (total.op != Op::ReduceSum || total.inputs[0] != p || !total.attrs.getInt("keepdims")) return -1;
  int64_t last = static_cast<int64_t>(graph.node(p).shape.size()) - 1;
  return total.attrs.getInts("axes") == std::vector<int64_t>{last} ? p : -1;
}

// The softmax node behind a loss's probabilities (through a renormalization), or -1.
int softmaxBehind(const Graph& graph, int probs) {
  int normalized = normalizedInput(graph, graph.node(probs));
  if (normalized >= 0) probs = normalized;
  return graph.node(probs).op == Op::Softmax ? probs : -1;
}

}  // namespace

int rewriteStableLosses(Graph& graph) {
  int rewritten = 0;
  for (size_t i = 0; i < graph.size(); ++i) {
    Node& n = graph.mutableNode(static_cast<int>(i));
    // binary_crossentropy(sigmoid(x), y) is sigmoid_cross_entropy(x, y), as Keras computes it.
    if (n.op == Op::BinaryCrossentropy && graph.node(n.inputs[0]).op == Op::Sigmoid) {
      n.op = Op::SigmoidCrossEntropy;
      n.inputs[0] = graph.node(n.inputs[0]).inputs[0];
      ++rewritten;
      continue;
    }
    bool isLog = n.op == Op::Log;
    if (!isLog && n.op != Op::ProbsCrossEntropy) continue;
    int softmax = softmaxBehind(graph, n.inputs[0]);
    if (softmax < 0) continue;
    if (isLog && n.inputs[0] != softmax) continue;  // log(p / sum(p)) is left alone
    int logits = graph.node(softmax).inputs[0];
    if (!isLog && graph.node(logits).shape.size() != 2) continue;
    n.op = isLog ? Op::LogSoftmax : Op::SoftmaxCrossEntropy;
    n.inputs[0] = logits;
    ++rewritten;
  }
  return rewritten;
}

}  // namespace graphc
