// \file `class_weight = {0: 1.0, 3: 2.5}`: Keras' per-class weights on each example's loss while
// training. The train block comes after the loss it weights, so the loss's lowering looks the
// setting up in the program (classWeighted) and the train block only checks it was used.
#include <fmt/format.h>

#include "frontend/train_args.h"

namespace graphc {
namespace {

const Expr* classWeightSetting(const Program& program) {
  for (const Stmt& s : program.stmts)
    if (s.kind == StmtKind::Train)
      for (const Stmt& t : s.body)
        if (t.name == "class_weight") return t.value.get();
  return nullptr;
}

}  // namespace

std::vector<std::pair<int64_t, double>> classWeights(Lowerer& L, const Expr& map, int64_t classes) {
  if (map.kind != ExprKind::Map)
    throw UserError(map.loc, "expected a map of class ids to weights, such as {0: 1.0, 3: 2.5}, for class_weight");
  std::vector<std::pair<int64_t, double>> weights;
  for (const auto& [key, value] : map.entries) {
    int64_t c = L.evalInt(*key, "a class id");
    if (c < 0 || (classes > 0 && c >= classes))
      throw UserError(key->loc, fmt::format("class_weight names class {}, but the model has {} classes (0 to {})", c,
                                            classes, classes - 1));
    for (const auto& [seen, w] : weights)
      if (seen == c) throw UserError(key->loc, fmt::format("class_weight names class {} twice", c));
    weights.emplace_back(
        c, checkedNumber(L, *value, "class_weight", fmt::format("the weight of class {}", c), kNonNegative));
  }
  return weights;
}

// Keras weighs each example's loss by its class's weight and divides the weighted sum by the
// batch size. With l_n the loss of example n (class y_n) and mean_n(l_n) the op's value:
//   mean_n(w[y_n] l_n) = mean_n(l_n) + sum over the named classes c of (w_c - 1) mean_n(onehot_nc l_n)
// and onehot_nc l_n = -onehot_nc log p_nc, so only the named classes' columns are computed and
// the fused, numerically stable loss op stays as it is. The correction is multiplied by the
// training flag: validation and test losses are unweighted, as in Keras.
int classWeighted(Lowerer& L, int loss, SourceLoc loc) {
  const Expr* setting = classWeightSetting(L.program());
  if (!setting) return loss;
  Graph& g = L.model().graph;
  const Node ce = g.node(loss);
  int scores = ce.inputs[0], labels = ce.inputs[1];
  int64_t classes = g.node(scores).shape.back();
  auto weights = classWeights(L, *setting, classes);
  // categorical_crossentropy renormalizes the probabilities first: p / sum(p) is p for a softmax.
  int probs = scores;
  if (g.node(probs).op == Op::Div && g.node(g.node(probs).inputs[0]).op == Op::Softmax) probs = g.node(probs).inputs[0];
  int logp;
  if (ce.op == Op::SoftmaxCrossEntropy) {
    logp = L.addNode(Op::LogSoftmax, {scores}, {}, loc);
  } else if (g.node(probs).op == Op::Softmax) {  // as stable_losses treats the loss itself
    logp = L.addNode(Op::LogSoftmax, {g.node(probs).inputs[0]}, {}, loc);
  } else {  // Keras clips probabilities to [1e-7, 1 - 1e-7] before the log
    int lo = L.scalarConstant(1e-7, DType::F32, loc), hi = L.scalarConstant(1 - 1e-7, DType::F32, loc);
    int clipped = L.addNode(Op::Minimum, {L.addNode(Op::Maximum, {scores, lo}, {}, loc), hi}, {}, loc);
    logp = L.addNode(Op::Log, {clipped}, {}, loc);
  }
  int onehot = labels;
  if (g.node(labels).dtype == DType::I32) onehot = L.addNode(Op::OneHot, {labels}, Attrs().set("depth", classes), loc);
  // scale[n] = 1 - w[y_n] for the named classes, 0 for the others, from the one-hot labels'
  // columns (labels need no gradient).
  int scale = -1;
  for (const auto& [c, w] : weights) {
    if (w == 1) continue;
    Attrs column = Attrs().set("axis", int64_t(1)).set("begin", c).set("size", int64_t(1));
    int scaled = L.addNode(
        Op::Mul, {L.addNode(Op::SliceAxis, {onehot}, column, loc), L.scalarConstant(1 - w, DType::F32, loc)}, {}, loc);
    scale = scale < 0 ? scaled : L.addNode(Op::Add, {scale, scaled}, {}, loc);
  }
  L.model().train.classWeighted = true;
  if (scale < 0) return loss;
  // correction = mean_n (1 - w[y_n]) sum_k onehot_nk log p_nk
  int terms = L.addNode(Op::Mul, {L.addNode(Op::Mul, {onehot, logp}, {}, loc), scale}, {}, loc);
  int perExample =
      L.addNode(Op::ReduceSum, {terms}, Attrs().set("axes", std::vector<int64_t>{1}).set("keepdims", int64_t(0)), loc);
  int correction = L.addNode(Op::ReduceMean, {perExample},
                             Attrs().set("axes", std::vector<int64_t>{}).set("keepdims", int64_t(0)), loc);
  return L.addNode(Op::Add, {loss, L.addNode(Op::Mul, {correction, L.trainingFlag()}, {}, loc)}, {}, loc);
}

}  // namespace graphc
