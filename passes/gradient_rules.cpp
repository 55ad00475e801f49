// \file The gradient rule of every differentiable op, each a few graph nodes built from the
// forward node's inputs, output and output gradient.
#include "passes/gradient_rules.h"

#include <map>
#include <set>

namespace graphc {
namespace {

int scalar(Graph& g, double v) { return g.add("constant", {}, Attrs().set("value", v).set("dtype", std::string("f32"))); }

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
  auto mm = [&](int x, int y, bool tx, bool ty) {
    return g.add("matmul", {x, y}, Attrs().set("transpose_a", int64_t(tx)).set("transpose_b", int64_t(ty)));
  };
  if (!ta && !tb) return {mm(dy, b, false, true), mm(a, dy, true, false)};
  if (ta && !tb) return {mm(b, dy, false, true), mm(a, dy, false, false)};
  if (!ta && tb) return {mm(dy, b, false, false), mm(dy, a, true, false)};
  return {mm(b, dy, true, true), mm(dy, a, true, true)};
}

std::vector<int> convRule(GradContext& c) {
  Graph& g = c.graph;
  int x = c.node.inputs[0], w = c.node.inputs[1];
  int dx = g.add("conv2d_backprop_input", {c.gradOut, w, x}, c.node.attrs);
  int dw = g.add("conv2d_backprop_filter", {x, c.gradOut, w}, c.node.attrs);
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
    const Shape& in = g.node(x).shape;
    for (int64_t a : c.node.attrs.getInts("axes")) count *= in[static_cast<size_t>(a)];
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
    int sign = g.add("sub", {asFloat(g, g.add("greater", {x, scalar(g, 0.0)})),
                             asFloat(g, g.add("less", {x, scalar(g, 0.0)}))});
    return {mul(g, dy, sign)};
  }
  if (op == "relu") return {g.add("relu_grad", {x, dy})};
  if (op == "sigmoid") return {mul(g, dy, mul(g, y, g.add("sub", {scalar(g, 1.0), y})))};
  // tanh
  return {mul(g, dy, g.add("sub", {scalar(g, 1.0), mul(g, y, y)}))};
}

std::vector<int> castRule(GradContext& c) {
  bool floatToFloat = c.node.dtype == DType::F32 && c.graph.node(c.node.inputs[0]).dtype == DType::F32;
  return {floatToFloat ? c.gradOut : -1};
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
  static const std::set<std::string> ops = {"equal", "not_equal", "less", "less_equal", "greater", "greater_equal",
                                            "argmax", "accuracy", "placeholder", "variable", "constant"};
  return ops.count(op) > 0;
}

}  // namespace graphc
