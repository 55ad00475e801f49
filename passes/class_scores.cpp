// \file The class-scores rule shared by `graphc predict` and `dump --stage mlir`, and the loss's
// prediction `graphc export` outputs where there are none.
#include "passes/class_scores.h"

#include <set>
#include <vector>

#include "ir/op_table.h"

namespace graphc {
namespace {

bool isClassScores(const Node& n) {
  return n.dtype == DType::F32 && n.shape.size() == 2 && n.shape[0] == kBatch && n.shape[1] >= 2;
}

std::vector<int> scoreRoots(const Model& model) {
  std::vector<int> roots;
  if (!model.train.metrics.empty()) roots.push_back(model.train.metrics[0]);
  if (model.train.minimize >= 0) roots.push_back(model.train.minimize);
  if (!roots.empty()) return roots;
  const Graph& g = model.graph;
  std::vector<bool> consumed(g.size(), false);
  for (const Node& n : g.nodes())
    for (int in : n.inputs) consumed[static_cast<size_t>(in)] = true;
  for (size_t id = g.size(); id-- > 0;)
    if (!consumed[id]) roots.push_back(static_cast<int>(id));
  return roots;
}

// square(a - b) or abs(a - b) with a and b of one shape with a batch dimension: the error term of
// mean_squared_error(a, b), mean_absolute_error and huber (BatchNorm's x - mean broadcasts a [C]).
bool isRegressionError(const Graph& g, const Node& n) {
  if (n.op != Op::Square && n.op != Op::Abs) return false;
  const Node& d = g.node(n.inputs[0]);
  if (d.op != Op::Sub) return false;
  const Node &a = g.node(d.inputs[0]), &b = g.node(d.inputs[1]);
  return a.shape == b.shape && hasBatch(a.shape);
}

}  // namespace

int findClassScores(const Model& model) {
  const Graph& g = model.graph;
  for (int root : scoreRoots(model)) {
    int firstScores = -1;
    std::set<int> seen;
    std::vector<int> stack = {root};
    while (!stack.empty()) {
      int id = stack.back();
      stack.pop_back();
      if (!seen.insert(id).second) continue;
      const Node& n = g.node(id);
      if (isSource(n.op)) continue;
      if (isClassScores(n)) {
        if (n.op == Op::Softmax) return id;
        if (firstScores < 0) firstScores = id;
      }
      for (auto in = n.inputs.rbegin(); in != n.inputs.rend(); ++in) stack.push_back(*in);
    }
    if (firstScores >= 0) return firstScores;
  }
  return -1;
}

int findLossPrediction(const Model& model) {
  const Graph& g = model.graph;
  if (model.train.minimize < 0) return -1;
  std::set<int> seen;
  std::vector<int> stack = {model.train.minimize};
  while (!stack.empty()) {
    int id = stack.back();
    stack.pop_back();
    if (!seen.insert(id).second) continue;
    const Node& n = g.node(id);
    if (n.op == Op::BinaryCrossentropy) return n.inputs[0];
    if (isRegressionError(g, n)) return g.node(n.inputs[0]).inputs[0];
    if (n.op == Op::SigmoidCrossEntropy) {  // the sigmoid that rewriteStableLosses took the logits from
      for (const Node& s : g.nodes())
        if (s.op == Op::Sigmoid && s.inputs[0] == n.inputs[0]) return s.id;
      return n.inputs[0];
    }
    for (auto in = n.inputs.rbegin(); in != n.inputs.rend(); ++in) stack.push_back(*in);
  }
  return -1;
}

}  // namespace graphc
