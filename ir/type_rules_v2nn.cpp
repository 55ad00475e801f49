// \file Type rules of the v2 nn ops: global_avg_pool, depthwise_conv2d, conv2d_transpose, resize, pad.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>

#include "ir/type_rules.h"

namespace graphc {
namespace typerules {

void inferGlobalPool(TypeContext& c) {
  requireRank(c, 0, 4, "an NHWC input");
  requireFloat(c, 0);
  const Shape& x = c.input(0).shape;
  c.node.dtype = DType::F32;
  c.node.shape = {x[0], x[3]};
}

void inferDepthwiseConv(TypeContext& c) { inferWindowedConv(c, "depthwise_conv2d", "a [kh, kw, C, M] filter", true); }

namespace {

// One spatial axis of conv2d_transpose: the output length (given, or Keras' deconv_output_length:
// in * stride, plus what a window wider than the stride adds under valid padding) and the
// padding before it of the conv2d whose input gradient it is (TF's: the smaller half on top).
// fail: the given length is not one whose conv2d gives `in` back.
WindowDim transposedAxis(TypeContext& c, int64_t in, int64_t kernel, int64_t stride, int64_t dilation,
                         const std::string& padding, int64_t given) {
  int64_t span = (kernel - 1) * dilation + 1;
  int64_t out =
      given > 0 ? given : (padding == "same" ? in * stride : in * stride + std::max<int64_t>(span - stride, 0));
  if (windowDim(out, kernel, stride, dilation, padding).out != in)
    c.fail("conv2d_transpose: output length " + std::to_string(out) + " does not give back input length " +
           std::to_string(in) + " under stride " + std::to_string(stride) + " and " + padding + " padding");
  WindowDim d = windowDim(out, kernel, stride, dilation, padding);
  d.out = out;
  return d;
}

}  // namespace

void inferConvTranspose(TypeContext& c) {
  requireRank(c, 0, 4, "an NHWC input");
  requireRank(c, 1, 4, "a [kh, kw, filters, C] filter");
  requireFloat(c, 0);
  requireFloat(c, 1);
  const Shape& x = c.input(0).shape;
  const Shape& w = c.input(1).shape;
  if (x[3] != w[3])
    c.fail("conv2d_transpose: input has " + std::to_string(x[3]) + " channels but the filter [kh, kw, filters, C] " +
           "expects " + std::to_string(w[3]) + " (input " + describe(c.input(0)) + ", filter " + describe(c.input(1)) +
           ")");
  if (x[1] == kBatch || x[2] == kBatch)
    c.fail("conv2d_transpose: the spatial size of " + describe(c.input(0)) + " must be known");
  requireWindow(c, "strides");
  requireWindow(c, "dilation");
  auto s = c.node.attrs.getInts("strides");
  auto d = c.node.attrs.getInts("dilation");
  std::string pad = c.node.attrs.getString("padding", "valid");
  auto given = c.node.attrs.getInts("output_shape");
  if (!given.empty() && given.size() != 2)
    c.fail("conv2d_transpose: output_shape must be [h, w], found " + std::to_string(given.size()) + " entries");
  WindowDim h = transposedAxis(c, x[1], w[0], s[0], d[0], pad, given.empty() ? 0 : given[0]);
  WindowDim wd = transposedAxis(c, x[2], w[1], s[1], d[1], pad, given.empty() ? 0 : given[1]);
  c.node.attrs.set("pad_top", h.padBefore).set("pad_left", wd.padBefore);
  c.node.dtype = DType::F32;
  c.node.shape = {x[0], h.out, wd.out, w[2]};
}

}  // namespace typerules
}  // namespace graphc

namespace graphc {
namespace typerules {

void inferResize(TypeContext& c) {
  requireRank(c, 0, 4, "an NHWC input");
  requireFloat(c, 0);
  auto size = c.node.attrs.getInts("size");
  if (size.size() != 2 || size[0] <= 0 || size[1] <= 0 || size[0] > std::numeric_limits<int32_t>::max() ||
      size[1] > std::numeric_limits<int32_t>::max())
    c.fail("resize: size must be two positive ints [h, w]");
  std::string method = c.node.attrs.getString("method", "nearest");
  if (method != "nearest" && method != "bilinear")
    c.fail("resize: method must be nearest or bilinear, found '" + method + "'");
  const Shape& x = c.input(0).shape;
  if (x[1] == kBatch || x[2] == kBatch)
    c.fail("resize: the spatial size of " + describe(c.input(0)) + " must be known");
  c.node.dtype = DType::F32;
  c.node.shape = {x[0], size[0], size[1], x[3]};
}

void inferTile(TypeContext& c) {
  const Shape& x = c.input(0).shape;
  auto m = c.node.attrs.getInts("multiples");
  if (m.size() != x.size())
    c.fail("tile: multiples needs one entry for each of the " + std::to_string(x.size()) + " axes of " +
           describe(c.input(0)) + ", found " + std::to_string(m.size()));
  Shape out = x;
  for (size_t d = 0; d < x.size(); ++d) {
    if (m[d] <= 0 || m[d] > std::numeric_limits<int32_t>::max())
      c.fail("tile: multiples must be positive, found " + std::to_string(m[d]));
    if (x[d] == kBatch && m[d] != 1) c.fail("tile: the batch axis of " + describe(c.input(0)) + " cannot be tiled");
    if (x[d] != kBatch) out[d] = x[d] * m[d];
  }
  sameAsInput0(c);
  c.node.shape = out;
}

// Mirrored padding reaches at most one reflection deep: reflect pads by at most n - 1 (the
// edge is not repeated), symmetric by at most n, as TensorFlow requires. Constant padding may
// be negative (a crop, as Cropping2D uses it), leaving at least one element.
void inferPad(TypeContext& c) {
  const Shape& x = c.input(0).shape;
  auto p = c.node.attrs.getInts("paddings");
  std::string mode = c.node.attrs.getString("mode", "constant");
  if (mode != "constant" && mode != "reflect" && mode != "symmetric")
    c.fail("pad: mode must be constant, reflect or symmetric, found '" + mode + "'");
  if (p.size() != 2 * x.size())
    c.fail("pad: paddings needs a [before, after] pair for each of the " + std::to_string(x.size()) + " axes of " +
           describe(c.input(0)) + ", found " + std::to_string(p.size()) + " numbers");
  Shape out = x;
  for (size_t d = 0; d < x.size(); ++d) {
    int64_t before = p[2 * d], after = p[2 * d + 1];
    std::string axis = "pad: axis " + std::to_string(d) + " of " + describe(c.input(0));
    if (x[d] == kBatch) {
      if (before != 0 || after != 0) c.fail(axis + " is the batch: it cannot be padded");
      continue;
    }
    int64_t limit = mode == "reflect" ? x[d] - 1 : mode == "symmetric" ? x[d] : std::numeric_limits<int32_t>::max();
    if (mode != "constant" && (before < 0 || after < 0 || before > limit || after > limit))
      c.fail(axis + ": " + mode + " padding must be between 0 and " + std::to_string(limit));
    if (before > limit || after > limit || x[d] + before + after <= 0)
      c.fail(axis + ": padding [" + std::to_string(before) + ", " + std::to_string(after) + "] leaves no elements");
    out[d] = x[d] + before + after;
  }
  sameAsInput0(c);
  c.node.shape = out;
}

}  // namespace typerules
}  // namespace graphc
