// \file The FLOP rules of ir/ops.def and the bytes of a stored value.
#include "ir/op_cost.h"

#include <vector>

#include "ir/op_table.h"

namespace graphc {
namespace {

double elements(const Shape& shape, int64_t batch) { return static_cast<double>(numElements(shape, batch)); }

}  // namespace

double estimateFlops(const Graph& g, const Node& n, int64_t batch) {
  auto in = [&](size_t i) { return bindBatch(g.node(n.inputs[i]).shape, batch); };
  Shape out = bindBatch(n.shape, batch);
  switch (opDef(n.op).flops) {
    case FlopRule::Conv2d: {
      Shape w = in(1);
      return 2.0 * elements(out, batch) * static_cast<double>(w[0] * w[1] * w[2]);
    }
    case FlopRule::Conv2dBackpropInput: {  // inputs dy, w, x; out dx [N,H,W,Ci], w [kh,kw,Ci,Co]
      // What the kernel does (codegen/lower_nn.cpp): every dx element sums Co x kw x kh terms,
      // except that with stride 1 the rows of the window that fall in dy's padding are skipped.
      Shape w = in(1), dy = in(0);
      std::vector<int64_t> strides = n.attrs.getInts("strides"), dilation = n.attrs.getInts("dilation");
      int64_t dh = dilation.empty() ? 1 : dilation[0], padTop = n.attrs.getInt("pad_top");
      double rows = static_cast<double>(out[1] * w[0]);  // (dx row, kernel row) pairs summed
      if (strides[0] == 1) {
        rows = 0;
        for (int64_t ih = 0; ih < out[1]; ++ih)
          for (int64_t kh = 0; kh < w[0]; ++kh) rows += ih + padTop - kh * dh >= 0 && ih + padTop - kh * dh < dy[1];
      }
      return 2.0 * static_cast<double>(out[0] * out[2] * out[3] * w[1] * w[3]) * rows;
    }
    case FlopRule::Conv2dBackpropFilter: {  // inputs x, dy, w
      Shape w = in(2);
      return 2.0 * elements(in(1), batch) * static_cast<double>(w[0] * w[1] * w[2]);
    }
    case FlopRule::DepthwiseConv2d: {  // inputs x, w
      Shape w = in(1);
      return 2.0 * elements(out, batch) * static_cast<double>(w[0] * w[1]);
    }
    case FlopRule::DepthwiseConv2dBackpropInput: {  // inputs dy, w, x
      Shape w = in(1);
      return 2.0 * elements(in(0), batch) * static_cast<double>(w[0] * w[1]);
    }
    case FlopRule::DepthwiseConv2dBackpropFilter:  // inputs x, dy, w
      return 2.0 * elements(in(1), batch) * static_cast<double>(out[0] * out[1]);
    case FlopRule::Matmul: {
      Shape a = in(0);
      double k = static_cast<double>(n.attrs.getInt("transpose_a") ? a[0] : a[1]);
      return 2.0 * elements(out, batch) * k;
    }
    case FlopRule::PerOutput:
      return elements(out, batch);
    case FlopRule::PerInput:
      return n.inputs.empty() ? elements(out, batch) : elements(g.node(n.inputs[0]).shape, batch);
  }
  return elements(out, batch);
}

double valueBytes(const Graph& g, int id, int64_t batch) {
  const Node& n = g.node(id);
  return n.op == Op::Constant ? 0.0 : 4.0 * elements(n.shape, batch);
}

}  // namespace graphc
