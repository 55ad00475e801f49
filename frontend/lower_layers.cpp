// \file AST-to-graph lowering of the Capitalized layers: each creates its variables (Keras' default
// initializers) in a scope named after the binding, then the ops of its body.
#include <algorithm>
#include <optional>

#include "frontend/call_args.h"
#include "frontend/layers.h"
#include "frontend/lowerer.h"
#include "ir/op_table.h"
#include "support/spelling.h"

namespace graphc {
namespace {

// The activation named by e (Keras' names), applied to x; an unknown name suggests the nearest.
int namedActivation(Lowerer& L, const Expr& e, int x, SourceLoc loc) {
  std::string name = L.evalWord(e);
  const std::vector<std::string>& names = activationNames();
  if (std::find(names.begin(), names.end(), name) == names.end())
    throw UserError(e.loc, unknownNameMessage("activation", name, names));
  return applyActivation(L, name, x, loc);
}

int activation(Lowerer& L, const CallArgs& args, int x, SourceLoc loc) {
  const Expr* e = args.get("activation");
  return e ? namedActivation(L, *e, x, loc) : x;
}

bool useBias(Lowerer& L, const CallArgs& args) {
  const Expr* e = args.get("use_bias");
  return !e || L.evalNumber(*e) != 0;
}

Attrs init(const char* kind, bool trainable = true) {
  Attrs a;
  a.set("init", std::string(kind));
  if (!trainable) a.set("trainable", int64_t(0));
  return a;
}

// Keras' regularizers of a variable (argument `which`, kernel_regularizer or bias_regularizer):
// l2(c) adds c * sum(w^2) (no one half), l1(c) c * sum(|w|), l1_l2(l1 = 0.01, l2 = 0.01) both,
// to Model::regularizers.
void regularize(Lowerer& L, const CallArgs& args, const char* which, int w, SourceLoc loc) {
  const Expr* e = args.get(which);
  if (!e) return;
  if (e->kind != ExprKind::Call || (e->text != "l1" && e->text != "l2" && e->text != "l1_l2"))
    throw UserError(e->loc, std::string(which) + " expects l1(c), l2(c) or l1_l2(l1, l2)");
  double l1 = 0, l2 = 0;
  if (e->text == "l1_l2") {
    CallArgs r(*e, {"l1", "l2"}, 0);
    l1 = r.get("l1") ? L.evalNumber(*r.get("l1")) : 0.01;
    l2 = r.get("l2") ? L.evalNumber(*r.get("l2")) : 0.01;
  } else {
    CallArgs r(*e, {"c"}, 0);
    (e->text == "l1" ? l1 : l2) = r.get("c") ? L.evalNumber(*r.get("c")) : 0.01;
  }
  Attrs all;
  all.set("axes", std::vector<int64_t>{}).set("keepdims", int64_t(0));
  auto term = [&](Op elementwise, double c) {
    int sum = L.addNode(Op::ReduceSum, {L.addNode(elementwise, {w}, {}, loc)}, all, loc);
    return L.addNode(Op::Mul, {sum, L.scalarConstant(c, DType::F32, loc)}, {}, loc);
  };
  int penalty = -1;
  if (l1 != 0) penalty = term(Op::Abs, l1);
  if (l2 != 0)
    penalty = penalty < 0 ? term(Op::Square, l2) : L.addNode(Op::Add, {penalty, term(Op::Square, l2)}, {}, loc);
  if (penalty >= 0) L.model().regularizers.push_back(penalty);
}

// A layer's kernel or bias variable: its kernel_initializer / bias_initializer (Keras' defaults
// where absent) and its kernel_regularizer / bias_regularizer. keras names the kernel as Keras'
// arguments do (`depthwise`: depthwise_initializer, depthwise_regularizer), which win over kernel_*.
int kernelVariable(Lowerer& L, const CallArgs& args, const std::string& name, const Shape& shape, SourceLoc loc,
                   const std::string& keras = "kernel") {
  const Expr* e = args.get(keras + "_initializer");
  if (!e) e = args.get("kernel_initializer");
  int w = L.variable(name, shape, e ? initializerArg(L, *e) : init("glorot_uniform"), loc);
  std::string regularizer = keras + "_regularizer";
  regularize(L, args, args.get(regularizer) ? regularizer.c_str() : "kernel_regularizer", w, loc);
  return w;
}

int biasVariable(Lowerer& L, const CallArgs& args, const std::string& name, const Shape& shape, SourceLoc loc) {
  const Expr* e = args.get("bias_initializer");
  int b = L.variable(name, shape, e ? initializerArg(L, *e) : init("zeros"), loc);
  regularize(L, args, "bias_regularizer", b, loc);
  return b;
}

Attrs meanOver(std::vector<int64_t> axes) { return Attrs().set("axes", axes).set("keepdims", int64_t(0)); }

// Argument x of a layer that takes NHWC images.
int requireNHWC(Lowerer& L, const CallArgs& args, const std::string& layer) {
  int x = L.evalNode(args.require("x"));
  const Node& n = L.model().graph.node(x);
  if (n.shape.size() != 4 || n.dtype != DType::F32)
    throw UserError(args.require("x").loc,
                    layer + " expects an f32 NHWC input of rank 4, found " + typeToString(n.dtype, n.shape));
  return x;
}

// Argument x of a layer that takes sequences [N, W, C].
int requireNWC(Lowerer& L, const CallArgs& args, const std::string& layer) {
  int x = L.evalNode(args.require("x"));
  const Node& n = L.model().graph.node(x);
  if (n.shape.size() != 3 || n.dtype != DType::F32)
    throw UserError(args.require("x").loc, layer + " expects an f32 input [batch, steps, channels] of rank 3, found " +
                                               typeToString(n.dtype, n.shape));
  return x;
}

// The 1-D layers run the 2-D ops on [N, 1, W, C] and view the result as [N, W', C'] again.
int asImages(Lowerer& L, int x, SourceLoc loc) {
  const Shape& s = L.model().graph.node(x).shape;
  return L.addNode(Op::Reshape, {x}, Attrs().set("target", std::vector<int64_t>{-2, 1, s[1], s[2]}), loc);
}

int asSequences(Lowerer& L, int x, SourceLoc loc) {
  const Shape& s = L.model().graph.node(x).shape;
  return L.addNode(Op::Reshape, {x}, Attrs().set("target", std::vector<int64_t>{-2, s[2], s[3]}), loc);
}

// Keras' ZeroPadding2D / Cropping2D amounts: n, [h, w] or [[top, bottom], [left, right]], as
// {top, bottom, left, right}, none negative.
std::vector<int64_t> spatialPadding(Lowerer& L, const Expr& e, const std::string& what) {
  std::vector<int64_t> tblr;
  if (e.kind != ExprKind::List) {
    int64_t v = L.evalInt(e, what);
    tblr = {v, v, v, v};
  } else if (e.items.size() == 2 && e.items[0]->kind != ExprKind::List && e.items[1]->kind != ExprKind::List) {
    int64_t h = L.evalInt(*e.items[0], what), w = L.evalInt(*e.items[1], what);
    tblr = {h, h, w, w};
  } else {
    tblr = pairListArg(L, e, what);
    if (tblr.size() != 4)
      throw UserError(e.loc, "expected " + what + " as n, [h, w] or [[top, bottom], [left, right]]");
  }
  for (int64_t v : tblr)
    if (v < 0) throw UserError(e.loc, what + " must not be negative, found " + std::to_string(v));
  return tblr;
}

int64_t positiveInt(Lowerer& L, const CallArgs& args, const std::string& name) {
  int64_t v = L.evalInt(args.require(name), name);
  if (v <= 0) throw UserError(args.require(name).loc, name + " must be positive, found " + std::to_string(v));
  return v;
}

}  // namespace

const std::vector<std::string>& activationNames() {
  static const std::vector<std::string> names = {
      "elu",   "exponential", "gelu",    "hard_sigmoid", "leaky_relu", "linear",   "mish",     "none",  "relu",
      "relu6", "selu",        "sigmoid", "silu",         "softmax",    "softplus", "softsign", "swish", "tanh"};
  return names;
}

int applyActivation(Lowerer& L, const std::string& name, int x, SourceLoc loc) {
  if (name == "none" || name == "linear") return x;
  if (name == "exponential") return L.addNode(Op::Exp, {x}, {}, loc);
  if (name == "silu") return L.addNode(Op::Swish, {x}, {}, loc);
  // Keras' activation leaky_relu has alpha 0.3 (the op's default, tf.nn.leaky_relu's, is 0.2).
  if (name == "leaky_relu") return L.addNode(Op::LeakyRelu, {x}, Attrs().set("alpha", 0.3), loc);
  // The others are op spellings; their attributes take the table's defaults (elu's alpha 1, exact gelu).
  const OpDef& def = opDef(*parseOp(name));
  Attrs defaults;
  for (const AttrDef& a : def.attrs)
    if (a.use == AttrDef::Use::Default) defaults.set(a.name, defaultValue(a));
  return L.addNode(def.op, {x}, defaults, loc);
}

int buildBatchNorm(Graph& g, int x, const BatchNormVariables& v, int training, double momentum, double epsilon,
                   SourceLoc loc, std::vector<VariableUpdate>* updates) {
  size_t rank = g.node(x).shape.size();
  std::vector<int64_t> axes;
  for (size_t d = 0; d + 1 < rank; ++d) axes.push_back(static_cast<int64_t>(d));
  auto constant = [&](double value) {
    return g.add(Op::Constant, {}, Attrs().set("value", value).set("dtype", std::string("f32")), loc);
  };
  int mean = g.add(Op::ReduceMean, {x}, meanOver(axes), loc);
  int centered = g.add(Op::Sub, {x, mean}, {}, loc);
  int variance = g.add(Op::ReduceMean, {g.add(Op::Square, {centered}, {}, loc)}, meanOver(axes), loc);
  int isTraining = g.add(Op::Greater, {training, constant(0.5)}, {}, loc);
  int useMean = g.add(Op::Where, {isTraining, mean, v.movingMean}, {}, loc);
  int useVariance = g.add(Op::Where, {isTraining, variance, v.movingVariance}, {}, loc);
  int y = g.add(Op::BatchNorm, {x, v.gamma, v.beta, useMean, useVariance}, Attrs().set("epsilon", epsilon), loc);

  auto average = [&](int moving, int batch) {
    int next = g.add(Op::Add,
                     {g.add(Op::Mul, {moving, constant(momentum)}, {}, loc),
                      g.add(Op::Mul, {batch, constant(1 - momentum)}, {}, loc)},
                     {}, loc);
    g.mutableNode(next).name = g.node(moving).name + "/next";
    updates->push_back({moving, next});
  };
  average(v.movingMean, mean);
  int n = g.add(Op::ElementCount, {x}, Attrs().set("axes", axes), loc);
  int correction = g.add(Op::Div, {n, g.add(Op::Sub, {n, constant(1 + epsilon)}, {}, loc)}, {}, loc);
  average(v.movingVariance, g.add(Op::Mul, {variance, correction}, {}, loc));
  return y;
}

void addRegularization(Model& m) {
  if (m.regularizers.empty() || m.train.minimize < 0) return;
  Graph& g = m.graph;
  SourceLoc loc = g.node(m.train.minimize).loc;
  int total = m.regularizers[0];
  for (size_t i = 1; i < m.regularizers.size(); ++i) total = g.add(Op::Add, {total, m.regularizers[i]}, {}, loc);
  g.mutableNode(total).name = "regularization_loss";
  m.train.minimize = g.add(Op::Add, {m.train.minimize, total}, {}, loc);
}

int buildLayerNorm(Graph& g, int x, int gamma, int beta, const std::vector<int64_t>& axes, double epsilon,
                   SourceLoc loc) {
  const Shape xs = g.node(x).shape;  // a copy: adding nodes may move the graph's storage
  Attrs over;
  over.set("axes", axes).set("keepdims", int64_t(1));
  int mean = g.add(Op::ReduceMean, {x}, over, loc);
  int centered = g.add(Op::Sub, {x, mean}, {}, loc);
  int variance = g.add(Op::ReduceMean, {g.add(Op::Square, {centered}, {}, loc)}, over, loc);
  int eps = g.add(Op::Constant, {}, Attrs().set("value", epsilon).set("dtype", std::string("f32")), loc);
  int scale = g.add(Op::Rsqrt, {g.add(Op::Add, {variance, eps}, {}, loc)}, {}, loc);
  // gamma and beta (the normalized axes' lengths, in order) broadcast from the first normalized
  // axis on: their lengths there, 1 on the axes between and after them.
  std::vector<int64_t> target;
  for (size_t d = static_cast<size_t>(axes.front()); d < xs.size(); ++d)
    target.push_back(std::count(axes.begin(), axes.end(), static_cast<int64_t>(d)) ? xs[d] : 1);
  if (target != g.node(gamma).shape) {
    gamma = g.add(Op::Reshape, {gamma}, Attrs().set("target", target), loc);
    beta = g.add(Op::Reshape, {beta}, Attrs().set("target", target), loc);
  }
  int normalized = g.add(Op::Mul, {centered, scale}, {}, loc);
  return g.add(Op::Add, {g.add(Op::Mul, {normalized, gamma}, {}, loc), beta}, {}, loc);
}

const std::vector<std::string>& layerNames() {
  static const std::vector<std::string> names = {"Conv2D",
                                                 "Dense",
                                                 "MaxPool2D",
                                                 "AvgPool2D",
                                                 "BatchNorm",
                                                 "Dropout",
                                                 "Flatten",
                                                 "DepthwiseConv2D",
                                                 "SeparableConv2D",
                                                 "Conv2DTranspose",
                                                 "GlobalAveragePooling2D",
                                                 "GlobalMaxPooling2D",
                                                 "UpSampling2D",
                                                 "ZeroPadding2D",
                                                 "Cropping2D",
                                                 "LayerNormalization",
                                                 "Conv1D",
                                                 "MaxPool1D",
                                                 "AvgPool1D",
                                                 "Activation"};
  return names;
}

int Lowerer::lowerLayer(const Expr& call) {
  const std::string& f = call.text;
  SourceLoc loc = call.loc;
  // The scope is taken before the arguments are lowered, so that nested layers are named in
  // source order: in `d = Dense(Conv2D(x, 8, 3), 10)` the Dense is `d` and the Conv2D `d_1`.
  // Layers without variables take no name, so they never shift the `_1`, `_2` of those with some.
  static const std::set<std::string> kVariableFree = {"MaxPool2D",
                                                      "AvgPool2D",
                                                      "MaxPool1D",
                                                      "AvgPool1D",
                                                      "Flatten",
                                                      "Dropout",
                                                      "UpSampling2D",
                                                      "ZeroPadding2D",
                                                      "Cropping2D",
                                                      "GlobalAveragePooling2D",
                                                      "GlobalMaxPooling2D",
                                                      "Activation"};
  bool variableFree = kVariableFree.count(f) > 0;
  std::string scope = layerScope(!variableFree);
  model_.layers.back().scope = scope;
  if (f == "Conv2D") {
    CallArgs args(call,
                  {"x", "filters", "kernel", "strides", "padding", "dilation", "activation", "use_bias",
                   "kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer"},
                  3);
    int x = evalNode(args.require("x"));
    int64_t filters = evalInt(args.require("filters"), "filters");
    if (filters <= 0)
      throw UserError(args.require("filters").loc, "filters must be positive, found " + std::to_string(filters));
    std::vector<int64_t> k = evalPair(args.require("kernel"), "kernel");
    const Shape& xs = model_.graph.node(x).shape;
    if (xs.size() != 4)
      throw UserError(args.require("x").loc,
                      "Conv2D expects an NHWC input of rank 4, found " + typeToString(model_.graph.node(x).dtype, xs));
    int w = kernelVariable(*this, args, scope + "/kernel", {k[0], k[1], xs[3], filters}, loc);
    Attrs a;
    a.set("strides", pairArg(*this, args, "strides", {1, 1})).set("dilation", pairArg(*this, args, "dilation", {1, 1}));
    a.set("padding", paddingArg(*this, args));
    int y = addNode(Op::Conv2d, {x, w}, a, loc);
    if (useBias(*this, args)) {
      int b = biasVariable(*this, args, scope + "/bias", {filters}, loc);
      y = addNode(Op::Add, {y, b}, {}, loc);
    }
    return activation(*this, args, y, loc);
  }
  if (f == "Dense") {
    CallArgs args(call,
                  {"x", "units", "activation", "use_bias", "kernel_initializer", "bias_initializer",
                   "kernel_regularizer", "bias_regularizer"},
                  2);
    int x = evalNode(args.require("x"));
    int64_t units = evalInt(args.require("units"), "units");
    if (units <= 0)
      throw UserError(args.require("units").loc, "units must be positive, found " + std::to_string(units));
    const Shape xs = model_.graph.node(x).shape;
    if (xs.size() < 2 || xs.back() == kBatch)
      throw UserError(args.require("x").loc, "Dense expects an input of rank 2 or more, found " +
                                                 typeToString(model_.graph.node(x).dtype, xs));
    int w = kernelVariable(*this, args, scope + "/kernel", {xs.back(), units}, loc);
    int y;
    if (xs.size() == 2) {
      y = addNode(Op::Matmul, {x, w}, {}, loc);
    } else {
      // On the last axis, as Keras: a 1x1 convolution of [N, 1, everything between, K].
      int64_t between = 1;
      for (size_t d = 1; d + 1 < xs.size(); ++d) between *= xs[d];
      Attrs one;
      one.set("strides", std::vector<int64_t>{1, 1}).set("dilation", std::vector<int64_t>{1, 1});
      one.set("padding", std::string("valid"));
      int64_t first = xs[0] == kBatch ? -2 : xs[0];
      int images =
          addNode(Op::Reshape, {x}, Attrs().set("target", std::vector<int64_t>{first, 1, between, xs.back()}), loc);
      int w11 = addNode(Op::Reshape, {w}, Attrs().set("target", std::vector<int64_t>{1, 1, xs.back(), units}), loc);
      std::vector<int64_t> target = {first};
      target.insert(target.end(), xs.begin() + 1, xs.end() - 1);
      target.push_back(units);
      y = addNode(Op::Reshape, {addNode(Op::Conv2d, {images, w11}, one, loc)}, Attrs().set("target", target), loc);
    }
    if (useBias(*this, args)) {
      int b = biasVariable(*this, args, scope + "/bias", {units}, loc);
      y = addNode(Op::Add, {y, b}, {}, loc);
    }
    return activation(*this, args, y, loc);
  }
  // ---- v2 layers
  if (f == "GlobalAveragePooling2D" || f == "GlobalMaxPooling2D") {
    CallArgs args(call, {"x"}, 1);
    int x = requireNHWC(*this, args, f);
    if (f == "GlobalAveragePooling2D") return addNode(Op::GlobalAvgPool, {x}, {}, loc);
    return addNode(Op::ReduceMax, {x}, meanOver({1, 2}), loc);
  }
  if (f == "DepthwiseConv2D" || f == "SeparableConv2D") {
    bool separable = f == "SeparableConv2D";
    // The spec's positional order; SeparableConv2D takes dilation by keyword only.
    std::vector<std::string> names = {"x",
                                      "kernel",
                                      "strides",
                                      "padding",
                                      "depth_multiplier",
                                      "dilation",
                                      "activation",
                                      "use_bias",
                                      "kernel_initializer",
                                      "bias_initializer",
                                      "kernel_regularizer",
                                      "bias_regularizer",
                                      "depthwise_initializer",
                                      "depthwise_regularizer"};
    if (separable) {
      names.insert(names.begin() + 1, "filters");
      names.erase(names.begin() + 6);
      names.insert(names.begin() + 8, "dilation");
      names.insert(names.end(), {"pointwise_initializer", "pointwise_regularizer"});
    }
    CallArgs args(call, names, separable ? 3 : 2);
    int x = requireNHWC(*this, args, f);
    int64_t filters = separable ? positiveInt(*this, args, "filters") : 0;
    int64_t multiplier = args.get("depth_multiplier") ? positiveInt(*this, args, "depth_multiplier") : 1;
    std::vector<int64_t> k = evalPair(args.require("kernel"), "kernel");
    int64_t channels = model_.graph.node(x).shape[3];
    int dw =
        kernelVariable(*this, args, scope + "/depthwise_kernel", {k[0], k[1], channels, multiplier}, loc, "depthwise");
    Attrs a;
    a.set("strides", pairArg(*this, args, "strides", {1, 1})).set("dilation", pairArg(*this, args, "dilation", {1, 1}));
    a.set("padding", paddingArg(*this, args));
    int y = addNode(Op::DepthwiseConv2d, {x, dw}, a, loc);
    int64_t outChannels = channels * multiplier;
    if (separable) {
      int pw = kernelVariable(*this, args, scope + "/pointwise_kernel", {1, 1, outChannels, filters}, loc, "pointwise");
      Attrs one;
      one.set("strides", std::vector<int64_t>{1, 1}).set("dilation", std::vector<int64_t>{1, 1});
      one.set("padding", std::string("valid"));
      y = addNode(Op::Conv2d, {y, pw}, one, loc);
      outChannels = filters;
    }
    if (useBias(*this, args))
      y = addNode(Op::Add, {y, biasVariable(*this, args, scope + "/bias", {outChannels}, loc)}, {}, loc);
    return activation(*this, args, y, loc);
  }
  if (f == "Conv2DTranspose") {
    CallArgs args(
        call,
        {"x", "filters", "kernel", "strides", "padding", "activation", "use_bias", "dilation", "output_padding",
         "kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer"},
        3);
    int x = requireNHWC(*this, args, f);
    int64_t filters = positiveInt(*this, args, "filters");
    std::vector<int64_t> k = evalPair(args.require("kernel"), "kernel");
    const Shape xs = model_.graph.node(x).shape;
    int w = kernelVariable(*this, args, scope + "/kernel", {k[0], k[1], filters, xs[3]}, loc);
    Attrs a;
    std::vector<int64_t> strides = pairArg(*this, args, "strides", {1, 1}),
                         dilation = pairArg(*this, args, "dilation", {1, 1});
    a.set("strides", strides).set("dilation", dilation).set("padding", paddingArg(*this, args));
    if (const Expr* e = args.get("output_padding")) {
      // Keras' deconv_output_length: (in - 1) * stride + span - 2 * pad + output_padding, pad being
      // span // 2 for same and 0 for valid; each output_padding below its stride, as Keras requires.
      std::vector<int64_t> extra = resolve(*e).kind == ExprKind::List
                                       ? evalPair(*e, "output_padding")
                                       : std::vector<int64_t>(2, evalInt(*e, "output_padding"));
      std::vector<int64_t> size;
      for (size_t d = 0; d < 2; ++d) {
        if (extra[d] < 0 || extra[d] >= strides[d])
          throw UserError(e->loc, "Conv2DTranspose: output_padding must be at least 0 and less than the stride " +
                                      std::to_string(strides[d]) + ", found " + std::to_string(extra[d]));
        int64_t span = (k[d] - 1) * dilation[d] + 1;
        int64_t pad = a.getString("padding") == "same" ? span / 2 : 0;
        size.push_back((xs[1 + d] - 1) * strides[d] + span - 2 * pad + extra[d]);
      }
      a.set("output_shape", size);
    }
    int y = addNode(Op::Conv2dTranspose, {x, w}, a, loc);
    if (useBias(*this, args))
      y = addNode(Op::Add, {y, biasVariable(*this, args, scope + "/bias", {filters}, loc)}, {}, loc);
    return activation(*this, args, y, loc);
  }
  if (f == "LayerNormalization") {
    CallArgs args(call, {"x", "axis", "epsilon"}, 1);
    int x = evalNode(args.require("x"));
    const Node& xn = model_.graph.node(x);
    int64_t rank = static_cast<int64_t>(xn.shape.size());
    // axis: an int or a list of them (Keras' axis = [-3, -2, -1]), taken in increasing order.
    std::vector<int64_t> axes = {-1};
    SourceLoc where = args.require("x").loc;
    if (const Expr* given = args.get("axis")) {
      where = given->loc;
      const Expr& e = resolve(*given);
      axes.clear();
      if (e.kind == ExprKind::List)
        for (const auto& item : e.items) axes.push_back(evalInt(*item, "axis"));
      else
        axes.push_back(evalInt(e, "axis"));
    }
    for (int64_t& axis : axes) {
      int64_t given = axis;
      if (axis < 0) axis += rank;
      if (xn.dtype != DType::F32 || axis <= 0 || axis >= rank || xn.shape[static_cast<size_t>(axis)] == kBatch)
        throw UserError(where, "LayerNormalization normalizes axes of an f32 input other than the batch, found axis " +
                                   std::to_string(given) + " of " + typeToString(xn.dtype, xn.shape));
    }
    std::sort(axes.begin(), axes.end());
    if (axes.empty() || std::adjacent_find(axes.begin(), axes.end()) != axes.end())
      throw UserError(where, "LayerNormalization expects distinct axes, at least one");
    double epsilon = args.get("epsilon") ? evalNumber(*args.get("epsilon")) : 1e-3;
    Shape n;
    for (int64_t axis : axes) n.push_back(xn.shape[static_cast<size_t>(axis)]);
    int gamma = variable(scope + "/gamma", n, init("ones"), loc);
    int beta = variable(scope + "/beta", n, init("zeros"), loc);
    return buildLayerNorm(model_.graph, x, gamma, beta, axes, epsilon, loc);
  }
  if (f == "Activation") {  // Keras' Activation layer: any `activation =` name
    CallArgs args(call, {"x", "activation"}, 2);
    return namedActivation(*this, args.require("activation"), evalNode(args.require("x")), loc);
  }
  if (f == "Conv1D") {
    CallArgs args(call,
                  {"x", "filters", "kernel", "strides", "padding", "dilation", "activation", "use_bias",
                   "kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer"},
                  3);
    int x = requireNWC(*this, args, f);
    int64_t filters = positiveInt(*this, args, "filters");
    int64_t k = positiveInt(*this, args, "kernel");
    const Shape xs = model_.graph.node(x).shape;
    int w = kernelVariable(*this, args, scope + "/kernel", {k, xs[2], filters}, loc);
    auto one = [&](const char* name) {
      return std::vector<int64_t>{1, args.get(name) ? positiveInt(*this, args, name) : 1};
    };
    Attrs a;
    a.set("strides", one("strides")).set("dilation", one("dilation")).set("padding", paddingArg(*this, args));
    int y = addNode(Op::Conv2d,
                    {asImages(*this, x, loc),
                     addNode(Op::Reshape, {w}, Attrs().set("target", std::vector<int64_t>{1, k, xs[2], filters}), loc)},
                    a, loc);
    y = asSequences(*this, y, loc);
    if (useBias(*this, args))
      y = addNode(Op::Add, {y, biasVariable(*this, args, scope + "/bias", {filters}, loc)}, {}, loc);
    return activation(*this, args, y, loc);
  }
  if (f == "MaxPool1D" || f == "AvgPool1D") {
    CallArgs args(call, {"x", "size", "strides", "padding"}, 1);
    int x = requireNWC(*this, args, f);
    int64_t size = args.get("size") ? positiveInt(*this, args, "size") : 2;
    int64_t stride = args.get("strides") ? positiveInt(*this, args, "strides") : size;
    Attrs a;
    a.set("size", std::vector<int64_t>{1, size}).set("strides", std::vector<int64_t>{1, stride});
    a.set("padding", paddingArg(*this, args));
    int y = addNode(f == "MaxPool1D" ? Op::MaxPool : Op::AvgPool, {asImages(*this, x, loc)}, a, loc);
    return asSequences(*this, y, loc);
  }
  if (f == "UpSampling2D") {
    CallArgs args(call, {"x", "size", "interpolation"}, 1);
    int x = requireNHWC(*this, args, f);
    std::vector<int64_t> size = args.get("size") ? evalPair(*args.get("size"), "size") : std::vector<int64_t>{2, 2};
    std::string method = args.get("interpolation") ? evalWord(*args.get("interpolation")) : "nearest";
    if (method != "nearest" && method != "bilinear")
      throw UserError(args.get("interpolation")->loc,
                      "UpSampling2D: interpolation must be nearest or bilinear, found '" + method + "'");
    const Shape& xs = model_.graph.node(x).shape;
    Attrs a;
    a.set("size", std::vector<int64_t>{xs[1] * size[0], xs[2] * size[1]}).set("method", method);
    return addNode(Op::Resize, {x}, a, loc);
  }
  if (f == "ZeroPadding2D" || f == "Cropping2D") {
    bool crop = f == "Cropping2D";
    const char* what = crop ? "cropping" : "padding";
    CallArgs args(call, {"x", what}, crop ? 2 : 1);
    int x = requireNHWC(*this, args, f);
    std::vector<int64_t> tblr =
        args.get(what) ? spatialPadding(*this, *args.get(what), what) : std::vector<int64_t>(4, 1);
    for (int64_t& v : tblr) v = crop ? -v : v;
    Attrs a;
    a.set("paddings", std::vector<int64_t>{0, 0, tblr[0], tblr[1], tblr[2], tblr[3], 0, 0});
    a.set("mode", std::string("constant")).set("value", 0.0);
    return addNode(Op::Pad, {x}, a, loc);
  }
  if (f == "MaxPool2D" || f == "AvgPool2D") {
    CallArgs args(call, {"x", "size", "strides", "padding"}, 1);
    int x = evalNode(args.require("x"));
    return lowerPool(*this, f == "MaxPool2D" ? Op::MaxPool : Op::AvgPool, args, x, loc);
  }
  if (f == "Flatten") {
    CallArgs args(call, {"x"}, 1);
    int x = evalNode(args.require("x"));
    return lowerFlatten(*this, x, loc);
  }
  if (f == "BatchNorm") {
    CallArgs args(call, {"x", "momentum", "epsilon"}, 1);
    int x = evalNode(args.require("x"));
    const Node& xn = model_.graph.node(x);
    if (xn.shape.empty() || xn.dtype != DType::F32 || xn.shape.back() == kBatch)
      throw UserError(args.require("x").loc, "BatchNorm expects an f32 input with a known last axis, found " +
                                                 typeToString(xn.dtype, xn.shape));
    double momentum = args.get("momentum") ? evalNumber(*args.get("momentum")) : 0.99;
    double epsilon = args.get("epsilon") ? evalNumber(*args.get("epsilon")) : 1e-3;
    Shape channels = {xn.shape.back()};
    BatchNormVariables v;
    v.gamma = variable(scope + "/gamma", channels, init("ones"), loc);
    v.beta = variable(scope + "/beta", channels, init("zeros"), loc);
    v.movingMean = variable(scope + "/moving_mean", channels, init("zeros", false), loc);
    v.movingVariance = variable(scope + "/moving_variance", channels, init("ones", false), loc);
    return buildBatchNorm(model_.graph, x, v, trainingFlag(), momentum, epsilon, loc, &model_.stateUpdates);
  }
  if (f == "Dropout") {
    CallArgs args(call, {"x", "rate"}, 2);
    return dropout(evalNode(args.require("x")), args.require("rate"), dropoutSeedKey(scope), loc, true);
  }
  throw UserError(loc, unknownNameMessage("layer", f, layerNames()));
}

}  // namespace graphc
