// \file Reference implementations of the v2 nn ops, written from their definitions with plain
// loops in double precision: global average pooling, the depthwise convolution (and its two
// gradients as explicit adjoint scatters), the transposed convolution (conv2d's adjoint), resize
// and pad (their gradients as scatters too).
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "testing/reference_ops.h"

namespace graphc {
namespace {

size_t at4(const Shape& s, int64_t a, int64_t b, int64_t c, int64_t d) {
  return static_cast<size_t>(((a * s[1] + b) * s[2] + c) * s[3] + d);
}

RefTensor globalAvgPool(const Node&, const std::vector<RefTensor>& in) {
  const RefTensor& x = in[0];
  const Shape& s = x.shape;
  RefTensor y = zeros({s[0], s[3]});
  for (int64_t n = 0; n < s[0]; ++n)
    for (int64_t c = 0; c < s[3]; ++c) {
      double sum = 0;
      for (int64_t h = 0; h < s[1]; ++h)
        for (int64_t w = 0; w < s[2]; ++w) sum += x.data[at4(s, n, h, w, c)];
      y.data[static_cast<size_t>(n * s[3] + c)] = sum / static_cast<double>(s[1] * s[2]);
    }
  return y;
}

// One spatial axis, from TensorFlow's padding rules: "same" gives ceil(in / stride) outputs and
// pads the smaller half before; "valid" only full windows.
struct Axis {
  int64_t in, kernel, stride, dilation, out, padBefore;
  int64_t tap(int64_t o, int64_t k) const { return o * stride + k * dilation - padBefore; }
  bool inside(int64_t i) const { return i >= 0 && i < in; }
};

Axis axis(int64_t in, int64_t kernel, int64_t stride, int64_t dilation, const std::string& padding) {
  int64_t extent = dilation * (kernel - 1) + 1;
  Axis a{in, kernel, stride, dilation, 0, 0};
  if (padding == "same") {
    a.out = (in + stride - 1) / stride;
    a.padBefore = std::max<int64_t>(0, (a.out - 1) * stride + extent - in) / 2;
  } else {
    a.out = in >= extent ? (in - extent) / stride + 1 : 0;
  }
  return a;
}

struct Depthwise {
  int64_t batch, channels, multiplier;
  Axis h, w;
};

// x [N, H, W, C], w [kh, kw, C, M].
Depthwise depthwise(const Node& n, const Shape& x, const Shape& w) {
  auto s = n.attrs.getInts("strides"), d = n.attrs.getInts("dilation");
  std::string pad = n.attrs.getString("padding", "valid");
  return {x[0], x[3], w[3], axis(x[1], w[0], s[0], d[0], pad), axis(x[2], w[1], s[1], d[1], pad)};
}

// Calls visit(x index, w index, y index) for every multiply of the forward depthwise
// convolution that reads a real input element.
template <typename Visit>
void forEachDepthwiseTap(const Depthwise& g, const Shape& x, const Shape& w, Visit visit) {
  Shape y = {g.batch, g.h.out, g.w.out, g.channels * g.multiplier};
  for (int64_t b = 0; b < g.batch; ++b)
    for (int64_t oh = 0; oh < g.h.out; ++oh)
      for (int64_t ow = 0; ow < g.w.out; ++ow)
        for (int64_t c = 0; c < g.channels; ++c)
          for (int64_t q = 0; q < g.multiplier; ++q)
            for (int64_t kh = 0; kh < g.h.kernel; ++kh)
              for (int64_t kw = 0; kw < g.w.kernel; ++kw) {
                int64_t ih = g.h.tap(oh, kh), iw = g.w.tap(ow, kw);
                if (!g.h.inside(ih) || !g.w.inside(iw)) continue;
                visit(at4(x, b, ih, iw, c), at4(w, kh, kw, c, q), at4(y, b, oh, ow, c * g.multiplier + q));
              }
}

RefTensor depthwiseConv2d(const Node& n, const std::vector<RefTensor>& in) {
  const RefTensor &x = in[0], &w = in[1];
  Depthwise g = depthwise(n, x.shape, w.shape);
  RefTensor y = zeros({g.batch, g.h.out, g.w.out, g.channels * g.multiplier});
  forEachDepthwiseTap(g, x.shape, w.shape,
                      [&](size_t xi, size_t wi, size_t yi) { y.data[yi] += x.data[xi] * w.data[wi]; });
  return y;
}

// Inputs dy, w, x (x for its shape).
RefTensor depthwiseConv2dBackpropInput(const Node& n, const std::vector<RefTensor>& in) {
  const RefTensor &dy = in[0], &w = in[1];
  Depthwise g = depthwise(n, in[2].shape, w.shape);
  RefTensor dx = zeros(in[2].shape);
  forEachDepthwiseTap(g, in[2].shape, w.shape,
                      [&](size_t xi, size_t wi, size_t yi) { dx.data[xi] += dy.data[yi] * w.data[wi]; });
  return dx;
}

// Inputs x, dy, w (w for its shape).
RefTensor depthwiseConv2dBackpropFilter(const Node& n, const std::vector<RefTensor>& in) {
  const RefTensor &x = in[0], &dy = in[1];
  Depthwise g = depthwise(n, x.shape, in[2].shape);
  RefTensor dw = zeros(in[2].shape);
  forEachDepthwiseTap(g, x.shape, in[2].shape,
                      [&](size_t xi, size_t wi, size_t yi) { dw.data[wi] += dy.data[yi] * x.data[xi]; });
  return dw;
}

// conv2d_transpose(x [N, H, W, C], w [kh, kw, F, C]): every input element scatters through the
// filter into the output, y[n, i*s + k*d - pad, ..., f] += x[n, i, ..., c] * w[kh, kw, f, c].
// The output length is Keras' (in * stride, plus max(span - stride, 0) for valid padding) or
// attr output_shape; the padding before is conv2d's for that length (the smaller half on top).
RefTensor conv2dTranspose(const Node& n, const std::vector<RefTensor>& in) {
  const RefTensor &x = in[0], &w = in[1];
  auto s = n.attrs.getInts("strides"), d = n.attrs.getInts("dilation"), given = n.attrs.getInts("output_shape");
  std::string pad = n.attrs.getString("padding", "valid");
  int64_t outLen[2];
  for (size_t i = 0; i < 2; ++i) {
    int64_t span = d[i] * (w.shape[i] - 1) + 1;
    outLen[i] = !given.empty()  ? given[i]
                : pad == "same" ? x.shape[i + 1] * s[i]
                                : x.shape[i + 1] * s[i] + std::max<int64_t>(span - s[i], 0);
  }
  Axis h = axis(outLen[0], w.shape[0], s[0], d[0], pad), wa = axis(outLen[1], w.shape[1], s[1], d[1], pad);
  if (h.out != x.shape[1] || wa.out != x.shape[2]) throw std::invalid_argument("reference conv2d_transpose: bad size");
  Shape ys = {x.shape[0], outLen[0], outLen[1], w.shape[2]};
  RefTensor y = zeros(ys);
  for (int64_t b = 0; b < x.shape[0]; ++b)
    for (int64_t i = 0; i < x.shape[1]; ++i)
      for (int64_t j = 0; j < x.shape[2]; ++j)
        for (int64_t kh = 0; kh < w.shape[0]; ++kh)
          for (int64_t kw = 0; kw < w.shape[1]; ++kw) {
            int64_t oh = h.tap(i, kh), ow = wa.tap(j, kw);
            if (!h.inside(oh) || !wa.inside(ow)) continue;
            for (int64_t f = 0; f < w.shape[2]; ++f)
              for (int64_t c = 0; c < x.shape[3]; ++c)
                y.data[at4(ys, b, oh, ow, f)] += x.data[at4(x.shape, b, i, j, c)] * w.data[at4(w.shape, kh, kw, f, c)];
          }
  return y;
}

// TF2's tf.image.resize along one axis: output pixel o's centre (o + 1/2) * in / out in input
// coordinates. Nearest takes the pixel holding it; bilinear weighs the pixels at floor(c - 1/2)
// and the one after it, clamped to the edges. visit(input index, weight) for each tap.
template <typename Visit>
void resizeTaps(int64_t o, int64_t in, int64_t out, bool bilinear, Visit visit) {
  double centre = (static_cast<double>(o) + 0.5) * static_cast<double>(in) / static_cast<double>(out);
  if (!bilinear) {
    visit(std::min(static_cast<int64_t>(std::floor(centre)), in - 1), 1.0);
    return;
  }
  double src = centre - 0.5, base = std::floor(src), frac = src - base;
  auto clampIndex = [in](double i) { return std::clamp(static_cast<int64_t>(i), int64_t{0}, in - 1); };
  visit(clampIndex(base), 1 - frac);
  visit(clampIndex(base + 1), frac);
}

// visit(x index, y index, weight) for every tap of the resize from x [N, H, W, C] to y.
template <typename Visit>
void forEachResizeTap(const Node& n, const Shape& x, const Shape& y, Visit visit) {
  bool bilinear = n.attrs.getString("method") == "bilinear";
  for (int64_t b = 0; b < y[0]; ++b)
    for (int64_t oh = 0; oh < y[1]; ++oh)
      for (int64_t ow = 0; ow < y[2]; ++ow)
        resizeTaps(oh, x[1], y[1], bilinear, [&](int64_t ih, double wh) {
          resizeTaps(ow, x[2], y[2], bilinear, [&](int64_t iw, double ww) {
            for (int64_t c = 0; c < y[3]; ++c) visit(at4(x, b, ih, iw, c), at4(y, b, oh, ow, c), wh * ww);
          });
        });
}

RefTensor resize(const Node& n, const std::vector<RefTensor>& in) {
  const RefTensor& x = in[0];
  auto size = n.attrs.getInts("size");
  RefTensor y = zeros({x.shape[0], size[0], size[1], x.shape[3]});
  forEachResizeTap(n, x.shape, y.shape, [&](size_t xi, size_t yi, double w) { y.data[yi] += w * x.data[xi]; });
  return y;
}

// Inputs x (for its shape), dy.
RefTensor resizeGrad(const Node& n, const std::vector<RefTensor>& in) {
  const RefTensor& dy = in[1];
  RefTensor dx = zeros(in[0].shape);
  forEachResizeTap(n, in[0].shape, dy.shape, [&](size_t xi, size_t yi, double w) { dx.data[xi] += w * dy.data[yi]; });
  return dx;
}

// The input index that output index o of one axis reads, or -1 for the constant padding:
// i = o - before, mirrored at the edges by reflect (edge not repeated) or symmetric (repeated).
int64_t padSourceIndex(int64_t o, int64_t n, int64_t before, const std::string& mode) {
  int64_t i = o - before;
  if (i >= 0 && i < n) return i;
  if (mode == "reflect") return i < 0 ? -i : 2 * (n - 1) - i;
  if (mode == "symmetric") return i < 0 ? -i - 1 : 2 * n - 1 - i;
  return -1;
}

Shape paddedShape(const Node& n, const Shape& x) {
  auto p = n.attrs.getInts("paddings");
  Shape y = x;
  for (size_t d = 0; d < x.size(); ++d) y[d] = x[d] + p[2 * d] + p[2 * d + 1];
  return y;
}

// visit(y flat index, x flat index or -1) for every output element of pad.
template <typename Visit>
void forEachPadded(const Node& n, const Shape& x, Visit visit) {
  auto p = n.attrs.getInts("paddings");
  std::string mode = n.attrs.getString("mode");
  Shape y = paddedShape(n, x);
  for (size_t flat = 0; flat < elementCount(y); ++flat) {
    std::vector<int64_t> o = unravelIndex(flat, y), i(o.size());
    bool inside = true;
    for (size_t d = 0; d < o.size(); ++d) {
      i[d] = padSourceIndex(o[d], x[d], p[2 * d], mode);
      inside = inside && i[d] >= 0;
    }
    visit(flat, inside ? static_cast<int64_t>(ravelIndex(i, x)) : -1);
  }
}

RefTensor pad(const Node& n, const std::vector<RefTensor>& in) {
  const RefTensor& x = in[0];
  RefTensor y = zeros(paddedShape(n, x.shape));
  double value = n.attrs.getFloat("value", 0);
  forEachPadded(n, x.shape,
                [&](size_t yi, int64_t xi) { y.data[yi] = xi < 0 ? value : x.data[static_cast<size_t>(xi)]; });
  return y;
}

// Inputs x (for its shape), dy.
RefTensor padGrad(const Node& n, const std::vector<RefTensor>& in) {
  RefTensor dx = zeros(in[0].shape);
  forEachPadded(n, in[0].shape, [&](size_t yi, int64_t xi) {
    if (xi >= 0) dx.data[static_cast<size_t>(xi)] += in[1].data[yi];
  });
  return dx;
}

// Output element o reads input element o mod n along every axis d (n = x's length, the output's
// n * multiples[d]).
RefTensor tile(const Node& n, const std::vector<RefTensor>& in) {
  const RefTensor& x = in[0];
  auto m = n.attrs.getInts("multiples");
  Shape ys = x.shape;
  for (size_t d = 0; d < ys.size(); ++d) ys[d] *= m[d];
  RefTensor y = zeros(ys, x.dtype);
  for (size_t flat = 0; flat < y.data.size(); ++flat) {
    std::vector<int64_t> i = unravelIndex(flat, ys);
    for (size_t d = 0; d < i.size(); ++d) i[d] %= x.shape[d];
    y.data[flat] = x.data[ravelIndex(i, x.shape)];
  }
  return y;
}

}  // namespace

void registerV2NNReferences(ReferenceTable& t) {
  t.emplace_back(Op::GlobalAvgPool, globalAvgPool);
  t.emplace_back(Op::DepthwiseConv2d, depthwiseConv2d);
  t.emplace_back(Op::DepthwiseConv2dBackpropInput, depthwiseConv2dBackpropInput);
  t.emplace_back(Op::DepthwiseConv2dBackpropFilter, depthwiseConv2dBackpropFilter);
  t.emplace_back(Op::Conv2dTranspose, conv2dTranspose);
  t.emplace_back(Op::Resize, resize);
  t.emplace_back(Op::ResizeGrad, resizeGrad);
  t.emplace_back(Op::Tile, tile);
  t.emplace_back(Op::Pad, pad);
  t.emplace_back(Op::PadGrad, padGrad);
}

}  // namespace graphc
