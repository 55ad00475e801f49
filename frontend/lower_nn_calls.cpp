// \file AST-to-graph lowering of the lowercase nn calls: convolution, pooling, softmax, dropout,
// the losses and the accuracy metric.
#include <optional>

#include "frontend/call_args.h"
#include "frontend/lowerer.h"
#include "ir/op_table.h"

namespace graphc {
namespace {

int classificationOp(Lowerer& L, const Expr& call, Op op, const char* first, bool normalize = false) {
  CallArgs args(call, {first, "labels"}, 2);
  int scores = L.evalNode(args.require(first));
  int labels = L.evalNode(args.require("labels"));
  if (normalize) {
    // Keras' categorical_crossentropy divides the probabilities by their sum before the clip
    // (a no-op on softmax outputs, which the stable-loss rewrite then sees through).
    int64_t last = static_cast<int64_t>(L.model().graph.node(scores).shape.size()) - 1;
    Attrs a;
    a.set("axes", std::vector<int64_t>{last}).set("keepdims", int64_t(1));
    scores = L.addNode(Op::Div, {scores, L.addNode(Op::ReduceSum, {scores}, a, call.loc)}, {}, call.loc);
  }
  return L.addNode(op, {scores, labels}, {}, call.loc);
}

// softmax and log_softmax: over the last axis only.
int lastAxisOp(Lowerer& L, const Expr& call, Op op) {
  CallArgs args(call, {"x", "axis"}, 1);
  int x = L.evalNode(args.require("x"));
  int64_t axis = args.get("axis") ? L.evalInt(*args.get("axis"), "axis") : -1;
  int64_t rank = static_cast<int64_t>(L.model().graph.node(x).shape.size());
  if (axis != -1 && axis != rank - 1)
    throw UserError(args.get("axis")->loc, opName(op) + " supports only the last axis for now");
  return L.addNode(op, {x}, {}, call.loc);
}

// Keras' mean_squared_error: the mean over the last axis, then over the batch; with rows of one
// length that is the mean of every squared difference.
int meanSquaredError(Lowerer& L, const Expr& call) {
  CallArgs args(call, {"a", "b"}, 2);
  int a = L.evalNode(args.require("a")), b = L.evalNode(args.require("b"));
  const Node &na = L.model().graph.node(a), &nb = L.model().graph.node(b);
  if (na.shape != nb.shape || na.dtype != DType::F32 || nb.dtype != DType::F32)
    throw UserError(call.loc, "mean_squared_error expects two f32 values of one shape, found " +
                                  typeToString(na.dtype, na.shape) + " and " + typeToString(nb.dtype, nb.shape));
  int squared = L.addNode(Op::Square, {L.addNode(Op::Sub, {a, b}, {}, call.loc)}, {}, call.loc);
  Attrs all;
  all.set("axes", std::vector<int64_t>{}).set("keepdims", int64_t(0));
  return L.addNode(Op::ReduceMean, {squared}, all, call.loc);
}

// FNV-1a: a stable 32-bit hash, so that a dropout's mask depends on its name, not on build or order.
int64_t stableSeed(const std::string& key) {
  uint32_t h = 2166136261u;
  for (unsigned char c : key) h = (h ^ c) * 16777619u;
  return static_cast<int64_t>(h);
}

}  // namespace

std::vector<int64_t> pairListArg(Lowerer& L, const Expr& e, const std::string& what) {
  std::vector<int64_t> flat;
  bool ok = e.kind == ExprKind::List;
  for (size_t i = 0; ok && i < e.items.size(); ++i) {
    const Expr& pair = *e.items[i];
    ok = pair.kind == ExprKind::List && pair.items.size() == 2;
    if (!ok) break;
    for (const ExprPtr& v : pair.items) flat.push_back(L.evalInt(*v, what));
  }
  if (!ok) throw UserError(e.loc, "expected " + what + " as a list of [before, after] pairs");
  return flat;
}

int Lowerer::dropout(int x, const Expr& keepOrRate, const std::string& seedKey, SourceLoc loc, bool rate) {
  int keep;
  if (isConstantExpr(keepOrRate)) {
    double v = evalNumber(keepOrRate);
    if (rate ? (v < 0 || v >= 1) : (v <= 0 || v > 1))
      throw UserError(keepOrRate.loc, rate ? "Dropout expects a rate in [0, 1), found " + std::to_string(v)
                                           : "dropout expects keep_prob in (0, 1], found " + std::to_string(v));
    keep = scalarConstant(rate ? 1 - v : v, DType::F32, keepOrRate.loc);
  } else {
    keep = evalNode(keepOrRate);
    if (rate) keep = addNode(Op::Sub, {scalarConstant(1, DType::F32, loc), keep}, {}, loc);
  }
  Attrs a;
  a.set("seed", stableSeed(seedKey));
  return addNode(Op::Dropout, {x, keep, trainingFlag(), stepCounter()}, a, loc);
}

int Lowerer::lowerNNCall(const Expr& call) {
  const std::string& f = call.text;
  std::optional<Op> op = parseOp(f);
  SourceLoc loc = call.loc;
  if (op == Op::Softmax || op == Op::LogSoftmax) return lastAxisOp(*this, call, *op);
  if (op == Op::Conv2d) {
    CallArgs args(call, {"x", "w", "strides", "padding", "dilation"}, 2);
    Attrs a;
    a.set("strides", pairArg(*this, args, "strides", {1, 1})).set("dilation", pairArg(*this, args, "dilation", {1, 1}));
    a.set("padding", paddingArg(*this, args));
    return addNode(Op::Conv2d, {evalNode(args.require("x")), evalNode(args.require("w"))}, a, loc);
  }
  if (op == Op::DepthwiseConv2d || op == Op::Conv2dTranspose) {
    bool transpose = op == Op::Conv2dTranspose;
    std::vector<std::string> names = {"x", "w", "strides", "padding", "dilation"};
    if (transpose) names.insert(names.begin() + 2, "output_shape");
    CallArgs args(call, names, 2);
    Attrs a;
    a.set("strides", pairArg(*this, args, "strides", {1, 1})).set("dilation", pairArg(*this, args, "dilation", {1, 1}));
    a.set("padding", paddingArg(*this, args));
    if (transpose && args.get("output_shape"))
      a.set("output_shape", evalPair(*args.get("output_shape"), "output_shape"));
    return addNode(*op, {evalNode(args.require("x")), evalNode(args.require("w"))}, a, loc);
  }
  if (op == Op::Resize) {
    CallArgs args(call, {"x", "size", "method"}, 2);
    Attrs a;
    a.set("size", evalPair(args.require("size"), "size"));
    a.set("method", args.get("method") ? evalWord(*args.get("method")) : std::string("nearest"));
    return addNode(Op::Resize, {evalNode(args.require("x"))}, a, loc);
  }
  if (op == Op::Pad) {
    CallArgs args(call, {"x", "paddings", "mode", "value"}, 2);
    std::vector<int64_t> paddings = pairListArg(*this, args.require("paddings"), "paddings");
    for (int64_t p : paddings)
      if (p < 0) throw UserError(args.require("paddings").loc, "pad: paddings must not be negative");
    Attrs a;
    a.set("paddings", paddings);
    a.set("mode", args.get("mode") ? evalWord(*args.get("mode")) : std::string("constant"));
    a.set("value", args.get("value") ? evalNumber(*args.get("value")) : 0.0);
    return addNode(Op::Pad, {evalNode(args.require("x"))}, a, loc);
  }
  if (op == Op::MaxPool || op == Op::AvgPool) {
    CallArgs args(call, {"x", "size", "strides", "padding"}, 1);
    return lowerPool(*this, *op, args, evalNode(args.require("x")), loc);
  }
  if (op == Op::Dropout) {
    CallArgs args(call, {"x", "keep_prob", "seed"}, 2);
    int x = evalNode(args.require("x"));
    std::string key = args.get("seed") ? std::to_string(evalInt(*args.get("seed"), "seed"))
                                       : (statementName_.empty() ? "dropout" : statementName_);
    return dropout(x, args.require("keep_prob"), key, loc, false);
  }
  if (op == Op::SoftmaxCrossEntropy) return classificationOp(*this, call, Op::SoftmaxCrossEntropy, "logits");
  if (f == "sparse_categorical_crossentropy" || f == "categorical_crossentropy") {
    int id = classificationOp(*this, call, Op::ProbsCrossEntropy, "probs", f == "categorical_crossentropy");
    bool ids = model_.graph.node(model_.graph.node(id).inputs[1]).dtype == DType::I32;
    if (f == "sparse_categorical_crossentropy" && !ids)
      throw UserError(call.loc,
                      "sparse_categorical_crossentropy expects i32 class ids as labels, found one-hot values (use "
                      "categorical_crossentropy)");
    return id;
  }
  if (f == "mean_squared_error") return meanSquaredError(*this, call);
  if (op == Op::Accuracy) return classificationOp(*this, call, Op::Accuracy, "scores");
  return -1;
}

}  // namespace graphc
