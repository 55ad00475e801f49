// \file Type rules of every op: the single place that says what each op accepts and produces.
#include "ir/op_table.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>

#include "support/diagnostics.h"
#include "ir/type_rules.h"

namespace graphc {

void TypeContext::fail(const std::string& message) const { throw UserError(node.loc, message); }

WindowDim windowDim(int64_t in, int64_t kernel, int64_t stride, int64_t dilation, const std::string& padding) {
  int64_t span = (kernel - 1) * dilation + 1;
  WindowDim d;
  if (padding == "same") {
    d.out = (in + stride - 1) / stride;
    int64_t total = std::max<int64_t>((d.out - 1) * stride + span - in, 0);
    d.padBefore = total / 2;
  } else {
    d.out = in >= span ? (in - span) / stride + 1 : 0;
  }
  return d;
}

namespace typerules {

std::string describe(const Node& n) { return typeToString(n.dtype, n.shape); }

void sameAsInput0(TypeContext& c) {
  c.node.dtype = c.input(0).dtype;
  c.node.shape = c.input(0).shape;
}

void requireFloat(TypeContext& c, size_t i) {
  if (c.input(i).dtype != DType::F32) c.fail(c.node.op + " expects an f32 input, found " + describe(c.input(i)));
}

void unaryFloat(TypeContext& c) {
  requireFloat(c, 0);
  sameAsInput0(c);
}

void sameAsInputK(TypeContext& c, size_t k) {
  c.node.dtype = c.input(k).dtype;
  c.node.shape = c.input(k).shape;
}

}  // namespace typerules

namespace {

using namespace typerules;

void binaryBroadcast(TypeContext& c, bool comparison) {
  const Node& a = c.input(0);
  const Node& b = c.input(1);
  if (a.dtype != b.dtype)
    c.fail("'" + c.node.op + "' needs operands of one dtype, found " + describe(a) + " and " + describe(b));
  if (!broadcastShapes(a.shape, b.shape, &c.node.shape))
    c.fail("shapes " + shapeToString(a.shape) + " and " + shapeToString(b.shape) + " do not broadcast in '" +
           c.node.op + "'");
  c.node.dtype = comparison ? DType::Bool : a.dtype;
}

void arithmetic(TypeContext& c) { binaryBroadcast(c, false); }
void comparison(TypeContext& c) { binaryBroadcast(c, true); }
// Gradient helpers whose output has the type of one of their inputs.
void sameAsInput1(TypeContext& c) { sameAsInputK(c, 1); }
void sameAsInput2(TypeContext& c) { sameAsInputK(c, 2); }

// Input 0's dtype in input 1's shape.
void shapedLikeInput1(TypeContext& c) {
  c.node.dtype = c.input(0).dtype;
  c.node.shape = c.input(1).shape;
}

void requireRank(TypeContext& c, size_t i, size_t rank, const std::string& what) {
  if (c.input(i).shape.size() != rank)
    c.fail(c.node.op + " expects " + what + " of rank " + std::to_string(rank) + ", found " + describe(c.input(i)));
}

// A window attribute (size, strides, dilation: [h, w]) must be positive, and no larger than a
// dimension may be (Graph::add caps tensors at 2^31 - 1 elements): the `[h, w]` spelling reached
// here unchecked, and a stride of 0 divided by zero in windowDim (tests/fuzz/regressions). The cap keeps
// windowDim's products far from int64 overflow.
void requireWindow(TypeContext& c, const char* attr) {
  for (int64_t v : c.node.attrs.getInts(attr))
    if (v <= 0 || v > std::numeric_limits<int32_t>::max())
      c.fail(c.node.op + ": " + attr + " must be positive and at most 2^31 - 1, found " + std::to_string(v));
}

// strides/dilation/size attributes are stored as [h, w].
void inferConv(TypeContext& c) {
  requireRank(c, 0, 4, "an NHWC input");
  requireRank(c, 1, 4, "an HWIO filter");
  requireFloat(c, 0);
  requireFloat(c, 1);
  const Shape& x = c.input(0).shape;
  const Shape& w = c.input(1).shape;
  if (x[3] != w[2])
    c.fail("conv2d: input has " + std::to_string(x[3]) + " channels but the filter expects " + std::to_string(w[2]) +
           " (input " + describe(c.input(0)) + ", filter " + describe(c.input(1)) + ")");
  requireWindow(c, "strides");
  requireWindow(c, "dilation");
  auto s = c.node.attrs.getInts("strides");
  auto d = c.node.attrs.getInts("dilation");
  std::string pad = c.node.attrs.getString("padding", "valid");
  WindowDim h = windowDim(x[1], w[0], s[0], d[0], pad);
  WindowDim wd = windowDim(x[2], w[1], s[1], d[1], pad);
  if (h.out <= 0 || wd.out <= 0)
    c.fail("conv2d: a " + std::to_string(w[0]) + "x" + std::to_string(w[1]) + " filter does not fit input " +
           describe(c.input(0)) + " with valid padding");
  c.node.attrs.set("pad_top", h.padBefore).set("pad_left", wd.padBefore);
  c.node.dtype = DType::F32;
  c.node.shape = {x[0], h.out, wd.out, w[3]};
}

void inferPool(TypeContext& c) {
  requireRank(c, 0, 4, "an NHWC input");
  requireFloat(c, 0);
  const Shape& x = c.input(0).shape;
  requireWindow(c, "size");
  requireWindow(c, "strides");
  auto k = c.node.attrs.getInts("size");
  auto s = c.node.attrs.getInts("strides");
  std::string pad = c.node.attrs.getString("padding", "valid");
  WindowDim h = windowDim(x[1], k[0], s[0], 1, pad);
  WindowDim w = windowDim(x[2], k[1], s[1], 1, pad);
  if (h.out <= 0 || w.out <= 0) c.fail(c.node.op + ": the window does not fit input " + describe(c.input(0)));
  c.node.attrs.set("pad_top", h.padBefore).set("pad_left", w.padBefore);
  c.node.dtype = DType::F32;
  c.node.shape = {x[0], h.out, w.out, x[3]};
}

void inferMatmul(TypeContext& c) {
  requireRank(c, 0, 2, "a matrix");
  requireRank(c, 1, 2, "a matrix");
  requireFloat(c, 0);
  requireFloat(c, 1);
  Shape a = c.input(0).shape, b = c.input(1).shape;
  if (c.node.attrs.getInt("transpose_a")) std::swap(a[0], a[1]);
  if (c.node.attrs.getInt("transpose_b")) std::swap(b[0], b[1]);
  if (a[1] != b[0]) c.fail("matmul: inner dimensions differ: " + describe(c.input(0)) + " @ " + describe(c.input(1)));
  c.node.dtype = DType::F32;
  c.node.shape = {a[0], b[1]};
}

// target: the requested shape, -1 = infer this entry, kReshapeBatch = `?`.
void inferReshape(TypeContext& c) {
  const Shape& in = c.input(0).shape;
  auto target = c.node.attrs.getInts("target");
  int64_t inKnown = 1;
  for (int64_t d : in)
    if (d != kBatch) inKnown *= d;
  bool inBatch = hasBatch(in);
  int64_t known = 1, inferAt = -1;
  bool outBatch = false;
  Shape out;
  for (size_t i = 0; i < target.size(); ++i) {
    int64_t d = target[i];
    if (d == -1) {
      if (inferAt >= 0) c.fail("reshape: at most one -1 is allowed");
      inferAt = static_cast<int64_t>(i);
    } else if (d == -2) {
      outBatch = true;
    } else if (d > 0) {
      // Saturating: the input has at most 2^31 - 1 elements (Graph::add), so a product that
      // large can never match it, and the plain product could overflow int64 (tests/fuzz/regressions).
      known = known > std::numeric_limits<int64_t>::max() / d ? std::numeric_limits<int64_t>::max() : known * d;
    } else {
      c.fail("reshape: dimension " + std::to_string(d) + " is not allowed");
    }
    out.push_back(d == -2 ? kBatch : d);
  }
  if (inferAt >= 0) {
    if (inBatch && !outBatch) {
      if (inKnown != known)
        c.fail("reshape: cannot infer -1 of " + shapeToString(out) + " from " + describe(c.input(0)));
      out[static_cast<size_t>(inferAt)] = kBatch;
    } else {
      if (known == 0 || inKnown % known != 0)
        c.fail("reshape: " + describe(c.input(0)) + " cannot be viewed as " + shapeToString(out));
      out[static_cast<size_t>(inferAt)] = inKnown / known;
    }
  } else if (inBatch != outBatch || inKnown != known) {
    c.fail("reshape: " + describe(c.input(0)) + " has a different number of elements than " + shapeToString(out));
  }
  c.node.dtype = c.input(0).dtype;
  c.node.shape = out;
}

void inferReduce(TypeContext& c) {
  const Shape& in = c.input(0).shape;
  auto axes = c.node.attrs.getInts("axes");
  std::vector<bool> reduced(in.size(), axes.empty());
  for (int64_t a : axes) {
    int64_t norm;
    if (!normalizeAxis(a, in.size(), &norm))
      c.fail(c.node.op + ": axis " + std::to_string(a) + " is out of range for " + describe(c.input(0)));
    reduced[static_cast<size_t>(norm)] = true;
  }
  std::vector<int64_t> normAxes;
  Shape out;
  bool keep = c.node.attrs.getInt("keepdims");
  for (size_t i = 0; i < in.size(); ++i) {
    if (reduced[i]) normAxes.push_back(static_cast<int64_t>(i));
    if (!reduced[i])
      out.push_back(in[i]);
    else if (keep)
      out.push_back(1);
  }
  c.node.attrs.set("axes", normAxes);
  if (c.node.op == "argmax") {
    c.node.dtype = DType::I32;
  } else {
    if (c.input(0).dtype == DType::Bool) c.fail(c.node.op + " expects a numeric input, found " + describe(c.input(0)));
    c.node.dtype = c.input(0).dtype;
  }
  c.node.shape = out;
}

void inferClassification(TypeContext& c) {
  const Node& scores = c.input(0);
  const Node& labels = c.input(1);
  requireRank(c, 0, 2, "scores [batch, classes]");
  requireFloat(c, 0);
  bool ids = labels.dtype == DType::I32 && labels.shape.size() == 1 && labels.shape[0] == scores.shape[0];
  bool oneHot = labels.dtype == DType::F32 && labels.shape == scores.shape;
  if (!ids && !oneHot)
    c.fail(c.node.op + ": labels must be i32 class ids of shape " + shapeToString({scores.shape[0]}) +
           " or f32 one-hot of shape " + shapeToString(scores.shape) + ", found " + describe(labels));
  c.node.dtype = DType::F32;
  c.node.shape = {};
}

void inferSource(TypeContext& c) {
  DType t = DType::F32;
  parseDType(c.node.attrs.getString("dtype", "f32"), &t);
  c.node.dtype = t;
  c.node.shape = c.node.attrs.getInts("shape");
  for (auto& d : c.node.shape)
    if (d == -2) d = kBatch;
}

void inferCast(TypeContext& c) {
  DType t = DType::F32;
  parseDType(c.node.attrs.getString("dtype"), &t);
  c.node.dtype = t;
  c.node.shape = c.input(0).shape;
}

std::vector<OpDef> buildTable() {
  std::vector<OpDef> t;
  auto add = [&](std::string name, int minIn, int maxIn, OpKind kind, std::function<void(TypeContext&)> f,
                 std::string doc) {
    t.push_back({std::move(name), minIn, maxIn, kind, std::move(f), std::move(doc)});
  };
  add("placeholder", 0, 0, OpKind::Source, inferSource, "a value fed by the session (attrs dtype, shape)");
  add("variable", 0, 0, OpKind::Source, inferSource, "persistent state, initialised once (attrs shape, init)");
  add("constant", 0, 0, OpKind::Source, inferSource, "a scalar constant (attrs value, dtype)");
  for (const char* op : {"add", "sub", "mul", "div", "maximum", "minimum"})
    add(op, 2, 2, OpKind::Elementwise, arithmetic, "broadcasting arithmetic");
  for (const char* op : {"equal", "not_equal", "less", "less_equal", "greater", "greater_equal"})
    add(op, 2, 2, OpKind::Elementwise, comparison, "broadcasting comparison");
  add("neg", 1, 1, OpKind::Elementwise, sameAsInput0, "-x");
  for (const char* op : {"exp", "log", "sqrt", "rsqrt", "square", "abs", "relu", "sigmoid", "tanh"})
    add(op, 1, 1, OpKind::Elementwise, unaryFloat, "unary math");
  add("cast", 1, 1, OpKind::Elementwise, inferCast, "converts the element type (attr dtype)");
  add("leaky_relu", 1, 1, OpKind::Elementwise, unaryFloat, "x where x > 0, else alpha * x (attr alpha)");
  add("leaky_relu_grad", 2, 2, OpKind::Elementwise, sameAsInput1,
      "gradient of leaky_relu: g where x > 0, else alpha * g (inputs x, g; attr alpha)");
  add("clip", 3, 3, OpKind::Elementwise, inferClip, "min(max(x, lo), hi), broadcasting (inputs x, lo, hi)");
  add("where", 3, 3, OpKind::Elementwise, inferWhere,
      "a where the bool c holds, else b, broadcasting (inputs c, a, b)");
  add("batch_norm", 5, 5, OpKind::Elementwise, inferBatchNorm,
      "gamma * (x - mean) / sqrt(var + epsilon) + beta with the given statistics (inputs x, gamma, beta, mean, var; "
      "attr epsilon)");
  add("dropout", 4, 4, OpKind::Elementwise, inferDropout,
      "x * mask / keep_prob while training (mask ~ Bernoulli(keep_prob), hashed from the element, the step and attr "
      "seed), x otherwise (inputs x, keep_prob, training flag, step)");
  add("relu_grad", 2, 2, OpKind::Elementwise, sameAsInput1, "gradient of relu: g where x > 0, else 0 (inputs x or relu(x), g)");
  add("matmul", 2, 2, OpKind::Other, inferMatmul, "matrix product (attrs transpose_a, transpose_b)");
  add("conv2d", 2, 2, OpKind::Other, inferConv, "NHWC x HWIO convolution (attrs strides, dilation, padding)");
  add("conv2d_backprop_input", 3, 3, OpKind::Other, sameAsInput2,
      "gradient of conv2d with respect to its input (inputs dy, w, x for the shape)");
  add("conv2d_backprop_filter", 3, 3, OpKind::Other, sameAsInput2,
      "gradient of conv2d with respect to its filter (inputs x, dy, w for the shape)");
  add("max_pool", 1, 1, OpKind::Other, inferPool, "max over windows (attrs size, strides, padding)");
  add("max_pool_grad", 2, 2, OpKind::Other, sameAsInput0,
      "gradient of max_pool: dy routed to the first maximum of each window (inputs x, dy)");
  add("reshape", 1, 1, OpKind::Other, inferReshape, "same elements, new shape (attr target)");
  add("transpose", 1, 1, OpKind::Other, inferTranspose,
      "axes permuted: output axis k is input axis perm[k] (attr perm)");
  add("concat", 1, 64, OpKind::Other, inferConcat, "the inputs joined along attr axis");
  add("slice_axis", 1, 1, OpKind::Other, inferSliceAxis,
      "elements [begin, begin + size) of one axis (attrs axis, begin, size; the gradient of concat)");
  add("one_hot", 1, 1, OpKind::Other, inferOneHot,
      "i32 ids to f32 rows with 1 at the id (attr depth); ids outside give 0s");
  add("avg_pool", 1, 1, OpKind::Other, inferPool,
      "mean over windows of the real input elements, padding excluded as in TF (attrs size, strides, padding)");
  add("avg_pool_grad", 2, 2, OpKind::Other, sameAsInput0,
      "gradient of avg_pool: dy shared among each window's real elements (inputs x for the shape, dy)");
  for (const char* op : {"reduce_sum", "reduce_mean", "reduce_max", "argmax"})
    add(op, 1, 1, OpKind::Other, inferReduce, "reduction over attr axes (all when empty), attr keepdims");
  add("element_count", 1, 1, OpKind::Other, inferElementCount,
      "the number of elements along attr axes (all when empty) as an f32 scalar, batch included");
  add("broadcast_like", 2, 2, OpKind::Other, shapedLikeInput1,
      "input 0 broadcast to the shape of input 1 (attr axes: the dimensions input 0 lacks)");
  add("sum_like", 2, 2, OpKind::Other, shapedLikeInput1,
      "input 0 summed down to the broadcast shape of input 1 (undoes broadcasting)");
  add("softmax", 1, 1, OpKind::Other, unaryFloat, "softmax over the last axis");
  add("softmax_grad", 2, 2, OpKind::Other, sameAsInput0, "gradient of softmax: y * (g - sum(g * y)) (inputs y, g)");
  add("log_softmax", 1, 1, OpKind::Other, lastAxisFloat, "x - logsumexp(x) over the last axis, computed stably");
  add("log_softmax_grad", 2, 2, OpKind::Other, sameAsInput0,
      "gradient of log_softmax: g - exp(y) * sum(g) over the last axis (inputs y, g)");
  add("softmax_cross_entropy", 2, 2, OpKind::Other, inferClassification,
      "mean over the batch of -log softmax(logits)[label] (labels: ids or one-hot)");
  add("softmax_cross_entropy_grad", 3, 3, OpKind::Other, sameAsInput0,
      "(softmax(logits) - onehot(labels)) * g / batch (inputs logits, labels, g)");
  add("probs_cross_entropy", 2, 2, OpKind::Other, inferClassification,
      "Keras' crossentropy on probabilities: mean of -log(clip(p[label], 1e-7, 1-1e-7))");
  add("probs_cross_entropy_grad", 3, 3, OpKind::Other, sameAsInput0,
      "gradient of probs_cross_entropy (inputs probs, labels, g)");
  add("accuracy", 2, 2, OpKind::Other, inferClassification, "fraction of rows whose argmax equals the label");
  add("sgd_update", 3, 3, OpKind::Elementwise, sameAsInput0, "var - lr * grad (inputs var, grad, lr)");
  return t;
}

}  // namespace

const std::vector<OpDef>& allOps() {
  static const std::vector<OpDef> table = buildTable();
  return table;
}

const OpDef* findOp(const std::string& name) {
  static const std::map<std::string, const OpDef*> index = [] {
    std::map<std::string, const OpDef*> m;
    for (const OpDef& d : allOps()) m[d.name] = &d;
    return m;
  }();
  auto it = index.find(name);
  return it == index.end() ? nullptr : it->second;
}

}  // namespace graphc
