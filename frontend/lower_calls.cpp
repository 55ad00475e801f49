// \file AST-to-graph lowering of calls: the lowercase ops (pure functions of their inputs) and the
// Capitalized layers (which create their variables with Keras' default initializers).
#include <cmath>
#include <map>

#include "frontend/call_args.h"
#include "frontend/lowerer.h"

namespace graphc {
namespace {

Attrs initializer(Lowerer& L, const Expr& e) {
  Attrs a;
  if (e.kind != ExprKind::Call) {
    a.set("init", std::string("constant")).set("value", L.evalNumber(e));
    return a;
  }
  const std::string& kind = e.text;
  if (kind == "zeros" || kind == "ones" || kind == "glorot_uniform" || kind == "he_normal") {
    CallArgs(e, {}, 0);
    a.set("init", kind);
  } else if (kind == "constant") {
    CallArgs args(e, {"value"}, 1);
    a.set("init", kind).set("value", L.evalNumber(args.require("value")));
  } else if (kind == "truncated_normal" || kind == "random_normal") {
    CallArgs args(e, {"stddev", "mean"}, 1);
    a.set("init", kind).set("stddev", L.evalNumber(args.require("stddev")));
    a.set("mean", args.get("mean") ? L.evalNumber(*args.get("mean")) : 0.0);
  } else if (kind == "random_uniform") {
    CallArgs args(e, {"min", "max"}, 2);
    a.set("init", kind).set("min", L.evalNumber(args.require("min"))).set("max", L.evalNumber(args.require("max")));
  } else {
    throw UserError(e.loc, "unknown initializer '" + kind +
                               "' (expected zeros, ones, constant, truncated_normal, random_normal, random_uniform, "
                               "glorot_uniform or he_normal)");
  }
  return a;
}

std::string padding(Lowerer& L, const CallArgs& args) {
  const Expr* p = args.get("padding");
  std::string v = p ? L.evalWord(*p) : "valid";
  if (v != "same" && v != "valid") throw UserError(p->loc, "expected padding \"same\" or \"valid\", found \"" + v + "\"");
  return v;
}

std::vector<int64_t> pairOr(Lowerer& L, const CallArgs& args, const std::string& name, std::vector<int64_t> fallback) {
  const Expr* e = args.get(name);
  return e ? L.evalPair(*e, name) : fallback;
}

int flatten(Lowerer& L, int x, SourceLoc loc) {
  const Shape& s = L.model().graph.node(x).shape;
  int64_t rest = 1;
  for (size_t i = 1; i < s.size(); ++i) rest *= s[i];
  std::vector<int64_t> target = {s.empty() || s[0] == kBatch ? -2 : s[0], rest};
  return L.addNode("reshape", {x}, Attrs().set("target", target), loc);
}

int pool(Lowerer& L, const CallArgs& args, int x, SourceLoc loc) {
  std::vector<int64_t> size = pairOr(L, args, "size", {2, 2});
  std::vector<int64_t> strides = pairOr(L, args, "strides", size);
  Attrs a;
  a.set("size", size).set("strides", strides).set("padding", padding(L, args));
  return L.addNode("max_pool", {x}, a, loc);
}

int activation(Lowerer& L, const CallArgs& args, int x, SourceLoc loc) {
  const Expr* e = args.get("activation");
  std::string act = e ? L.evalWord(*e) : "none";
  if (act == "none" || act == "linear") return x;
  if (act == "relu" || act == "sigmoid" || act == "tanh" || act == "softmax") return L.addNode(act, {x}, {}, loc);
  throw UserError(e->loc, "unknown activation '" + act + "' (expected relu, sigmoid, tanh, softmax or none)");
}

bool useBias(Lowerer& L, const CallArgs& args) {
  const Expr* e = args.get("use_bias");
  return !e || L.evalNumber(*e) != 0;
}

std::vector<int64_t> axesArg(Lowerer& L, const CallArgs& args) {
  const Expr* e = args.get("axis");
  if (!e) return {};
  if (e->kind == ExprKind::List) {
    std::vector<int64_t> axes;
    for (const auto& item : e->items) axes.push_back(L.evalInt(*item, "an axis"));
    return axes;
  }
  return {L.evalInt(*e, "an axis")};
}

int classificationOp(Lowerer& L, const Expr& call, const std::string& op, const char* first) {
  CallArgs args(call, {first, "labels"}, 2);
  return L.addNode(op, {L.evalNode(args.require(first)), L.evalNode(args.require("labels"))}, {}, call.loc);
}

}  // namespace

int Lowerer::lowerCall(const Expr& call) {
  const std::string& f = call.text;
  SourceLoc loc = call.loc;
  if (!f.empty() && std::isupper(static_cast<unsigned char>(f[0]))) {
    size_t slot = model_.layers.size();
    model_.layers.push_back({"", f, -1});  // reserved now: nested layers come after it
    int id = lowerLayer(call);
    model_.layers[slot].output = id;
    return id;
  }
  if (f == "placeholder") {
    CallArgs args(call, {"dtype", "shape", "default"}, 2);
    Attrs a;
    a.set("dtype", dtypeName(evalDType(args.require("dtype")))).set("shape", evalShape(args.require("shape")));
    if (args.get("default")) a.set("default", evalNumber(*args.get("default")));
    return addNode("placeholder", {}, a, loc);
  }
  if (f == "variable") {
    CallArgs args(call, {"shape", "init", "trainable"}, 1);
    std::vector<int64_t> shape = evalShape(args.require("shape"));
    for (int64_t d : shape)
      if (d <= 0) throw UserError(args.require("shape").loc, "a variable's shape must be fully known, found a '?' or non-positive entry");
    Attrs init = args.get("init") ? initializer(*this, *args.get("init")) : Attrs().set("init", std::string("glorot_uniform"));
    if (args.get("trainable")) init.set("trainable", static_cast<int64_t>(evalNumber(*args.get("trainable")) != 0));
    else init.set("trainable", int64_t(1));
    return variable(statementName_.empty() ? "variable" : statementName_, Shape(shape.begin(), shape.end()), init, loc);
  }
  if (f == "constant") {
    CallArgs args(call, {"value", "dtype"}, 1);
    DType t = args.get("dtype") ? evalDType(*args.get("dtype")) : DType::F32;
    return scalarConstant(evalNumber(args.require("value")), t, loc);
  }
  static const std::map<std::string, std::string> unary = {
      {"neg", "neg"},       {"exp", "exp"},   {"log", "log"},     {"sqrt", "sqrt"},
      {"rsqrt", "rsqrt"},   {"square", "square"}, {"abs", "abs"}, {"relu", "relu"},
      {"sigmoid", "sigmoid"}, {"tanh", "tanh"}};
  if (unary.count(f)) {
    CallArgs args(call, {"x"}, 1);
    return addNode(unary.at(f), {evalNode(args.require("x"))}, {}, loc);
  }
  static const std::map<std::string, std::string> binary = {{"maximum", "maximum"}, {"minimum", "minimum"},
                                                            {"matmul", "matmul"},   {"equal", "equal"}};
  if (binary.count(f)) {
    CallArgs args(call, {"a", "b"}, 2);
    return addNode(binary.at(f), {evalNode(args.require("a")), evalNode(args.require("b"))}, {}, loc);
  }
  if (f == "cast") {
    CallArgs args(call, {"x", "dtype"}, 2);
    return addNode("cast", {evalNode(args.require("x"))}, Attrs().set("dtype", dtypeName(evalDType(args.require("dtype")))), loc);
  }
  if (f == "softmax") {
    CallArgs args(call, {"x", "axis"}, 1);
    int x = evalNode(args.require("x"));
    int64_t axis = args.get("axis") ? evalInt(*args.get("axis"), "axis") : -1;
    int64_t rank = static_cast<int64_t>(model_.graph.node(x).shape.size());
    if (axis != -1 && axis != rank - 1) throw UserError(args.get("axis")->loc, "softmax supports only the last axis for now");
    return addNode("softmax", {x}, {}, loc);
  }
  if (f == "conv2d") {
    CallArgs args(call, {"x", "w", "strides", "padding", "dilation"}, 2);
    Attrs a;
    a.set("strides", pairOr(*this, args, "strides", {1, 1})).set("dilation", pairOr(*this, args, "dilation", {1, 1}));
    a.set("padding", padding(*this, args));
    return addNode("conv2d", {evalNode(args.require("x")), evalNode(args.require("w"))}, a, loc);
  }
  if (f == "max_pool") {
    CallArgs args(call, {"x", "size", "strides", "padding"}, 1);
    return pool(*this, args, evalNode(args.require("x")), loc);
  }
  if (f == "reshape") {
    CallArgs args(call, {"x", "shape"}, 2);
    return addNode("reshape", {evalNode(args.require("x"))}, Attrs().set("target", evalShape(args.require("shape"))), loc);
  }
  if (f == "flatten") {
    CallArgs args(call, {"x"}, 1);
    return flatten(*this, evalNode(args.require("x")), loc);
  }
  if (f == "reduce_sum" || f == "reduce_mean" || f == "reduce_max") {
    CallArgs args(call, {"x", "axis", "keepdims"}, 1);
    Attrs a;
    a.set("axes", axesArg(*this, args));
    a.set("keepdims", static_cast<int64_t>(args.get("keepdims") && evalNumber(*args.get("keepdims")) != 0));
    return addNode(f, {evalNode(args.require("x"))}, a, loc);
  }
  if (f == "argmax") {
    CallArgs args(call, {"x", "axis"}, 2);
    return addNode("argmax", {evalNode(args.require("x"))}, Attrs().set("axes", std::vector<int64_t>{evalInt(args.require("axis"), "axis")}), loc);
  }
  if (f == "softmax_cross_entropy") return classificationOp(*this, call, "softmax_cross_entropy", "logits");
  if (f == "sparse_categorical_crossentropy" || f == "categorical_crossentropy") {
    int id = classificationOp(*this, call, "probs_cross_entropy", "probs");
    bool ids = model_.graph.node(model_.graph.node(id).inputs[1]).dtype == DType::I32;
    if (f == "sparse_categorical_crossentropy" && !ids)
      throw UserError(call.loc, "sparse_categorical_crossentropy expects i32 class ids as labels, found one-hot values (use categorical_crossentropy)");
    return id;
  }
  if (f == "accuracy") return classificationOp(*this, call, "accuracy", "scores");
  throw UserError(loc, "unknown op '" + f + "'");
}

int Lowerer::lowerLayer(const Expr& call) {
  const std::string& f = call.text;
  SourceLoc loc = call.loc;
  // The scope is taken before the arguments are lowered, so that nested layers are named in
  // source order: in `d = Dense(Flatten(x), 10)` the Dense is `d` and the Flatten `d_1`.
  std::string scope = layerScope();
  model_.layers.back().scope = scope;
  if (f == "Conv2D") {
    CallArgs args(call, {"x", "filters", "kernel", "strides", "padding", "dilation", "activation", "use_bias"}, 3);
    int x = evalNode(args.require("x"));
    int64_t filters = evalInt(args.require("filters"), "filters");
    if (filters <= 0) throw UserError(args.require("filters").loc, "filters must be positive, found " + std::to_string(filters));
    std::vector<int64_t> k = evalPair(args.require("kernel"), "kernel");
    const Shape& xs = model_.graph.node(x).shape;
    if (xs.size() != 4)
      throw UserError(args.require("x").loc, "Conv2D expects an NHWC input of rank 4, found " +
                                                 typeToString(model_.graph.node(x).dtype, xs));
    int w = variable(scope + "/kernel", {k[0], k[1], xs[3], filters}, Attrs().set("init", std::string("glorot_uniform")), loc);
    Attrs a;
    a.set("strides", pairOr(*this, args, "strides", {1, 1})).set("dilation", pairOr(*this, args, "dilation", {1, 1}));
    a.set("padding", padding(*this, args));
    int y = addNode("conv2d", {x, w}, a, loc);
    if (useBias(*this, args)) {
      int b = variable(scope + "/bias", {filters}, Attrs().set("init", std::string("zeros")), loc);
      y = addNode("add", {y, b}, {}, loc);
    }
    return activation(*this, args, y, loc);
  }
  if (f == "Dense") {
    CallArgs args(call, {"x", "units", "activation", "use_bias"}, 2);
    int x = evalNode(args.require("x"));
    int64_t units = evalInt(args.require("units"), "units");
    if (units <= 0) throw UserError(args.require("units").loc, "units must be positive, found " + std::to_string(units));
    const Node& xn = model_.graph.node(x);
    if (xn.shape.size() != 2)
      throw UserError(args.require("x").loc, "Dense expects an input of rank 2, found " + typeToString(xn.dtype, xn.shape) +
                                                 " (use Flatten first)");
    int w = variable(scope + "/kernel", {xn.shape[1], units}, Attrs().set("init", std::string("glorot_uniform")), loc);
    int y = addNode("matmul", {x, w}, {}, loc);
    if (useBias(*this, args)) {
      int b = variable(scope + "/bias", {units}, Attrs().set("init", std::string("zeros")), loc);
      y = addNode("add", {y, b}, {}, loc);
    }
    return activation(*this, args, y, loc);
  }
  if (f == "MaxPool2D") {
    CallArgs args(call, {"x", "size", "strides", "padding"}, 1);
    int x = evalNode(args.require("x"));
    return pool(*this, args, x, loc);
  }
  if (f == "Flatten") {
    CallArgs args(call, {"x"}, 1);
    int x = evalNode(args.require("x"));
    return flatten(*this, x, loc);
  }
  throw UserError(loc, "unknown layer '" + f + "' (expected Conv2D, Dense, MaxPool2D or Flatten)");
}

}  // namespace graphc
