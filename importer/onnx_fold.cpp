// \file Folding constants at import time (onnx_fold.h).
#include "importer/onnx_fold.h"

#include <cmath>

namespace graphc {

std::optional<Dims> broadcastDims(const Dims& a, const Dims& b) {
  size_t rank = std::max(a.size(), b.size());
  Dims out(rank);
  for (size_t k = 0; k < rank; ++k) {
    int64_t da = k < rank - a.size() ? 1 : a[k - (rank - a.size())];
    int64_t db = k < rank - b.size() ? 1 : b[k - (rank - b.size())];
    if (da == db || db == 1)
      out[k] = da;
    else if (da == 1)
      out[k] = db;
    else
      return std::nullopt;
  }
  return out;
}

std::optional<Tensor> foldBinary(const Tensor& a, const Tensor& b, const Dims& out,
                                 const std::function<double(double, double)>& op) {
  Tensor r;
  r.dims = out;
  r.isInt = a.isInt && b.isInt;
  size_t rank = out.size();
  // Each operand's strides in the output's index space (0 along a broadcast axis).
  auto strides = [&](const Dims& d) {
    std::vector<int64_t> s(rank, 0);
    int64_t step = 1;
    for (size_t k = d.size(); k-- > 0;) {
      size_t o = k + rank - d.size();
      s[o] = d[k] == 1 ? 0 : step;
      step *= d[k];
    }
    return s;
  };
  std::vector<int64_t> sa = strides(a.dims), sb = strides(b.dims), index(rank, 0);
  int64_t n = dimsElementCount(out);
  for (int64_t k = 0; k < n; ++k) {
    int64_t ia = 0, ib = 0;
    for (size_t d = 0; d < rank; ++d) ia += index[d] * sa[d], ib += index[d] * sb[d];
    if (r.isInt) {
      int64_t x = a.i[static_cast<size_t>(ia)], y = b.i[static_cast<size_t>(ib)];
      if (x == kSymbolicBatch || y == kSymbolicBatch) return std::nullopt;
      double v = op(static_cast<double>(x), static_cast<double>(y));
      r.i.push_back(saturatedInt(v));
    } else {
      r.f.push_back(static_cast<float>(op(a.at(ia), b.at(ib))));
    }
    for (size_t d = rank; d-- > 0;) {
      if (++index[d] < out[d]) break;
      index[d] = 0;
    }
  }
  return r;
}

Tensor reshaped(Tensor t, Dims dims) {
  t.dims = std::move(dims);
  return t;
}

}  // namespace graphc
