// \file Reference implementations of the dense-compute ops: matmul, NHWC convolution and its two
// gradients (as explicit adjoint scatters), max and average pooling and their gradients, reshape.
#include <algorithm>
#include <limits>
#include <stdexcept>

#include "testing/reference_ops.h"

namespace graphc {
namespace {

// Rows and columns of a matrix operand after an optional transpose, and its element (i, j).
struct MatrixView {
  const RefTensor& t;
  bool transposed;
  int64_t rows() const { return transposed ? t.shape[1] : t.shape[0]; }
  int64_t cols() const { return transposed ? t.shape[0] : t.shape[1]; }
  double operator()(int64_t i, int64_t j) const {
    int64_t r = transposed ? j : i, c = transposed ? i : j;
    return t.data[static_cast<size_t>(r * t.shape[1] + c)];
  }
};

RefTensor matmul(const Node& n, const std::vector<RefTensor>& in) {
  MatrixView a{in[0], n.attrs.getInt("transpose_a") != 0}, b{in[1], n.attrs.getInt("transpose_b") != 0};
  if (a.cols() != b.rows()) throw std::invalid_argument("reference matmul: inner dimensions differ");
  RefTensor out = zeros({a.rows(), b.cols()});
  for (int64_t i = 0; i < a.rows(); ++i)
    for (int64_t j = 0; j < b.cols(); ++j) {
      double s = 0;
      for (int64_t k = 0; k < a.cols(); ++k) s += a(i, k) * b(k, j);
      out.data[static_cast<size_t>(i * b.cols() + j)] = s;
    }
  return out;
}

// One spatial axis of a window op, from TensorFlow's definition of padding: "valid" uses only
// full windows; "same" produces ceil(in / stride) outputs and pads as little as possible, the
// odd padding element going after the input.
struct Axis {
  int64_t in, kernel, stride, dilation, out, padBefore;
};

Axis makeAxis(int64_t in, int64_t kernel, int64_t stride, int64_t dilation, const std::string& padding) {
  int64_t extent = dilation * (kernel - 1) + 1;
  Axis a{in, kernel, stride, dilation, 0, 0};
  if (padding == "same") {
    a.out = (in + stride - 1) / stride;
    int64_t padTotal = std::max<int64_t>(0, (a.out - 1) * stride + extent - in);
    a.padBefore = padTotal / 2;
  } else {
    a.out = in >= extent ? (in - extent) / stride + 1 : 0;
  }
  return a;
}

// The input coordinate that tap k of output position o reads (may fall in the padding).
int64_t tapAt(const Axis& a, int64_t o, int64_t k) { return o * a.stride + k * a.dilation - a.padBefore; }
bool inside(const Axis& a, int64_t i) { return i >= 0 && i < a.in; }

struct ConvGeometry {
  int64_t batch, inChannels, outChannels;
  Axis h, w;
};

// x is NHWC, w is HWIO; the attributes are the conv2d node's (strides, dilation as [h, w]).
ConvGeometry convGeometry(const Node& n, const Shape& x, const Shape& w) {
  auto s = n.attrs.getInts("strides");
  auto d = n.attrs.getInts("dilation");
  if (d.empty()) d = {1, 1};
  std::string pad = n.attrs.getString("padding", "valid");
  return {x[0], x[3], w[3], makeAxis(x[1], w[0], s[0], d[0], pad), makeAxis(x[2], w[1], s[1], d[1], pad)};
}

size_t nhwc(const Shape& s, int64_t a, int64_t b, int64_t c, int64_t d) {
  return static_cast<size_t>(((a * s[1] + b) * s[2] + c) * s[3] + d);
}

// y[n,oh,ow,co] = sum over kh,kw,ci of x[n, tap(oh,kh), tap(ow,kw), ci] * w[kh,kw,ci,co], zero padding.
RefTensor conv2d(const Node& n, const std::vector<RefTensor>& in) {
  const RefTensor &x = in[0], &w = in[1];
  ConvGeometry g = convGeometry(n, x.shape, w.shape);
  RefTensor y = zeros({g.batch, g.h.out, g.w.out, g.outChannels});
  for (int64_t b = 0; b < g.batch; ++b)
    for (int64_t oh = 0; oh < g.h.out; ++oh)
      for (int64_t ow = 0; ow < g.w.out; ++ow)
        for (int64_t co = 0; co < g.outChannels; ++co) {
          double s = 0;
          for (int64_t kh = 0; kh < g.h.kernel; ++kh)
            for (int64_t kw = 0; kw < g.w.kernel; ++kw) {
              int64_t ih = tapAt(g.h, oh, kh), iw = tapAt(g.w, ow, kw);
              if (!inside(g.h, ih) || !inside(g.w, iw)) continue;
              for (int64_t ci = 0; ci < g.inChannels; ++ci)
                s += x.data[nhwc(x.shape, b, ih, iw, ci)] * w.data[nhwc(w.shape, kh, kw, ci, co)];
            }
          y.data[nhwc(y.shape, b, oh, ow, co)] = s;
        }
  return y;
}

// Calls visit(b, oh, ow, co, kh, kw, ci, ih, iw) for every multiply of the forward convolution
// that reads a real (non-padding) input element: the adjoints below scatter along these edges.
template <typename Visit>
void forEachConvTap(const ConvGeometry& g, Visit visit) {
  for (int64_t b = 0; b < g.batch; ++b)
    for (int64_t oh = 0; oh < g.h.out; ++oh)
      for (int64_t ow = 0; ow < g.w.out; ++ow)
        for (int64_t co = 0; co < g.outChannels; ++co)
          for (int64_t kh = 0; kh < g.h.kernel; ++kh)
            for (int64_t kw = 0; kw < g.w.kernel; ++kw) {
              int64_t ih = tapAt(g.h, oh, kh), iw = tapAt(g.w, ow, kw);
              if (!inside(g.h, ih) || !inside(g.w, iw)) continue;
              for (int64_t ci = 0; ci < g.inChannels; ++ci) visit(b, oh, ow, co, kh, kw, ci, ih, iw);
            }
}

// Inputs dy, w, x (x only for its shape): every output gradient flows back along each tap to
// the input element that tap read, weighted by the filter.
RefTensor conv2dBackpropInput(const Node& n, const std::vector<RefTensor>& in) {
  const RefTensor &dy = in[0], &w = in[1];
  ConvGeometry g = convGeometry(n, in[2].shape, w.shape);
  RefTensor dx = zeros(in[2].shape);
  forEachConvTap(g, [&](int64_t b, int64_t oh, int64_t ow, int64_t co, int64_t kh, int64_t kw, int64_t ci, int64_t ih,
                        int64_t iw) {
    dx.data[nhwc(dx.shape, b, ih, iw, ci)] +=
        dy.data[nhwc(dy.shape, b, oh, ow, co)] * w.data[nhwc(w.shape, kh, kw, ci, co)];
  });
  return dx;
}

// Inputs x, dy, w (w only for its shape): every output gradient flows to each filter tap,
// weighted by the input element that tap read.
RefTensor conv2dBackpropFilter(const Node& n, const std::vector<RefTensor>& in) {
  const RefTensor &x = in[0], &dy = in[1];
  ConvGeometry g = convGeometry(n, x.shape, in[2].shape);
  RefTensor dw = zeros(in[2].shape);
  forEachConvTap(g, [&](int64_t b, int64_t oh, int64_t ow, int64_t co, int64_t kh, int64_t kw, int64_t ci, int64_t ih,
                        int64_t iw) {
    dw.data[nhwc(dw.shape, kh, kw, ci, co)] +=
        dy.data[nhwc(dy.shape, b, oh, ow, co)] * x.data[nhwc(x.shape, b, ih, iw, ci)];
  });
  return dw;
}

struct PoolGeometry {
  int64_t batch, channels;
  Axis h, w;
};

PoolGeometry poolGeometry(const Node& n, const Shape& x) {
  auto k = n.attrs.getInts("size");
  auto s = n.attrs.getInts("strides");
  std::string pad = n.attrs.getString("padding", "valid");
  return {x[0], x[3], makeAxis(x[1], k[0], s[0], 1, pad), makeAxis(x[2], k[1], s[1], 1, pad)};
}

// The flat index of the first maximum (row-major over the window) among the real input
// elements of one window; padding never takes part, as in TensorFlow.
size_t windowArgmax(const PoolGeometry& g, const RefTensor& x, int64_t b, int64_t oh, int64_t ow, int64_t c) {
  double best = -std::numeric_limits<double>::infinity();
  size_t at = 0;
  bool found = false;
  for (int64_t kh = 0; kh < g.h.kernel; ++kh)
    for (int64_t kw = 0; kw < g.w.kernel; ++kw) {
      int64_t ih = tapAt(g.h, oh, kh), iw = tapAt(g.w, ow, kw);
      if (!inside(g.h, ih) || !inside(g.w, iw)) continue;
      size_t i = nhwc(x.shape, b, ih, iw, c);
      if (!found || x.data[i] > best) {
        best = x.data[i];
        at = i;
        found = true;
      }
    }
  if (!found) throw std::invalid_argument("reference max_pool: a window holds only padding");
  return at;
}

RefTensor maxPool(const Node& n, const std::vector<RefTensor>& in) {
  const RefTensor& x = in[0];
  PoolGeometry g = poolGeometry(n, x.shape);
  RefTensor y = zeros({g.batch, g.h.out, g.w.out, g.channels});
  for (int64_t b = 0; b < g.batch; ++b)
    for (int64_t oh = 0; oh < g.h.out; ++oh)
      for (int64_t ow = 0; ow < g.w.out; ++ow)
        for (int64_t c = 0; c < g.channels; ++c)
          y.data[nhwc(y.shape, b, oh, ow, c)] = x.data[windowArgmax(g, x, b, oh, ow, c)];
  return y;
}

// Inputs x, dy: each window's gradient goes to its first maximum; overlapping windows add up.
RefTensor maxPoolGrad(const Node& n, const std::vector<RefTensor>& in) {
  const RefTensor &x = in[0], &dy = in[1];
  PoolGeometry g = poolGeometry(n, x.shape);
  RefTensor dx = zeros(x.shape);
  for (int64_t b = 0; b < g.batch; ++b)
    for (int64_t oh = 0; oh < g.h.out; ++oh)
      for (int64_t ow = 0; ow < g.w.out; ++ow)
        for (int64_t c = 0; c < g.channels; ++c)
          dx.data[windowArgmax(g, x, b, oh, ow, c)] += dy.data[nhwc(dy.shape, b, oh, ow, c)];
  return dx;
}

// Calls visit(window element index, real element count) for every real input element of the
// window at (b, oh, ow, c): padding is neither read nor counted, as in TensorFlow.
template <typename Visit>
void forEachWindowElement(const PoolGeometry& g, const Shape& x, int64_t b, int64_t oh, int64_t ow, int64_t c,
                          Visit visit) {
  std::vector<size_t> elements;
  for (int64_t kh = 0; kh < g.h.kernel; ++kh)
    for (int64_t kw = 0; kw < g.w.kernel; ++kw) {
      int64_t ih = tapAt(g.h, oh, kh), iw = tapAt(g.w, ow, kw);
      if (inside(g.h, ih) && inside(g.w, iw)) elements.push_back(nhwc(x, b, ih, iw, c));
    }
  for (size_t i : elements) visit(i, static_cast<double>(elements.size()));
}

RefTensor avgPool(const Node& n, const std::vector<RefTensor>& in) {
  const RefTensor& x = in[0];
  PoolGeometry g = poolGeometry(n, x.shape);
  RefTensor y = zeros({g.batch, g.h.out, g.w.out, g.channels});
  for (int64_t b = 0; b < g.batch; ++b)
    for (int64_t oh = 0; oh < g.h.out; ++oh)
      for (int64_t ow = 0; ow < g.w.out; ++ow)
        for (int64_t c = 0; c < g.channels; ++c)
          forEachWindowElement(g, x.shape, b, oh, ow, c, [&](size_t i, double count) {
            y.data[nhwc(y.shape, b, oh, ow, c)] += x.data[i] / count;
          });
  return y;
}

// Inputs x (for its shape), dy: each window's gradient is shared equally by its real elements.
RefTensor avgPoolGrad(const Node& n, const std::vector<RefTensor>& in) {
  const RefTensor &x = in[0], &dy = in[1];
  PoolGeometry g = poolGeometry(n, x.shape);
  RefTensor dx = zeros(x.shape);
  for (int64_t b = 0; b < g.batch; ++b)
    for (int64_t oh = 0; oh < g.h.out; ++oh)
      for (int64_t ow = 0; ow < g.w.out; ++ow)
        for (int64_t c = 0; c < g.channels; ++c)
          forEachWindowElement(g, x.shape, b, oh, ow, c, [&](size_t i, double count) {
            dx.data[i] += dy.data[nhwc(dy.shape, b, oh, ow, c)] / count;
          });
  return dx;
}

// The same elements in the same row-major order; the node's shape gives the new dimensions,
// with a batch `?` recovered from the element count.
RefTensor reshape(const Node& n, const std::vector<RefTensor>& in) {
  Shape shape = n.shape;
  int64_t known = 1;
  for (int64_t d : shape)
    if (d != kBatch) known *= d;
  for (int64_t& d : shape)
    if (d == kBatch) d = static_cast<int64_t>(in[0].data.size()) / known;
  if (elementCount(shape) != in[0].data.size()) throw std::invalid_argument("reference reshape: element count differs");
  return {shape, in[0].data, in[0].dtype};
}

}  // namespace

void registerNNReferences(ReferenceTable& t) {
  t.emplace_back(Op::Matmul, matmul);
  t.emplace_back(Op::Conv2d, conv2d);
  t.emplace_back(Op::Conv2dBackpropInput, conv2dBackpropInput);
  t.emplace_back(Op::Conv2dBackpropFilter, conv2dBackpropFilter);
  t.emplace_back(Op::MaxPool, maxPool);
  t.emplace_back(Op::MaxPoolGrad, maxPoolGrad);
  t.emplace_back(Op::AvgPool, avgPool);
  t.emplace_back(Op::AvgPoolGrad, avgPoolGrad);
  t.emplace_back(Op::Reshape, reshape);
}

}  // namespace graphc
