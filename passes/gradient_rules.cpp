// \file The gradient rule of every differentiable op, each a few graph nodes built from the
// forward node's inputs, output and output gradient.
#include "passes/gradient_rules.h"

#include <map>
#include <set>

namespace graphc {
namespace {

int scalar(Graph& g, double v) {
  return g.add("constant", {}, Attrs().set("value", v).set("dtype", std::string("f32")));
}

// The gradient of a broadcast operand: the output gradient summed down to the operand's shape.
int unbroadcast(Graph& g, int grad, int operand) {
  if (g.node(grad).shape == g.node(operand).shape) return grad;
  return g.add("sum_like", {grad, operand});
}

int mul(Graph& g, int a, int b) { return g.add("mul", {a, b}); }
int asFloat(Graph& g, int boolean) { return g.add("cast", {boolean}, Attrs().set("dtype", std::string("f32"))); }

std::vector<int> addRule(GradContext& c) {
  return {unbroadcast(c.graph, c.gradOut, c.node.inputs[0]), unbroadcast(c.graph, c.gradOut, c.node.inputs[1])};
}

std::vector<int> subRule(GradContext& c) {
  int neg = c.graph.add("neg", {c.gradOut});
  return {unbroadcast(c.graph, c.gradOut, c.node.inputs[0]), unbroadcast(c.graph, neg, c.node.inputs[1])};
}

std::vector<int> mulRule(GradContext& c) {
  int a = c.node.inputs[0], b = c.node.inputs[1];
  return {unbroadcast(c.graph, mul(c.graph, c.gradOut, b), a), unbroadcast(c.graph, mul(c.graph, c.gradOut, a), b)};
}

std::vector<int> divRule(GradContext& c) {
  Graph& g = c.graph;
  int a = c.node.inputs[0], b = c.node.inputs[1];
  int ga = g.add("div", {c.gradOut, b});
  int gb = g.add("neg", {g.add("div", {mul(g, ga, a), b})});  // -g * a / b^2
  return {unbroadcast(g, ga, a), unbroadcast(g, gb, b)};
}

// maximum/minimum: the gradient goes to the operand that was chosen (to a on ties).
std::vector<int> selectRule(GradContext& c, const char* chooseA) {
  Graph& g = c.graph;
  int a = c.node.inputs[0], b = c.node.inputs[1];
  int maskA = asFloat(g, g.add(chooseA, {a, b}));
  int maskB = g.add("sub", {scalar(g, 1.0), maskA});
  return {unbroadcast(g, mul(g, c.gradOut, maskA), a), unbroadcast(g, mul(g, c.gradOut, maskB), b)};
}

std::vector<int> matmulRule(GradContext& c) {
  Graph& g = c.graph;
  int a = c.node.inputs[0], b = c.node.inputs[1], dy = c.gradOut;
  bool ta = c.node.attrs.getInt("transpose_a"), tb = c.node.attrs.getInt("transpose_b");
  // mm(k, ...) builds input k's gradient only when autodiff needs it.
  auto mm = [&](size_t k, int x, int y, bool tx, bool ty) {
    if (!c.wants(k)) return -1;
    return g.add("matmul", {x, y}, Attrs().set("transpose_a", int64_t(tx)).set("transpose_b", int64_t(ty)));
  };
  if (!ta && !tb) return {mm(0, dy, b, false, true), mm(1, a, dy, true, false)};
  if (ta && !tb) return {mm(0, b, dy, false, true), mm(1, a, dy, false, false)};
  if (!ta && tb) return {mm(0, dy, b, false, false), mm(1, dy, a, true, false)};
  return {mm(0, b, dy, true, true), mm(1, dy, a, true, true)};
}

std::vector<int> convRule(GradContext& c) {
  Graph& g = c.graph;
  int x = c.node.inputs[0], w = c.node.inputs[1];
  int dx = c.wants(0) ? g.add("conv2d_backprop_input", {c.gradOut, w, x}, c.node.attrs) : -1;
  int dw = c.wants(1) ? g.add("conv2d_backprop_filter", {x, c.gradOut, w}, c.node.attrs) : -1;
  return {dx, dw};
}

std::vector<int> reshapeRule(GradContext& c) {
  const Shape& in = c.graph.node(c.node.inputs[0]).shape;
  std::vector<int64_t> target;
  for (int64_t d : in) target.push_back(d == kBatch ? -2 : d);
  return {c.graph.add("reshape", {c.gradOut}, Attrs().set("target", target))};
}

std::vector<int> reduceRule(GradContext& c) {
  Graph& g = c.graph;
  int x = c.node.inputs[0];
  Attrs attrs;
  attrs.set("axes", c.node.attrs.getInts("axes"));
  int spread = g.add("broadcast_like", {c.gradOut, x}, attrs);
  if (c.node.op == "reduce_sum") return {spread};
  if (c.node.op == "reduce_mean") {
    int64_t count = 1;
    bool batch = false;
    const Shape& in = g.node(x).shape;
    for (int64_t a : c.node.attrs.getInts("axes")) {
      batch = batch || in[static_cast<size_t>(a)] == kBatch;
      count *= in[static_cast<size_t>(a)];
    }
    // A mean over the batch divides by a count known only when the program is compiled.
    if (batch) return {g.add("div", {spread, g.add("element_count", {x}, attrs)})};
    return {mul(g, spread, scalar(g, 1.0 / static_cast<double>(count)))};
  }
  // reduce_max: to every element equal to the maximum.
  int maxSpread = g.add("broadcast_like", {c.node.id, x}, attrs);
  return {mul(g, spread, asFloat(g, g.add("equal", {x, maxSpread})))};
}

std::vector<int> unaryRule(GradContext& c) {
  Graph& g = c.graph;
  int x = c.node.inputs[0], y = c.node.id, dy = c.gradOut;
  const std::string& op = c.node.op;
  if (op == "neg") return {g.add("neg", {dy})};
  if (op == "exp") return {mul(g, dy, y)};
  if (op == "log") return {g.add("div", {dy, x})};
  if (op == "sqrt") return {g.add("div", {mul(g, dy, scalar(g, 0.5)), y})};
  if (op == "rsqrt") return {mul(g, dy, mul(g, scalar(g, -0.5), mul(g, y, mul(g, y, y))))};
  if (op == "square") return {mul(g, dy, mul(g, x, scalar(g, 2.0)))};
  if (op == "abs") {
    int sign = g.add(
        "sub", {asFloat(g, g.add("greater", {x, scalar(g, 0.0)})), asFloat(g, g.add("less", {x, scalar(g, 0.0)}))});
    return {mul(g, dy, sign)};
  }
  // relu(x) > 0 exactly where x > 0: reading the output leaves x free to be fused away (a
  // convolution's pre-activation is then never stored).
  if (op == "relu") return {g.add("relu_grad", {y, dy})};
  if (op == "sigmoid") return {mul(g, dy, mul(g, y, g.add("sub", {scalar(g, 1.0), y})))};
  // tanh
  return {mul(g, dy, g.add("sub", {scalar(g, 1.0), mul(g, y, y)}))};
}

std::vector<int> castRule(GradContext& c) {
  bool floatToFloat = c.node.dtype == DType::F32 && c.graph.node(c.node.inputs[0]).dtype == DType::F32;
  return {floatToFloat ? c.gradOut : -1};
}

// clip = min(max(x, lo), hi), lo <= hi assumed: the gradient goes to x inside [lo, hi], to lo below
// it and to hi above it (to x at the boundaries, as maximum/minimum give it on ties).
std::vector<int> clipRule(GradContext& c) {
  Graph& g = c.graph;
  int x = c.node.inputs[0], lo = c.node.inputs[1], hi = c.node.inputs[2], dy = c.gradOut;
  int inside = mul(g, asFloat(g, g.add("greater_equal", {x, lo})), asFloat(g, g.add("less_equal", {x, hi})));
  return {unbroadcast(g, mul(g, dy, inside), x), unbroadcast(g, mul(g, dy, asFloat(g, g.add("less", {x, lo}))), lo),
          unbroadcast(g, mul(g, dy, asFloat(g, g.add("greater", {x, hi}))), hi)};
}

std::vector<int> whereRule(GradContext& c) {
  Graph& g = c.graph;
  int cond = c.node.inputs[0], a = c.node.inputs[1], b = c.node.inputs[2], zero = scalar(g, 0.0);
  return {-1, unbroadcast(g, g.add("where", {cond, c.gradOut, zero}), a),
          unbroadcast(g, g.add("where", {cond, zero, c.gradOut}), b)};
}

// y = gamma * (x - mean) * s + beta with s = (var + epsilon)^-1/2; ds/dvar = -s^3 / 2.
std::vector<int> batchNormRule(GradContext& c) {
  Graph& g = c.graph;
  const auto& in = c.node.inputs;
  int x = in[0], gamma = in[1], beta = in[2], mean = in[3], var = in[4], dy = c.gradOut;
  int s = g.add("rsqrt", {g.add("add", {var, scalar(g, c.node.attrs.getFloat("epsilon", 1e-3))})});
  int centered = g.add("sub", {x, mean});
  int dx = mul(g, dy, mul(g, gamma, s));
  int dyGammaCentered = mul(g, mul(g, dy, gamma), centered);
  int dvar = mul(g, dyGammaCentered, mul(g, scalar(g, -0.5), mul(g, s, mul(g, s, s))));
  return {dx, unbroadcast(g, mul(g, mul(g, dy, centered), s), gamma), unbroadcast(g, dy, beta),
          unbroadcast(g, g.add("neg", {dx}), mean), unbroadcast(g, dvar, var)};
}

// The inverse permutation puts every axis back.
std::vector<int> transposeRule(GradContext& c) {
  auto perm = c.node.attrs.getInts("perm");
  std::vector<int64_t> inverse(perm.size());
  for (size_t k = 0; k < perm.size(); ++k) inverse[static_cast<size_t>(perm[k])] = static_cast<int64_t>(k);
  return {c.graph.add("transpose", {c.gradOut}, Attrs().set("perm", inverse))};
}

// Each input gets its own stretch of the output gradient along the axis.
std::vector<int> concatRule(GradContext& c) {
  int64_t axis = c.node.attrs.getInt("axis"), begin = 0;
  std::vector<int> grads;
  for (int in : c.node.inputs) {
    int64_t size = c.graph.node(in).shape[static_cast<size_t>(axis)];
    grads.push_back(
        c.graph.add("slice_axis", {c.gradOut}, Attrs().set("axis", axis).set("begin", begin).set("size", size)));
    begin += size;
  }
  return grads;
}

// A graph-op rule whose gradient is one helper op of (forward input 0 or output, output gradient).
GradFn helperRule(const char* helper, bool fromOutput) {
  return [helper, fromOutput](GradContext& c) {
    int first = fromOutput ? c.node.id : c.node.inputs[0];
    return std::vector<int>{c.graph.add(helper, {first, c.gradOut}, c.node.attrs)};
  };
}

const std::map<std::string, GradFn>& table() {
  static const std::map<std::string, GradFn> t = [] {
    std::map<std::string, GradFn> m;
    m["add"] = addRule;
    m["sub"] = subRule;
    m["mul"] = mulRule;
    m["div"] = divRule;
    m["maximum"] = [](GradContext& c) { return selectRule(c, "greater_equal"); };
    m["minimum"] = [](GradContext& c) { return selectRule(c, "less_equal"); };
    for (const char* op : {"neg", "exp", "log", "sqrt", "rsqrt", "square", "abs", "relu", "sigmoid", "tanh"})
      m[op] = unaryRule;
    m["cast"] = castRule;
    m["matmul"] = matmulRule;
    m["conv2d"] = convRule;
    m["max_pool"] = [](GradContext& c) {
      return std::vector<int>{c.graph.add("max_pool_grad", {c.node.inputs[0], c.gradOut}, c.node.attrs)};
    };
    m["reshape"] = reshapeRule;
    m["leaky_relu"] = helperRule("leaky_relu_grad", false);
    m["avg_pool"] = helperRule("avg_pool_grad", false);
    m["log_softmax"] = helperRule("log_softmax_grad", true);
    m["clip"] = clipRule;
    m["where"] = whereRule;
    m["batch_norm"] = batchNormRule;
    m["transpose"] = transposeRule;
    m["concat"] = concatRule;
    // The mask does not depend on x: the gradient is dropout of the output gradient with the same
    // seed and scalars, hence the same mask. keep_prob gets none (the mask is a step function of it).
    m["dropout"] = [](GradContext& c) {
      const auto& in = c.node.inputs;
      return std::vector<int>{c.graph.add("dropout", {c.gradOut, in[1], in[2], in[3]}, c.node.attrs), -1, -1, -1};
    };
    for (const char* op : {"reduce_sum", "reduce_mean", "reduce_max"}) m[op] = reduceRule;
    m["broadcast_like"] = [](GradContext& c) {
      Graph& g = c.graph;
      if (!c.node.attrs.has("axes")) return std::vector<int>{g.add("sum_like", {c.gradOut, c.node.inputs[0]}), -1};
      bool keep = g.node(c.node.inputs[0]).shape.size() == c.node.shape.size();
      Attrs a;
      a.set("axes", c.node.attrs.getInts("axes")).set("keepdims", int64_t(keep));
      return std::vector<int>{g.add("reduce_sum", {c.gradOut}, a), -1};
    };
    m["sum_like"] = [](GradContext& c) {
      return std::vector<int>{c.graph.add("broadcast_like", {c.gradOut, c.node.inputs[0]}), -1};
    };
    m["softmax"] = [](GradContext& c) { return std::vector<int>{c.graph.add("softmax_grad", {c.node.id, c.gradOut})}; };
    m["softmax_cross_entropy"] = [](GradContext& c) {
      return std::vector<int>{
          c.graph.add("softmax_cross_entropy_grad", {c.node.inputs[0], c.node.inputs[1], c.gradOut}), -1};
    };
    m["probs_cross_entropy"] = [](GradContext& c) {
      return std::vector<int>{c.graph.add("probs_cross_entropy_grad", {c.node.inputs[0], c.node.inputs[1], c.gradOut}),
                              -1};
    };
    return m;
  }();
  return t;
}

}  // namespace

const GradFn* findGradient(const std::string& op) {
  auto it = table().find(op);
  return it == table().end() ? nullptr : &it->second;
}

bool isNonDifferentiable(const std::string& op) {
  static const std::set<std::string> ops = {"equal",         "not_equal", "less",     "less_equal", "greater",
                                            "greater_equal", "argmax",    "accuracy", "one_hot",    "element_count",
                                            "placeholder",   "variable",  "constant"};
  return ops.count(op) > 0;
}

}  // namespace graphc
