// \file Reference implementations of reductions, broadcasts, softmax and log_softmax, the
// classification losses, their gradients and the accuracy metric.
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "testing/reference_ops.h"

namespace graphc {
namespace {

// Which dimensions attr axes reduces (all of them when the list is empty).
std::vector<bool> reducedDims(const Node& n, size_t rank) {
  auto axes = n.attrs.getInts("axes");
  std::vector<bool> reduced(rank, axes.empty());
  for (int64_t a : axes) reduced[static_cast<size_t>(a < 0 ? a + static_cast<int64_t>(rank) : a)] = true;
  return reduced;
}

// reduce_sum, reduce_mean, reduce_max, reduce_min, reduce_prod and argmax. argmax gives the first maximum's position
// along the reduced axes (row-major over them when there are several).
ReferenceFn reduce(Op kind) {
  return [kind](const Node& n, const std::vector<RefTensor>& in) {
    const RefTensor& x = in[0];
    std::vector<bool> reduced = reducedDims(n, x.shape.size());
    bool keep = n.attrs.getInt("keepdims") != 0;
    Shape outShape, reducedShape;
    for (size_t d = 0; d < x.shape.size(); ++d) {
      if (!reduced[d])
        outShape.push_back(x.shape[d]);
      else if (keep)
        outShape.push_back(1);
      if (reduced[d]) reducedShape.push_back(x.shape[d]);
    }
    size_t outCount = elementCount(outShape), groupSize = elementCount(reducedShape);
    std::vector<double> sum(outCount, 0.0), best(outCount, -std::numeric_limits<double>::infinity());
    std::vector<double> least(outCount, std::numeric_limits<double>::infinity()), product(outCount, 1.0);
    std::vector<double> bestAt(outCount, -1);
    for (size_t i = 0; i < x.data.size(); ++i) {
      std::vector<int64_t> index = unravelIndex(i, x.shape), outIndex, inGroup;
      for (size_t d = 0; d < index.size(); ++d) {
        if (!reduced[d])
          outIndex.push_back(index[d]);
        else if (keep)
          outIndex.push_back(0);
        if (reduced[d]) inGroup.push_back(index[d]);
      }
      size_t o = ravelIndex(outIndex, outShape);
      double v = x.data[i];
      sum[o] += v;
      product[o] *= v;
      least[o] = std::min(least[o], v);
      // Row-major input order visits each group in row-major order: strict > keeps the first.
      if (bestAt[o] < 0 || v > best[o]) {
        best[o] = v;
        bestAt[o] = static_cast<double>(ravelIndex(inGroup, reducedShape));
      }
    }
    RefTensor out{outShape, {}, kind == Op::Argmax ? DType::I32 : x.dtype};
    if (kind == Op::ReduceSum) out.data = sum;
    if (kind == Op::ReduceMax) out.data = best;
    if (kind == Op::Argmax) out.data = bestAt;
    if (kind == Op::ReduceMin) out.data = least;
    if (kind == Op::ReduceProd) out.data = product;
    if (kind == Op::ReduceMean) {
      out.data = sum;
      for (double& v : out.data) v /= static_cast<double>(groupSize);
    }
    return out;
  };
}

// Inputs (small, like): small repeated to like's shape. With attr axes and a lower rank, small
// is a reduction result without those axes; otherwise NumPy broadcasting.
RefTensor broadcastLike(const Node& n, const std::vector<RefTensor>& in) {
  const RefTensor &small = in[0], &like = in[1];
  RefTensor out = zeros(like.shape, small.dtype);
  std::vector<bool> missing(like.shape.size(), false);
  bool dropAxes = n.attrs.has("axes") && small.shape.size() != like.shape.size();
  if (dropAxes) missing = reducedDims(n, like.shape.size());
  for (size_t i = 0; i < out.data.size(); ++i) {
    std::vector<int64_t> index = unravelIndex(i, like.shape), from;
    if (dropAxes) {
      for (size_t d = 0; d < index.size(); ++d)
        if (!missing[d]) from.push_back(index[d]);
    } else {
      size_t offset = like.shape.size() - small.shape.size();
      for (size_t d = 0; d < small.shape.size(); ++d) from.push_back(small.shape[d] == 1 ? 0 : index[offset + d]);
    }
    out.data[i] = small.data[ravelIndex(from, small.shape)];
  }
  return out;
}

// Inputs (big, like): the adjoint of NumPy broadcasting like's shape up to big's: every element
// of big is added to the element of like's shape that broadcasting copied it from.
RefTensor sumLike(const Node&, const std::vector<RefTensor>& in) {
  const RefTensor &big = in[0], &like = in[1];
  RefTensor out = zeros(like.shape, big.dtype);
  size_t offset = big.shape.size() - like.shape.size();
  for (size_t i = 0; i < big.data.size(); ++i) {
    std::vector<int64_t> index = unravelIndex(i, big.shape), to;
    for (size_t d = 0; d < like.shape.size(); ++d) to.push_back(like.shape[d] == 1 ? 0 : index[offset + d]);
    out.data[ravelIndex(to, like.shape)] += big.data[i];
  }
  return out;
}

// Rows of the last axis: count of rows and row length.
size_t rowLength(const RefTensor& t) { return static_cast<size_t>(t.shape.back()); }

RefTensor softmax(const Node&, const std::vector<RefTensor>& in) {
  RefTensor out = in[0];
  size_t len = rowLength(out);
  for (size_t r = 0; r < out.data.size() / len; ++r) {
    double* row = out.data.data() + r * len;
    double mx = *std::max_element(row, row + len), total = 0;
    for (size_t j = 0; j < len; ++j) total += std::exp(row[j] - mx);
    for (size_t j = 0; j < len; ++j) row[j] = std::exp(row[j] - mx) / total;
  }
  return out;
}

// Inputs y = softmax(z), g = dL/dy: dL/dz_j = y_j * (g_j - sum_k g_k y_k) (the Jacobian's product).
RefTensor softmaxGrad(const Node&, const std::vector<RefTensor>& in) {
  const RefTensor &y = in[0], &g = in[1];
  RefTensor out = zeros(y.shape);
  size_t len = rowLength(y);
  for (size_t r = 0; r < y.data.size() / len; ++r) {
    double dot = 0;
    for (size_t j = 0; j < len; ++j) dot += g.data[r * len + j] * y.data[r * len + j];
    for (size_t j = 0; j < len; ++j) out.data[r * len + j] = y.data[r * len + j] * (g.data[r * len + j] - dot);
  }
  return out;
}

// Classification inputs: scores [N, C]; labels i32 ids [N] or f32 one-hot rows [N, C].
struct Labels {
  const RefTensor& t;
  size_t classes;
  bool ids() const { return t.shape.size() == 1; }
  double target(size_t n, size_t j) const {
    return ids() ? (static_cast<size_t>(t.data[n]) == j ? 1.0 : 0.0) : t.data[n * classes + j];
  }
};

std::vector<double> logSoftmaxRow(const double* row, size_t len) {
  double mx = *std::max_element(row, row + len), total = 0;
  for (size_t j = 0; j < len; ++j) total += std::exp(row[j] - mx);
  std::vector<double> out(len);
  for (size_t j = 0; j < len; ++j) out[j] = row[j] - mx - std::log(total);
  return out;
}

RefTensor scalar(double v) { return {{}, {v}, DType::F32}; }

RefTensor logSoftmax(const Node&, const std::vector<RefTensor>& in) {
  RefTensor out = in[0];
  size_t len = rowLength(out);
  for (size_t r = 0; r < out.data.size() / len; ++r) {
    std::vector<double> row = logSoftmaxRow(in[0].data.data() + r * len, len);
    std::copy(row.begin(), row.end(), out.data.begin() + static_cast<long>(r * len));
  }
  return out;
}

// Inputs y = log_softmax(z), g: dL/dz_j = g_j - softmax(z)_j * sum_k g_k.
RefTensor logSoftmaxGrad(const Node&, const std::vector<RefTensor>& in) {
  const RefTensor &y = in[0], &g = in[1];
  RefTensor out = zeros(y.shape);
  size_t len = rowLength(y);
  for (size_t r = 0; r < y.data.size() / len; ++r) {
    double total = 0;
    for (size_t j = 0; j < len; ++j) total += g.data[r * len + j];
    for (size_t j = 0; j < len; ++j)
      out.data[r * len + j] = g.data[r * len + j] - std::exp(y.data[r * len + j]) * total;
  }
  return out;
}

// mean over rows of -sum_j target_j * log softmax(z)_j
RefTensor softmaxCrossEntropy(const Node&, const std::vector<RefTensor>& in) {
  const RefTensor& z = in[0];
  size_t batch = static_cast<size_t>(z.shape[0]), classes = static_cast<size_t>(z.shape[1]);
  Labels labels{in[1], classes};
  double total = 0;
  for (size_t n = 0; n < batch; ++n) {
    std::vector<double> logp = logSoftmaxRow(z.data.data() + n * classes, classes);
    for (size_t j = 0; j < classes; ++j) total -= labels.target(n, j) * logp[j];
  }
  return scalar(total / static_cast<double>(batch));
}

// Inputs z, labels, g (the scalar loss gradient): (softmax(z) - target) * g / N.
RefTensor softmaxCrossEntropyGrad(const Node&, const std::vector<RefTensor>& in) {
  const RefTensor& z = in[0];
  size_t batch = static_cast<size_t>(z.shape[0]), classes = static_cast<size_t>(z.shape[1]);
  Labels labels{in[1], classes};
  double g = in[2].data.at(0);
  RefTensor out = zeros(z.shape);
  for (size_t n = 0; n < batch; ++n) {
    std::vector<double> logp = logSoftmaxRow(z.data.data() + n * classes, classes);
    for (size_t j = 0; j < classes; ++j)
      out.data[n * classes + j] = (std::exp(logp[j]) - labels.target(n, j)) * g / static_cast<double>(batch);
  }
  return out;
}

// Keras clips probabilities to [eps, 1 - eps] before the log, eps = 1e-7.
constexpr double kEpsilon = 1e-7;

RefTensor probsCrossEntropy(const Node&, const std::vector<RefTensor>& in) {
  const RefTensor& p = in[0];
  size_t batch = static_cast<size_t>(p.shape[0]), classes = static_cast<size_t>(p.shape[1]);
  Labels labels{in[1], classes};
  double total = 0;
  for (size_t n = 0; n < batch; ++n)
    for (size_t j = 0; j < classes; ++j)
      total -= labels.target(n, j) * std::log(std::clamp(p.data[n * classes + j], kEpsilon, 1 - kEpsilon));
  return scalar(total / static_cast<double>(batch));
}

// Inputs p, labels, g: -target / p * g / N where the clip is inactive, 0 where it holds p fixed.
RefTensor probsCrossEntropyGrad(const Node&, const std::vector<RefTensor>& in) {
  const RefTensor& p = in[0];
  size_t batch = static_cast<size_t>(p.shape[0]), classes = static_cast<size_t>(p.shape[1]);
  Labels labels{in[1], classes};
  double g = in[2].data.at(0);
  RefTensor out = zeros(p.shape);
  for (size_t i = 0; i < p.data.size(); ++i) {
    double v = p.data[i];
    bool clipped = v <= kEpsilon || v >= 1 - kEpsilon;
    out.data[i] = clipped ? 0.0 : -labels.target(i / classes, i % classes) / v * g / static_cast<double>(batch);
  }
  return out;
}

size_t firstArgmax(const double* row, size_t len) {
  return static_cast<size_t>(std::max_element(row, row + len) - row);
}

// The fraction of rows whose first highest score is the label (the one-hot row's first maximum).
RefTensor accuracy(const Node&, const std::vector<RefTensor>& in) {
  const RefTensor& s = in[0];
  size_t batch = static_cast<size_t>(s.shape[0]), classes = static_cast<size_t>(s.shape[1]);
  Labels labels{in[1], classes};
  size_t hits = 0;
  for (size_t n = 0; n < batch; ++n) {
    size_t predicted = firstArgmax(s.data.data() + n * classes, classes);
    size_t truth =
        labels.ids() ? static_cast<size_t>(labels.t.data[n]) : firstArgmax(labels.t.data.data() + n * classes, classes);
    hits += predicted == truth;
  }
  return scalar(static_cast<double>(hits) / static_cast<double>(batch));
}

}  // namespace

void registerReductionReferences(ReferenceTable& t) {
  t.emplace_back(Op::ReduceSum, reduce(Op::ReduceSum));
  t.emplace_back(Op::ReduceMean, reduce(Op::ReduceMean));
  t.emplace_back(Op::ReduceMax, reduce(Op::ReduceMax));
  t.emplace_back(Op::Argmax, reduce(Op::Argmax));
  t.emplace_back(Op::ReduceMin, reduce(Op::ReduceMin));
  t.emplace_back(Op::ReduceProd, reduce(Op::ReduceProd));
  t.emplace_back(Op::BroadcastLike, broadcastLike);
  t.emplace_back(Op::SumLike, sumLike);
  t.emplace_back(Op::Softmax, softmax);
  t.emplace_back(Op::SoftmaxGrad, softmaxGrad);
  t.emplace_back(Op::LogSoftmax, logSoftmax);
  t.emplace_back(Op::LogSoftmaxGrad, logSoftmaxGrad);
  t.emplace_back(Op::SoftmaxCrossEntropy, softmaxCrossEntropy);
  t.emplace_back(Op::SoftmaxCrossEntropyGrad, softmaxCrossEntropyGrad);
  t.emplace_back(Op::ProbsCrossEntropy, probsCrossEntropy);
  t.emplace_back(Op::ProbsCrossEntropyGrad, probsCrossEntropyGrad);
  t.emplace_back(Op::Accuracy, accuracy);
}

}  // namespace graphc
