// \file AST-to-graph lowering of the lowercase nn calls: convolution, pooling, softmax, dropout,
// moments, the losses (label smoothing too) and the accuracy metric.
#include <functional>
#include <optional>

#include "frontend/call_args.h"
#include "frontend/lowerer.h"
#include "frontend/train_args.h"
#include "ir/op_table.h"

namespace graphc {
namespace {

// Keras' label smoothing: one-hot targets (i32 ids become their one-hot rows) y * (1 - s) + s / K.
int smoothLabels(Lowerer& L, const Expr& smoothing, int scores, int labels, SourceLoc loc) {
  double s = L.evalNumber(smoothing);
  if (!(s >= 0 && s <= 1))
    throw UserError(smoothing.loc, "label_smoothing must lie in [0, 1], found " + std::to_string(s));
  const Graph& g = L.model().graph;
  if (g.node(scores).shape.size() != 2)
    throw UserError(loc, "label_smoothing expects scores [batch, classes], found " +
                             typeToString(g.node(scores).dtype, g.node(scores).shape));
  int64_t classes = g.node(scores).shape[1];
  if (g.node(labels).dtype == DType::I32) labels = L.addNode(Op::OneHot, {labels}, Attrs().set("depth", classes), loc);
  if (g.node(labels).dtype != DType::F32)
    throw UserError(loc, "label_smoothing expects i32 class ids or f32 one-hot labels, found " +
                             typeToString(g.node(labels).dtype, g.node(labels).shape));
  int kept = L.addNode(Op::Mul, {labels, L.scalarConstant(1 - s, DType::F32, loc)}, {}, loc);
  return L.addNode(Op::Add, {kept, L.scalarConstant(s / static_cast<double>(classes), DType::F32, loc)}, {}, loc);
}

// A classification loss or metric on scores and labels; losses take label_smoothing.
int classificationOp(Lowerer& L, const Expr& call, Op op, const char* first, bool normalize = false) {
  bool loss = op != Op::Accuracy;
  CallArgs args(
      call,
      loss ? std::vector<std::string>{first, "labels", "label_smoothing"} : std::vector<std::string>{first, "labels"},
      2);
  int scores = L.evalNode(args.require(first));
  int labels = L.evalNode(args.require("labels"));
  if (call.text == "sparse_categorical_crossentropy" && L.model().graph.node(labels).dtype != DType::I32)
    throw UserError(call.loc,
                    "sparse_categorical_crossentropy expects i32 class ids as labels, found one-hot values (use "
                    "categorical_crossentropy)");
  if (const Expr* s = args.get("label_smoothing")) labels = smoothLabels(L, *s, scores, labels, call.loc);
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

Attrs overAxes(std::vector<int64_t> axes, bool keep = false) {
  return Attrs().set("axes", std::move(axes)).set("keepdims", int64_t(keep));
}

// The losses that compare two f32 values of one shape, Keras' (y_true, y_pred) or TF's (labels,
// predictions): both read, checked, and handed to build.
int pairLoss(Lowerer& L, const Expr& call, const std::vector<std::string>& extra,
             const std::function<int(int a, int b, const CallArgs& args)>& build) {
  std::vector<std::string> params = {"a", "b"};
  params.insert(params.end(), extra.begin(), extra.end());
  CallArgs args(call, params, 2);
  int a = L.evalNode(args.require("a")), b = L.evalNode(args.require("b"));
  const Node &na = L.model().graph.node(a), &nb = L.model().graph.node(b);
  if (na.shape != nb.shape || na.dtype != DType::F32 || nb.dtype != DType::F32)
    throw UserError(call.loc, call.text + " expects two f32 values of one shape, found " +
                                  typeToString(na.dtype, na.shape) + " and " + typeToString(nb.dtype, nb.shape));
  return build(a, b, args);
}

// Keras' regression losses are the mean over the last axis, then over the batch; with rows of one
// length that is the mean of every element's term.
int meanOfAll(Lowerer& L, int x, SourceLoc loc) { return L.addNode(Op::ReduceMean, {x}, overAxes({}), loc); }

// The losses v2 adds that are compositions of graph ops (their gradients are those ops' rules).
int compositeLoss(Lowerer& L, const Expr& call) {
  const std::string& f = call.text;
  SourceLoc loc = call.loc;
  auto constant = [&](double v) { return L.scalarConstant(v, DType::F32, loc); };
  auto add = [&](Op op, std::vector<int> in) { return L.addNode(op, std::move(in), {}, loc); };
  if (f == "mean_squared_error")
    return pairLoss(L, call, {}, [&](int a, int b, const CallArgs&) {
      return meanOfAll(L, add(Op::Square, {add(Op::Sub, {a, b})}), loc);
    });
  if (f == "mean_absolute_error")
    return pairLoss(L, call, {}, [&](int a, int b, const CallArgs&) {
      return meanOfAll(L, add(Op::Abs, {add(Op::Sub, {a, b})}), loc);
    });
  if (f == "huber")  // Keras' Huber: q^2 / 2 + delta (|d| - q), q = min(|d|, delta), d = a - b
    return pairLoss(L, call, {"delta"}, [&](int a, int b, const CallArgs& args) {
      double delta = args.get("delta") ? L.evalNumber(*args.get("delta")) : 1.0;
      if (!(delta > 0))
        throw UserError(args.get("delta")->loc, "huber expects delta > 0, found " + std::to_string(delta));
      int error = add(Op::Abs, {add(Op::Sub, {a, b})});
      int quadratic = add(Op::Minimum, {error, constant(delta)});
      int linear = add(Op::Sub, {error, quadratic});
      int term = add(Op::Add, {add(Op::Mul, {add(Op::Square, {quadratic}), constant(0.5)}),
                               add(Op::Mul, {linear, constant(delta)})});
      return meanOfAll(L, term, loc);
    });
  if (f ==
      "kl_divergence")  // Keras: p, q clipped to [1e-7, 1]; sum of p log(p / q) over the last axis, mean over the rest
    return pairLoss(L, call, {}, [&](int p, int q, const CallArgs&) {
      auto clip = [&](int v) { return add(Op::Clip, {v, constant(1e-7), constant(1)}); };
      int pc = clip(p);
      int term = add(Op::Mul, {pc, add(Op::Log, {add(Op::Div, {pc, clip(q)})})});
      int64_t last = static_cast<int64_t>(L.model().graph.node(p).shape.size()) - 1;
      return meanOfAll(L, L.addNode(Op::ReduceSum, {term}, overAxes({last}), loc), loc);
    });
  if (f == "l2_loss") {  // TF1's sum(x^2) / 2
    CallArgs args(call, {"x"}, 1);
    int x = L.evalNode(args.require("x"));
    if (L.model().graph.node(x).dtype != DType::F32)
      throw UserError(args.require("x").loc, "l2_loss expects an f32 value");
    int total = L.addNode(Op::ReduceSum, {add(Op::Square, {x})}, overAxes({}), loc);
    return add(Op::Mul, {total, constant(0.5)});
  }
  if (f == "binary_crossentropy" || f == "sigmoid_cross_entropy") {  // the mean of the elementwise op
    bool logits = f == "sigmoid_cross_entropy";
    CallArgs args(call, {logits ? "logits" : "probs", "labels"}, 2);
    int x = L.evalNode(args.require(logits ? "logits" : "probs")), labels = L.evalNode(args.require("labels"));
    return meanOfAll(L, add(logits ? Op::SigmoidCrossEntropy : Op::BinaryCrossentropy, {x, labels}), loc);
  }
  return -1;
}

// FNV-1a: a stable 32-bit hash, so that a dropout's mask depends on its name, not on build or order.
int64_t stableSeed(const std::string& key) {
  uint32_t h = 2166136261u;
  for (unsigned char c : key) h = (h ^ c) * 16777619u;
  return static_cast<int64_t>(h);
}

}  // namespace

Lowerer::Moments Lowerer::lowerMoments(const Expr& call) {
  CallArgs args(call, {"x", "axes", "keepdims"}, 2);
  int x = evalNode(args.require("x"));
  const Expr& axesExpr = args.require("axes");
  std::vector<int64_t> axes;
  if (axesExpr.kind == ExprKind::List) {
    for (const auto& item : axesExpr.items) axes.push_back(evalInt(*item, "an axis"));
  } else {
    axes.push_back(evalInt(axesExpr, "an axis"));
  }
  bool keep = args.get("keepdims") && evalNumber(*args.get("keepdims")) != 0;
  SourceLoc loc = call.loc;
  // The mean with the reduced axes kept centres x by plain broadcasting; the variance is the mean
  // of the squared deviations (biased, as tf.nn.moments).
  int meanKept = addNode(Op::ReduceMean, {x}, overAxes(axes, true), loc);
  int centered = addNode(Op::Sub, {x, meanKept}, {}, loc);
  Moments m;
  m.variance = addNode(Op::ReduceMean, {addNode(Op::Square, {centered}, {}, loc)}, overAxes(axes, keep), loc);
  if (keep) {
    m.mean = meanKept;
  } else {
    std::vector<int64_t> target;
    for (int64_t d : model_.graph.node(m.variance).shape) target.push_back(d == kBatch ? -2 : d);
    m.mean = addNode(Op::Reshape, {meanKept}, Attrs().set("target", target), loc);
  }
  return m;
}

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
  if (op == Op::SoftmaxCrossEntropy)
    return classWeighted(*this, classificationOp(*this, call, Op::SoftmaxCrossEntropy, "logits"), call.loc);
  if (f == "sparse_categorical_crossentropy" || f == "categorical_crossentropy") {
    return classWeighted(*this,
                         classificationOp(*this, call, Op::ProbsCrossEntropy, "probs", f == "categorical_crossentropy"),
                         call.loc);
  }
  if (int id = compositeLoss(*this, call); id >= 0) return id;
  if (op == Op::Accuracy) return classificationOp(*this, call, Op::Accuracy, "scores");
  return -1;
}

}  // namespace graphc
