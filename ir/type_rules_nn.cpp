// \file Type rules of the selection ops (clip, where), batch_norm, dropout and the shape ops
// (transpose, concat, slice_axis, one_hot).
#include <string>

#include "ir/type_rules.h"

namespace graphc {
namespace typerules {
namespace {

// The broadcast shape of inputs [first, end): NumPy rules, an error naming every shape otherwise.
Shape broadcastInputs(TypeContext& c, size_t first) {
  Shape out = c.input(first).shape;
  std::string shapes = shapeToString(out);
  bool ok = true;
  for (size_t i = first + 1; i < c.node.inputs.size(); ++i) {
    shapes += " and " + shapeToString(c.input(i).shape);
    ok = ok && broadcastShapes(Shape(out), c.input(i).shape, &out);
  }
  if (!ok) c.fail("shapes " + shapes + " do not broadcast in '" + opName(c.node.op) + "'");
  return out;
}

void requireScalar(TypeContext& c, size_t i, DType dtype, const std::string& what) {
  const Node& n = c.input(i);
  if (!n.shape.empty() || n.dtype != dtype)
    c.fail(opName(c.node.op) + " expects " + what + " as a " + dtypeName(dtype) + " scalar, found " + describe(n));
}

}  // namespace

// clip(x, lo, hi): three operands of one numeric dtype, broadcast together.
void inferClip(TypeContext& c) {
  for (size_t i = 1; i < 3; ++i)
    if (c.input(i).dtype != c.input(0).dtype)
      c.fail("clip needs x, lo and hi of one dtype, found " + describe(c.input(0)) + " and " + describe(c.input(i)));
  if (c.input(0).dtype == DType::Bool) c.fail("clip expects a numeric input, found " + describe(c.input(0)));
  c.node.shape = broadcastInputs(c, 0);
  c.node.dtype = c.input(0).dtype;
}

// where(c, a, b): a bool condition choosing between a and b of one dtype, all broadcast together.
void inferWhere(TypeContext& c) {
  if (c.input(0).dtype != DType::Bool) c.fail("where expects a bool condition, found " + describe(c.input(0)));
  if (c.input(1).dtype != c.input(2).dtype)
    c.fail("where needs both branches of one dtype, found " + describe(c.input(1)) + " and " + describe(c.input(2)));
  c.node.shape = broadcastInputs(c, 0);
  c.node.dtype = c.input(1).dtype;
}

// batch_norm(x, gamma, beta, mean, var): the four statistics broadcast into x's shape.
void inferBatchNorm(TypeContext& c) {
  static const char* names[] = {"x", "gamma", "beta", "mean", "var"};
  const Shape& x = c.input(0).shape;
  for (size_t i = 0; i < 5; ++i) {
    requireFloat(c, i);
    Shape out;
    if (i > 0 && (!broadcastShapes(x, c.input(i).shape, &out) || out != x))
      c.fail(std::string("batch_norm: ") + names[i] + " " + describe(c.input(i)) + " does not broadcast to x " +
             describe(c.input(0)));
  }
  sameAsInput0(c);
}

// dropout(x, keep_prob, training, step): x with session scalars (attr seed).
void inferDropout(TypeContext& c) {
  requireFloat(c, 0);
  requireScalar(c, 1, DType::F32, "keep_prob");
  requireScalar(c, 2, DType::F32, "the training flag");
  requireScalar(c, 3, DType::I32, "the step");
  sameAsInput0(c);
}

// attr perm: a permutation of the axes (default: reversed); normalized in place.
void inferTranspose(TypeContext& c) {
  const Shape& in = c.input(0).shape;
  auto perm = c.node.attrs.getInts("perm");
  if (perm.empty())
    for (size_t i = in.size(); i-- > 0;) perm.push_back(static_cast<int64_t>(i));
  std::vector<bool> used(in.size(), false);
  if (perm.size() != in.size())
    c.fail("transpose: perm has " + std::to_string(perm.size()) + " entries for " + describe(c.input(0)));
  c.node.shape.clear();
  for (int64_t& p : perm) {
    int64_t axis;
    if (!normalizeAxis(p, in.size(), &axis) || used[static_cast<size_t>(axis)])
      c.fail("transpose: perm must be a permutation of the axes of " + describe(c.input(0)));
    used[static_cast<size_t>(axis)] = true;
    p = axis;
    c.node.shape.push_back(in[static_cast<size_t>(axis)]);
  }
  c.node.attrs.set("perm", perm);
  c.node.dtype = c.input(0).dtype;
}

// concat of one or more inputs along attr axis (normalized): the other dimensions must agree.
void inferConcat(TypeContext& c) {
  const Node& first = c.input(0);
  int64_t axis;
  if (!normalizeAxis(c.node.attrs.getInt("axis"), first.shape.size(), &axis))
    c.fail("concat: axis " + std::to_string(c.node.attrs.getInt("axis")) + " is out of range for " + describe(first));
  size_t a = static_cast<size_t>(axis);
  Shape out = first.shape;
  out[a] = 0;
  for (size_t i = 0; i < c.node.inputs.size(); ++i) {
    const Node& n = c.input(i);
    Shape rest = n.shape, expected = first.shape;
    if (rest.size() == expected.size()) rest[a] = expected[a] = 0;
    if (n.dtype != first.dtype || rest != expected)
      c.fail("concat: " + describe(n) + " does not fit " + describe(first) + " along axis " + std::to_string(axis));
    if (n.shape[a] == kBatch) c.fail("concat: cannot join along the batch dimension of " + describe(n));
    out[a] += n.shape[a];
  }
  c.node.attrs.set("axis", axis);
  c.node.dtype = first.dtype;
  c.node.shape = out;
}

// slice_axis: elements [begin, begin + size) of attr axis, every other dimension whole.
void inferSliceAxis(TypeContext& c) {
  const Shape& in = c.input(0).shape;
  int64_t axis = c.node.attrs.getInt("axis"), begin = c.node.attrs.getInt("begin"), size = c.node.attrs.getInt("size");
  if (axis < 0 || axis >= static_cast<int64_t>(in.size()) || begin < 0 || size <= 0 ||
      in[static_cast<size_t>(axis)] == kBatch || begin + size > in[static_cast<size_t>(axis)])
    c.fail("slice_axis: [" + std::to_string(begin) + ", " + std::to_string(begin + size) + ") of axis " +
           std::to_string(axis) + " is outside " + describe(c.input(0)));
  c.node.dtype = c.input(0).dtype;
  c.node.shape = in;
  c.node.shape[static_cast<size_t>(axis)] = size;
}

// one_hot(labels, attr depth): i32 ids to f32 rows with a new last axis of depth.
void inferOneHot(TypeContext& c) {
  if (c.input(0).dtype != DType::I32) c.fail("one_hot expects i32 labels, found " + describe(c.input(0)));
  int64_t depth = c.node.attrs.getInt("depth");
  if (depth <= 0) c.fail("one_hot: depth must be positive, found " + std::to_string(depth));
  c.node.dtype = DType::F32;
  c.node.shape = c.input(0).shape;
  c.node.shape.push_back(depth);
}

void inferElementCount(TypeContext& c) {
  const Shape& in = c.input(0).shape;
  std::vector<int64_t> axes;
  for (int64_t a : c.node.attrs.getInts("axes")) {
    int64_t norm;
    if (!normalizeAxis(a, in.size(), &norm))
      c.fail("element_count: axis " + std::to_string(a) + " is out of range for " + describe(c.input(0)));
    axes.push_back(norm);
  }
  if (axes.empty())
    for (size_t d = 0; d < in.size(); ++d) axes.push_back(static_cast<int64_t>(d));
  c.node.attrs.set("axes", axes);
  c.node.dtype = DType::F32;
  c.node.shape = {};
}

void lastAxisFloat(TypeContext& c) {
  if (c.input(0).shape.empty()) c.fail(opName(c.node.op) + " expects an input with at least one axis, found a scalar");
  unaryFloat(c);
}

}  // namespace typerules
}  // namespace graphc
