// \file The gradient rule of every op ir/ops.def declares Gradient::Rule, each a few graph nodes
// built from the forward node's inputs, output and output gradient; the table at the end indexes
// them by Op.
#include "passes/gradient_rules.h"

#include "support/diagnostics.h"

namespace graphc {
namespace {

int scalar(Graph& g, double v) {
  return g.add(Op::Constant, {}, Attrs().set("value", v).set("dtype", std::string("f32")));
}

// The gradient of a broadcast operand: the output gradient summed down to the operand's shape.
int unbroadcast(Graph& g, int grad, int operand) {
  if (g.node(grad).shape == g.node(operand).shape) return grad;
  return g.add(Op::SumLike, {grad, operand});
}

int mul(Graph& g, int a, int b) { return g.add(Op::Mul, {a, b}); }
int asFloat(Graph& g, int boolean) { return g.add(Op::Cast, {boolean}, Attrs().set("dtype", std::string("f32"))); }

std::vector<int> addRule(GradContext& c) {
  return {unbroadcast(c.graph, c.gradOut, c.node.inputs[0]), unbroadcast(c.graph, c.gradOut, c.node.inputs[1])};
}

std::vector<int> subRule(GradContext& c) {
  int neg = c.graph.add(Op::Neg, {c.gradOut});
  return {unbroadcast(c.graph, c.gradOut, c.node.inputs[0]), unbroadcast(c.graph, neg, c.node.inputs[1])};
}

std::vector<int> mulRule(GradContext& c) {
  int a = c.node.inputs[0], b = c.node.inputs[1];
  return {unbroadcast(c.graph, mul(c.graph, c.gradOut, b), a), unbroadcast(c.graph, mul(c.graph, c.gradOut, a), b)};
}

std::vector<int> divRule(GradContext& c) {
  Graph& g = c.graph;
  int a = c.node.inputs[0], b = c.node.inputs[1];
  int ga = g.add(Op::Div, {c.gradOut, b});
  int gb = g.add(Op::Neg, {g.add(Op::Div, {mul(g, ga, a), b})});  // -g * a / b^2
  return {unbroadcast(g, ga, a), unbroadcast(g, gb, b)};
}

// maximum/minimum: the gradient goes to the operand that was chosen (to a on ties).
std::vector<int> selectRule(GradContext& c, Op chooseA) {
  Graph& g = c.graph;
  int a = c.node.inputs[0], b = c.node.inputs[1];
  int maskA = asFloat(g, g.add(chooseA, {a, b}));
  int maskB = g.add(Op::Sub, {scalar(g, 1.0), maskA});
  return {unbroadcast(g, mul(g, c.gradOut, maskA), a), unbroadcast(g, mul(g, c.gradOut, maskB), b)};
}

std::vector<int> matmulRule(GradContext& c) {
  Graph& g = c.graph;
  int a = c.node.inputs[0], b = c.node.inputs[1], dy = c.gradOut;
  bool ta = c.node.attrs.getInt("transpose_a"), tb = c.node.attrs.getInt("transpose_b");
  // mm(k, ...) builds input k's gradient only when autodiff needs it.
  auto mm = [&](size_t k, int x, int y, bool tx, bool ty) {
    if (!c.wants(k)) return -1;
    return g.add(Op::Matmul, {x, y}, Attrs().set("transpose_a", int64_t(tx)).set("transpose_b", int64_t(ty)));
  };
  if (!ta && !tb) return {mm(0, dy, b, false, true), mm(1, a, dy, true, false)};
  if (ta && !tb) return {mm(0, b, dy, false, true), mm(1, a, dy, false, false)};
  if (!ta && tb) return {mm(0, dy, b, false, false), mm(1, dy, a, true, false)};
  return {mm(0, b, dy, true, true), mm(1, dy, a, true, true)};
}

std::vector<int> convRule(GradContext& c) {
  Graph& g = c.graph;
  int x = c.node.inputs[0], w = c.node.inputs[1];
  int dx = c.wants(0) ? g.add(Op::Conv2dBackpropInput, {c.gradOut, w, x}, c.node.attrs) : -1;
  int dw = c.wants(1) ? g.add(Op::Conv2dBackpropFilter, {x, c.gradOut, w}, c.node.attrs) : -1;
  return {dx, dw};
}

std::vector<int> reshapeRule(GradContext& c) {
  const Shape& in = c.graph.node(c.node.inputs[0]).shape;
  std::vector<int64_t> target;
  for (int64_t d : in) target.push_back(d == kBatch ? -2 : d);
  return {c.graph.add(Op::Reshape, {c.gradOut}, Attrs().set("target", target))};
}

std::vector<int> reduceRule(GradContext& c) {
  Graph& g = c.graph;
  int x = c.node.inputs[0];
  Attrs attrs;
  attrs.set("axes", c.node.attrs.getInts("axes"));
  int spread = g.add(Op::BroadcastLike, {c.gradOut, x}, attrs);
  if (c.node.op == Op::ReduceSum) return {spread};
  if (c.node.op == Op::ReduceMean) {
    int64_t count = 1;
    bool batch = false;
    const Shape& in = g.node(x).shape;
    for (int64_t a : c.node.attrs.getInts("axes")) {
      batch = batch || in[static_cast<size_t>(a)] == kBatch;
      count *= in[static_cast<size_t>(a)];
    }
    // A mean over the batch divides by a count known only when the program is compiled.
    if (batch) return {g.add(Op::Div, {spread, g.add(Op::ElementCount, {x}, attrs)})};
    return {mul(g, spread, scalar(g, 1.0 / static_cast<double>(count)))};
  }
  // reduce_max, reduce_min: to every element equal to the extremum.
  int maxSpread = g.add(Op::BroadcastLike, {c.node.id, x}, attrs);
  return {mul(g, spread, asFloat(g, g.add(Op::Equal, {x, maxSpread})))};
}

std::vector<int> unaryRule(GradContext& c) {
  Graph& g = c.graph;
  int x = c.node.inputs[0], y = c.node.id, dy = c.gradOut;
  Op op = c.node.op;
  if (op == Op::Neg) return {g.add(Op::Neg, {dy})};
  if (op == Op::Exp) return {mul(g, dy, y)};
  if (op == Op::Log) return {g.add(Op::Div, {dy, x})};
  if (op == Op::Sqrt) return {g.add(Op::Div, {mul(g, dy, scalar(g, 0.5)), y})};
  if (op == Op::Rsqrt) return {mul(g, dy, mul(g, scalar(g, -0.5), mul(g, y, mul(g, y, y))))};
  if (op == Op::Square) return {mul(g, dy, mul(g, x, scalar(g, 2.0)))};
  if (op == Op::Abs) {
    int sign = g.add(Op::Sub, {asFloat(g, g.add(Op::Greater, {x, scalar(g, 0.0)})),
                               asFloat(g, g.add(Op::Less, {x, scalar(g, 0.0)}))});
    return {mul(g, dy, sign)};
  }
  // relu(x) > 0 exactly where x > 0: reading the output leaves x free to be fused away (a
  // convolution's pre-activation is then never stored).
  if (op == Op::Relu) return {g.add(Op::ReluGrad, {y, dy})};
  if (op == Op::Sigmoid) return {mul(g, dy, mul(g, y, g.add(Op::Sub, {scalar(g, 1.0), y})))};
  if (op == Op::Softplus) return {mul(g, dy, g.add(Op::Sigmoid, {x}))};
  if (op == Op::Tanh) return {mul(g, dy, g.add(Op::Sub, {scalar(g, 1.0), mul(g, y, y)}))};
  // An op listed for this rule below without a line above.
  throw InternalError("unaryRule: no derivative for '" + opName(op) + "'");
}

// ---- v2 activations, math and losses

int add(Graph& g, int a, int b) { return g.add(Op::Add, {a, b}); }
int sub(Graph& g, int a, int b) { return g.add(Op::Sub, {a, b}); }
int where(Graph& g, int condition, int a, int b) { return g.add(Op::Where, {condition, a, b}); }
int greater(Graph& g, int a, double b) { return g.add(Op::Greater, {a, scalar(g, b)}); }
int less(Graph& g, int a, double b) { return g.add(Op::Less, {a, scalar(g, b)}); }

// value where lo < x < hi, else 0. Nested selections, not a product of two casts of comparisons:
// Halide 14 fails on such a product inside a vectorized matmul epilogue ("Attempting to narrow a
// 1-bit type") when fusion puts the gradient there.
int between(Graph& g, int x, double lo, double hi, int value) {
  int zero = scalar(g, 0.0);
  return where(g, greater(g, x, lo), where(g, less(g, x, hi), value, zero), zero);
}

// d gelu / dx: exact, Phi(x) + x * phi(x); approximate, with t = tanh(k (x + c x^3)),
// (1 + t) / 2 + x (1 - t^2) k (1 + 3 c x^2) / 2 (1 / sqrt(2 pi) = 0.3989..., 1 / sqrt(2) = 0.7071...).
int geluDerivative(Graph& g, int x, bool approximate) {
  if (!approximate) {
    int phiCdf =
        mul(g, scalar(g, 0.5), add(g, scalar(g, 1.0), g.add(Op::Erf, {mul(g, x, scalar(g, 0.7071067811865476))})));
    int density = mul(g, g.add(Op::Exp, {mul(g, g.add(Op::Square, {x}), scalar(g, -0.5))}),
                      scalar(g, 0.3989422804014327));  // 1 / sqrt(2 pi)
    return add(g, phiCdf, mul(g, x, density));
  }
  const double k = 0.7978845608028654, c = 0.044715;
  int x2 = g.add(Op::Square, {x});
  int t = g.add(Op::Tanh, {mul(g, scalar(g, k), mul(g, x, add(g, scalar(g, 1.0), mul(g, scalar(g, c), x2))))});
  int slope = mul(g, scalar(g, 0.5 * k), add(g, scalar(g, 1.0), mul(g, scalar(g, 3 * c), x2)));
  int sech2 = sub(g, scalar(g, 1.0), g.add(Op::Square, {t}));
  return add(g, mul(g, scalar(g, 0.5), add(g, scalar(g, 1.0), t)), mul(g, mul(g, x, sech2), slope));
}

std::vector<int> activationRule(GradContext& c) {
  Graph& g = c.graph;
  int x = c.node.inputs[0], y = c.node.id, dy = c.gradOut;
  switch (c.node.op) {
    case Op::Elu: {  // e^x = y + alpha below 0
      int alpha = scalar(g, c.node.attrs.getFloat("alpha", 1.0));
      return {where(g, greater(g, x, 0), dy, mul(g, dy, add(g, y, alpha)))};
    }
    case Op::Selu: {  // scale * alpha * e^x = y + scale * alpha below 0
      const double alpha = 1.6732632423543772, scale = 1.0507009873554805;
      return {
          where(g, greater(g, x, 0), mul(g, dy, scalar(g, scale)), mul(g, dy, add(g, y, scalar(g, scale * alpha))))};
    }
    case Op::Gelu:
      return {mul(g, dy, geluDerivative(g, x, c.node.attrs.getInt("approximate") != 0))};
    case Op::Swish: {  // s + x s (1 - s) = s + y (1 - s)
      int s = g.add(Op::Sigmoid, {x});
      return {mul(g, dy, add(g, s, mul(g, y, sub(g, scalar(g, 1.0), s))))};
    }
    case Op::Softsign:
      return {g.add(Op::Div, {dy, g.add(Op::Square, {add(g, scalar(g, 1.0), g.add(Op::Abs, {x}))})})};
    case Op::HardSigmoid:  // 0.2 where 0.2 x + 0.5 lies in (0, 1)
      return {between(g, x, -2.5, 2.5, mul(g, dy, scalar(g, 0.2)))};
    case Op::Relu6:
      return {between(g, x, 0, 6, dy)};
    case Op::Mish: {  // tanh(sp) + x sigmoid(x) (1 - tanh(sp)^2), sp = softplus(x)
      int t = g.add(Op::Tanh, {g.add(Op::Softplus, {x})});
      int sech2 = sub(g, scalar(g, 1.0), g.add(Op::Square, {t}));
      return {mul(g, dy, add(g, t, mul(g, mul(g, x, g.add(Op::Sigmoid, {x})), sech2)))};
    }
    case Op::Erf:  // 2 / sqrt(pi) e^(-x^2), 2 / sqrt(pi) = 1.1283...
      return {mul(g, dy,
                  mul(g, scalar(g, 1.1283791670955126), g.add(Op::Exp, {g.add(Op::Neg, {g.add(Op::Square, {x})})})))};
    case Op::Reciprocal:
      return {g.add(Op::Neg, {mul(g, dy, g.add(Op::Square, {y}))})};
    default:
      throw InternalError("activationRule: no derivative for '" + opName(c.node.op) + "'");
  }
}

// d x^y: y x^(y-1) for x; x^y log(x) for y, with log(x) taken as 0 where x <= 0 (TensorFlow's choice).
std::vector<int> powRule(GradContext& c) {
  Graph& g = c.graph;
  int x = c.node.inputs[0], e = c.node.inputs[1], dy = c.gradOut;
  int dx = -1, de = -1;
  if (c.wants(0)) dx = unbroadcast(g, mul(g, dy, mul(g, e, g.add(Op::Pow, {x, sub(g, e, scalar(g, 1.0))}))), x);
  if (c.wants(1)) {
    int positive = greater(g, x, 0);
    int logX = g.add(Op::Log, {where(g, positive, x, scalar(g, 1.0))});
    de = unbroadcast(g, mul(g, dy, mul(g, c.node.id, logX)), e);
  }
  return {dx, de};
}

// The product of the other elements of each group, exact with zeros: with no zero it is prod / x;
// with one zero, the product of the nonzero elements at the zero and 0 elsewhere; with more, 0.
std::vector<int> reduceProdRule(GradContext& c) {
  Graph& g = c.graph;
  int x = c.node.inputs[0];
  Attrs axes;
  axes.set("axes", c.node.attrs.getInts("axes"));
  Attrs reduce = axes;
  reduce.set("keepdims", int64_t(0));
  int isZero = g.add(Op::Equal, {x, scalar(g, 0.0)});
  int nonzero = where(g, isZero, scalar(g, 1.0), x);
  int nonzeroProduct = g.add(Op::BroadcastLike, {g.add(Op::ReduceProd, {nonzero}, reduce), x}, axes);
  int zeros = g.add(Op::BroadcastLike, {g.add(Op::ReduceSum, {asFloat(g, isZero)}, reduce), x}, axes);
  int others = where(
      g, isZero, where(g, g.add(Op::Equal, {zeros, scalar(g, 1.0)}), nonzeroProduct, scalar(g, 0.0)),
      where(g, g.add(Op::Equal, {zeros, scalar(g, 0.0)}), g.add(Op::Div, {nonzeroProduct, nonzero}), scalar(g, 0.0)));
  int spreadGrad = g.add(Op::BroadcastLike, {c.gradOut, x}, axes);
  return {mul(g, spreadGrad, others)};
}

constexpr double kProbEpsilon = 1e-7;  // Keras' backend epsilon

// Of Keras' binary crossentropy on p clipped to [eps, 1 - eps] (the gradient stops where the clip
// holds p, as the clip's own rule has it): (1 - y) / (1 - p + eps) - y / (p + eps) for p; for the
// labels, log(1 - p + eps) - log(p + eps).
std::vector<int> binaryCrossentropyRule(GradContext& c) {
  Graph& g = c.graph;
  int p = c.node.inputs[0], y = c.node.inputs[1], dy = c.gradOut;
  int clipped = g.add(Op::Clip, {p, scalar(g, kProbEpsilon), scalar(g, 1 - kProbEpsilon)});
  int shifted = add(g, clipped, scalar(g, kProbEpsilon));
  int complement = add(g, sub(g, scalar(g, 1.0), clipped), scalar(g, kProbEpsilon));
  int dp = -1, dlabels = -1;
  if (c.wants(0)) {
    int slope = sub(g, g.add(Op::Div, {sub(g, scalar(g, 1.0), y), complement}), g.add(Op::Div, {y, shifted}));
    int zero = scalar(g, 0.0);
    int inside = where(g, g.add(Op::GreaterEqual, {p, scalar(g, kProbEpsilon)}),
                       where(g, g.add(Op::LessEqual, {p, scalar(g, 1 - kProbEpsilon)}), slope, zero), zero);
    dp = unbroadcast(g, mul(g, dy, inside), p);
  }
  if (c.wants(1))
    dlabels = unbroadcast(g, mul(g, dy, sub(g, g.add(Op::Log, {complement}), g.add(Op::Log, {shifted}))), y);
  return {dp, dlabels};
}

// sigmoid(x) - z for the logits, -x for the labels (as TensorFlow's).
std::vector<int> sigmoidCrossEntropyRule(GradContext& c) {
  Graph& g = c.graph;
  int x = c.node.inputs[0], z = c.node.inputs[1], dy = c.gradOut;
  int dx = c.wants(0) ? unbroadcast(g, mul(g, dy, sub(g, g.add(Op::Sigmoid, {x}), z)), x) : -1;
  int dz = c.wants(1) ? unbroadcast(g, g.add(Op::Neg, {mul(g, dy, x)}), z) : -1;
  return {dx, dz};
}

std::vector<int> castRule(GradContext& c) {
  bool floatToFloat = c.node.dtype == DType::F32 && c.graph.node(c.node.inputs[0]).dtype == DType::F32;
  return {floatToFloat ? c.gradOut : -1};
}

// clip = min(max(x, lo), hi), lo <= hi assumed: the gradient goes to x inside [lo, hi], to lo below
// it and to hi above it (to x at the boundaries, as maximum/minimum give it on ties).
// Selections rather than products of casts of comparisons, which Halide 14 fails to compile in a
// vectorized matmul epilogue ("Attempting to narrow a 1-bit type") when fusion puts them there.
std::vector<int> clipRule(GradContext& c) {
  Graph& g = c.graph;
  int x = c.node.inputs[0], lo = c.node.inputs[1], hi = c.node.inputs[2], dy = c.gradOut;
  int zero = scalar(g, 0.0);
  auto where = [&](Op compare, int a, int b, int value, int otherwise) {
    return g.add(Op::Where, {g.add(compare, {a, b}), value, otherwise});
  };
  int inside = where(Op::GreaterEqual, x, lo, where(Op::LessEqual, x, hi, dy, zero), zero);
  return {unbroadcast(g, inside, x), unbroadcast(g, where(Op::Less, x, lo, dy, zero), lo),
          unbroadcast(g, where(Op::Greater, x, hi, dy, zero), hi)};
}

std::vector<int> whereRule(GradContext& c) {
  Graph& g = c.graph;
  int cond = c.node.inputs[0], a = c.node.inputs[1], b = c.node.inputs[2], zero = scalar(g, 0.0);
  return {-1, unbroadcast(g, g.add(Op::Where, {cond, c.gradOut, zero}), a),
          unbroadcast(g, g.add(Op::Where, {cond, zero, c.gradOut}), b)};
}

// y = gamma * (x - mean) * s + beta with s = (var + epsilon)^-1/2; ds/dvar = -s^3 / 2.
std::vector<int> batchNormRule(GradContext& c) {
  Graph& g = c.graph;
  const auto& in = c.node.inputs;
  int x = in[0], gamma = in[1], beta = in[2], mean = in[3], var = in[4], dy = c.gradOut;
  int s = g.add(Op::Rsqrt, {g.add(Op::Add, {var, scalar(g, c.node.attrs.getFloat("epsilon", 1e-3))})});
  int centered = g.add(Op::Sub, {x, mean});
  int dx = mul(g, dy, mul(g, gamma, s));
  int dyGammaCentered = mul(g, mul(g, dy, gamma), centered);
  int dvar = mul(g, dyGammaCentered, mul(g, scalar(g, -0.5), mul(g, s, mul(g, s, s))));
  return {dx, unbroadcast(g, mul(g, mul(g, dy, centered), s), gamma), unbroadcast(g, dy, beta),
          unbroadcast(g, g.add(Op::Neg, {dx}), mean), unbroadcast(g, dvar, var)};
}

// The inverse permutation puts every axis back.
std::vector<int> transposeRule(GradContext& c) {
  auto perm = c.node.attrs.getInts("perm");
  std::vector<int64_t> inverse(perm.size());
  for (size_t k = 0; k < perm.size(); ++k) inverse[static_cast<size_t>(perm[k])] = static_cast<int64_t>(k);
  return {c.graph.add(Op::Transpose, {c.gradOut}, Attrs().set("perm", inverse))};
}

// Each input gets its own stretch of the output gradient along the axis.
std::vector<int> concatRule(GradContext& c) {
  int64_t axis = c.node.attrs.getInt("axis"), begin = 0;
  std::vector<int> grads;
  for (int in : c.node.inputs) {
    int64_t size = c.graph.node(in).shape[static_cast<size_t>(axis)];
    grads.push_back(
        c.graph.add(Op::SliceAxis, {c.gradOut}, Attrs().set("axis", axis).set("begin", begin).set("size", size)));
    begin += size;
  }
  return grads;
}

// ---- v2 nn ops

// The mean's gradient spread evenly over each image's H x W positions.
std::vector<int> globalAvgPoolRule(GradContext& c) {
  Graph& g = c.graph;
  int x = c.node.inputs[0];
  // Read before adding nodes: g.add may move the node storage a reference would point into.
  const double pixels = static_cast<double>(g.node(x).shape[1] * g.node(x).shape[2]);
  int spread = g.add(Op::BroadcastLike, {c.gradOut, x}, Attrs().set("axes", std::vector<int64_t>{1, 2}));
  return {mul(g, spread, scalar(g, 1.0 / pixels))};
}

std::vector<int> depthwiseConvRule(GradContext& c) {
  Graph& g = c.graph;
  int x = c.node.inputs[0], w = c.node.inputs[1];
  int dx = c.wants(0) ? g.add(Op::DepthwiseConv2dBackpropInput, {c.gradOut, w, x}, c.node.attrs) : -1;
  int dw = c.wants(1) ? g.add(Op::DepthwiseConv2dBackpropFilter, {x, c.gradOut, w}, c.node.attrs) : -1;
  return {dx, dw};
}

// conv2d_transpose(x, w) is the input gradient of z = conv2d(y, w) taken at x: its own input
// gradient is that conv2d of the output gradient, its filter gradient conv2d's filter gradient
// with the roles of input (the output gradient here) and output gradient (x) swapped.
std::vector<int> convTransposeRule(GradContext& c) {
  Graph& g = c.graph;
  int x = c.node.inputs[0], w = c.node.inputs[1];
  Attrs conv;
  conv.set("strides", c.node.attrs.getInts("strides"))
      .set("dilation", c.node.attrs.getInts("dilation"))
      .set("padding", c.node.attrs.getString("padding"));
  int dx = c.wants(0) ? g.add(Op::Conv2d, {c.gradOut, w}, conv) : -1;
  conv.set("pad_top", c.node.attrs.getInt("pad_top")).set("pad_left", c.node.attrs.getInt("pad_left"));
  int dw = c.wants(1) ? g.add(Op::Conv2dBackpropFilter, {c.gradOut, x, w}, conv) : -1;
  return {dx, dw};
}

// slice_axis: the output gradient back in place, zeros around it.
std::vector<int> sliceAxisRule(GradContext& c) {
  const Shape& in = c.graph.node(c.node.inputs[0]).shape;
  auto axis = static_cast<size_t>(c.node.attrs.getInt("axis"));
  int64_t begin = c.node.attrs.getInt("begin"), size = c.node.attrs.getInt("size");
  std::vector<int64_t> paddings(2 * in.size(), 0);
  paddings[2 * axis] = begin;
  paddings[2 * axis + 1] = in[axis] - begin - size;
  Attrs a;
  a.set("paddings", paddings).set("mode", std::string("constant")).set("value", 0.0);
  return {c.graph.add(Op::Pad, {c.gradOut}, a)};
}

// tile: each input element gets the sum of its copies' gradients: the output gradient viewed as
// [m0, d0, m1, d1, ...] (copy index outside the element's), summed over the copies' axes.
std::vector<int> tileRule(GradContext& c) {
  Graph& g = c.graph;
  const Shape& in = g.node(c.node.inputs[0]).shape;
  auto m = c.node.attrs.getInts("multiples");
  std::vector<int64_t> target, copies;
  for (size_t d = 0; d < in.size(); ++d) {
    copies.push_back(static_cast<int64_t>(target.size()));
    target.push_back(m[d]);
    target.push_back(in[d] == kBatch ? -2 : in[d]);
  }
  int split = g.add(Op::Reshape, {c.gradOut}, Attrs().set("target", target));
  return {g.add(Op::ReduceSum, {split}, Attrs().set("axes", copies).set("keepdims", int64_t(0)))};
}

// A graph-op rule whose gradient is one helper op of (forward input 0 or output, output gradient).
GradFn helperRule(Op helper, bool fromOutput) {
  return [helper, fromOutput](GradContext& c) {
    int first = fromOutput ? c.node.id : c.node.inputs[0];
    return std::vector<int>{c.graph.add(helper, {first, c.gradOut}, c.node.attrs)};
  };
}

// The rules indexed by Op (empty where an op has none).
const std::vector<GradFn>& table() {
  static const std::vector<GradFn> t = [] {
    std::vector<GradFn> rules(kNumOps);
    auto m = [&](Op op) -> GradFn& { return rules[opIndex(op)]; };
    m(Op::Add) = addRule;
    m(Op::Sub) = subRule;
    m(Op::Mul) = mulRule;
    m(Op::Div) = divRule;
    m(Op::Maximum) = [](GradContext& c) { return selectRule(c, Op::GreaterEqual); };
    m(Op::Minimum) = [](GradContext& c) { return selectRule(c, Op::LessEqual); };
    for (Op op : {Op::Neg, Op::Exp, Op::Log, Op::Sqrt, Op::Rsqrt, Op::Square, Op::Abs, Op::Relu, Op::Sigmoid, Op::Tanh,
                  Op::Softplus})
      m(op) = unaryRule;
    m(Op::Cast) = castRule;
    m(Op::Matmul) = matmulRule;
    m(Op::Conv2d) = convRule;
    m(Op::MaxPool) = [](GradContext& c) {
      return std::vector<int>{c.graph.add(Op::MaxPoolGrad, {c.node.inputs[0], c.gradOut}, c.node.attrs)};
    };
    m(Op::Reshape) = reshapeRule;
    m(Op::LeakyRelu) = helperRule(Op::LeakyReluGrad, false);
    m(Op::AvgPool) = helperRule(Op::AvgPoolGrad, false);
    m(Op::LogSoftmax) = helperRule(Op::LogSoftmaxGrad, true);
    m(Op::Clip) = clipRule;
    m(Op::Where) = whereRule;
    m(Op::BatchNorm) = batchNormRule;
    m(Op::Transpose) = transposeRule;
    m(Op::Concat) = concatRule;
    // v2 nn ops
    m(Op::GlobalAvgPool) = globalAvgPoolRule;
    m(Op::DepthwiseConv2d) = depthwiseConvRule;
    m(Op::Conv2dTranspose) = convTransposeRule;
    m(Op::Resize) = helperRule(Op::ResizeGrad, false);
    m(Op::Pad) = helperRule(Op::PadGrad, false);
    m(Op::SliceAxis) = sliceAxisRule;
    m(Op::Tile) = tileRule;
    // The mask does not depend on x: the gradient is dropout of the output gradient with the same
    // seed and scalars, hence the same mask. keep_prob gets none (the mask is a step function of it).
    m(Op::Dropout) = [](GradContext& c) {
      const auto& in = c.node.inputs;
      return std::vector<int>{c.graph.add(Op::Dropout, {c.gradOut, in[1], in[2], in[3]}, c.node.attrs), -1, -1, -1};
    };
    for (Op op : {Op::ReduceSum, Op::ReduceMean, Op::ReduceMax}) m(op) = reduceRule;
    // v2 activations, math and losses
    for (Op op : {Op::Elu, Op::Selu, Op::Gelu, Op::Swish, Op::Softsign, Op::HardSigmoid, Op::Relu6, Op::Mish, Op::Erf,
                  Op::Reciprocal})
      m(op) = activationRule;
    m(Op::Pow) = powRule;
    m(Op::ReduceMin) = reduceRule;
    m(Op::ReduceProd) = reduceProdRule;
    m(Op::BinaryCrossentropy) = binaryCrossentropyRule;
    m(Op::SigmoidCrossEntropy) = sigmoidCrossEntropyRule;
    m(Op::BroadcastLike) = [](GradContext& c) {
      Graph& g = c.graph;
      if (!c.node.attrs.has("axes")) return std::vector<int>{g.add(Op::SumLike, {c.gradOut, c.node.inputs[0]}), -1};
      bool keep = g.node(c.node.inputs[0]).shape.size() == c.node.shape.size();
      Attrs a;
      a.set("axes", c.node.attrs.getInts("axes")).set("keepdims", int64_t(keep));
      return std::vector<int>{g.add(Op::ReduceSum, {c.gradOut}, a), -1};
    };
    m(Op::SumLike) = [](GradContext& c) {
      return std::vector<int>{c.graph.add(Op::BroadcastLike, {c.gradOut, c.node.inputs[0]}), -1};
    };
    m(Op::Softmax) = [](GradContext& c) {
      return std::vector<int>{c.graph.add(Op::SoftmaxGrad, {c.node.id, c.gradOut})};
    };
    m(Op::SoftmaxCrossEntropy) = [](GradContext& c) {
      return std::vector<int>{c.graph.add(Op::SoftmaxCrossEntropyGrad, {c.node.inputs[0], c.node.inputs[1], c.gradOut}),
                              -1};
    };
    m(Op::ProbsCrossEntropy) = [](GradContext& c) {
      return std::vector<int>{c.graph.add(Op::ProbsCrossEntropyGrad, {c.node.inputs[0], c.node.inputs[1], c.gradOut}),
                              -1};
    };
    return rules;
  }();
  return t;
}

}  // namespace

const GradFn* findGradient(Op op) {
  const GradFn& rule = table()[opIndex(op)];
  return rule ? &rule : nullptr;
}

}  // namespace graphc
