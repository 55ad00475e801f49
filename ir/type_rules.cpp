// \file The type rules of ir/ops.def's ops that are not the selection, shape or normalization
// ops' (those are in type_rules_nn.cpp): arithmetic, sources, convolutions, pooling, matmul,
// reshape, reductions and the classification losses.
#include "ir/type_rules.h"

#include <algorithm>
#include <cstdint>
#include <limits>

namespace graphc {

namespace typerules {

std::string describe(const Node& n) { return typeToString(n.dtype, n.shape); }

void sameAsInput0(TypeContext& c) {
  c.node.dtype = c.input(0).dtype;
  c.node.shape = c.input(0).shape;
}

void requireFloat(TypeContext& c, size_t i) {
  if (c.input(i).dtype != DType::F32)
    c.fail(opName(c.node.op) + " expects an f32 input, found " + describe(c.input(i)));
}

void unaryFloat(TypeContext& c) {
  requireFloat(c, 0);
  sameAsInput0(c);
}

void sameAsInputK(TypeContext& c, size_t k) {
  c.node.dtype = c.input(k).dtype;
  c.node.shape = c.input(k).shape;
}

void binaryBroadcast(TypeContext& c, bool comparison) {
  const Node& a = c.input(0);
  const Node& b = c.input(1);
  if (a.dtype != b.dtype)
    c.fail("'" + opName(c.node.op) + "' needs operands of one dtype, found " + describe(a) + " and " + describe(b));
  if (!broadcastShapes(a.shape, b.shape, &c.node.shape))
    c.fail("shapes " + shapeToString(a.shape) + " and " + shapeToString(b.shape) + " do not broadcast in '" +
           opName(c.node.op) + "'");
  c.node.dtype = comparison ? DType::Bool : a.dtype;
}

void arithmetic(TypeContext& c) { binaryBroadcast(c, false); }
void comparison(TypeContext& c) { binaryBroadcast(c, true); }
void binaryFloat(TypeContext& c) {
  requireFloat(c, 0);
  requireFloat(c, 1);
  binaryBroadcast(c, false);
}
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
    c.fail(opName(c.node.op) + " expects " + what + " of rank " + std::to_string(rank) + ", found " +
           describe(c.input(i)));
}

// A window attribute (size, strides, dilation: [h, w]) must be positive, and no larger than a
// dimension may be (Graph::add caps tensors at 2^31 - 1 elements): the `[h, w]` spelling reached
// here unchecked, and a stride of 0 divided by zero in windowDim (tests/fuzz/regressions). The cap keeps
// windowDim's products far from int64 overflow.
void requireWindow(TypeContext& c, const char* attr) {
  for (int64_t v : c.node.attrs.getInts(attr))
    if (v <= 0 || v > std::numeric_limits<int32_t>::max())
      c.fail(opName(c.node.op) + ": " + attr + " must be positive and at most 2^31 - 1, found " + std::to_string(v));
}

// strides/dilation/size attributes are stored as [h, w].
void inferWindowedConv(TypeContext& c, const std::string& op, const char* filter, bool depthwise) {
  requireRank(c, 0, 4, "an NHWC input");
  requireRank(c, 1, 4, filter);
  requireFloat(c, 0);
  requireFloat(c, 1);
  const Shape& x = c.input(0).shape;
  const Shape& w = c.input(1).shape;
  if (x[3] != w[2])
    c.fail(op + ": input has " + std::to_string(x[3]) + " channels but the filter expects " + std::to_string(w[2]) +
           " (input " + describe(c.input(0)) + ", filter " + describe(c.input(1)) + ")");
  requireWindow(c, "strides");
  requireWindow(c, "dilation");
  auto s = c.node.attrs.getInts("strides");
  auto d = c.node.attrs.getInts("dilation");
  std::string pad = c.node.attrs.getString("padding", "valid");
  WindowDim h = windowDim(x[1], w[0], s[0], d[0], pad);
  WindowDim wd = windowDim(x[2], w[1], s[1], d[1], pad);
  if (h.out <= 0 || wd.out <= 0)
    c.fail(op + ": a " + std::to_string(w[0]) + "x" + std::to_string(w[1]) + " filter does not fit input " +
           describe(c.input(0)) + " with valid padding");
  c.node.attrs.set("pad_top", h.padBefore).set("pad_left", wd.padBefore);
  c.node.dtype = DType::F32;
  c.node.shape = {x[0], h.out, wd.out, depthwise ? w[2] * w[3] : w[3]};
}

void inferConv(TypeContext& c) { inferWindowedConv(c, "conv2d", "an HWIO filter", false); }

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
  if (h.out <= 0 || w.out <= 0) c.fail(opName(c.node.op) + ": the window does not fit input " + describe(c.input(0)));
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
      c.fail(opName(c.node.op) + ": axis " + std::to_string(a) + " is out of range for " + describe(c.input(0)));
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
  if (c.node.op == Op::Argmax) {
    c.node.dtype = DType::I32;
  } else {
    if (c.input(0).dtype == DType::Bool)
      c.fail(opName(c.node.op) + " expects a numeric input, found " + describe(c.input(0)));
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
    c.fail(opName(c.node.op) + ": labels must be i32 class ids of shape " + shapeToString({scores.shape[0]}) +
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

}  // namespace typerules
}  // namespace graphc
