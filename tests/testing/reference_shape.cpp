// \file Reference implementations of the ops that move elements: transpose, concat, slice_axis,
// one_hot, and element_count.
#include <stdexcept>

#include "testing/reference_ops.h"

namespace graphc {
namespace {

// Output axis k is input axis perm[k]: out[i_0, ..., i_n] = x[j] with j[perm[k]] = i_k.
RefTensor transpose(const Node& n, const std::vector<RefTensor>& in) {
  const RefTensor& x = in[0];
  auto perm = n.attrs.getInts("perm");
  Shape shape;
  for (int64_t p : perm) shape.push_back(x.shape[static_cast<size_t>(p)]);
  RefTensor out = zeros(shape, x.dtype);
  for (size_t i = 0; i < out.data.size(); ++i) {
    std::vector<int64_t> index = unravelIndex(i, shape), from(index.size());
    for (size_t k = 0; k < perm.size(); ++k) from[static_cast<size_t>(perm[k])] = index[k];
    out.data[i] = x.data[ravelIndex(from, x.shape)];
  }
  return out;
}

// Each output element is found by walking the inputs along the axis until the one that holds it.
RefTensor concat(const Node& n, const std::vector<RefTensor>& in) {
  size_t axis = static_cast<size_t>(n.attrs.getInt("axis"));
  Shape shape = in[0].shape;
  shape[axis] = 0;
  for (const RefTensor& t : in) shape[axis] += t.shape[axis];
  RefTensor out = zeros(shape, in[0].dtype);
  for (size_t i = 0; i < out.data.size(); ++i) {
    std::vector<int64_t> index = unravelIndex(i, shape);
    size_t k = 0;
    while (index[axis] >= in[k].shape[axis]) index[axis] -= in[k++].shape[axis];
    out.data[i] = in[k].data[ravelIndex(index, in[k].shape)];
  }
  return out;
}

RefTensor sliceAxis(const Node& n, const std::vector<RefTensor>& in) {
  size_t axis = static_cast<size_t>(n.attrs.getInt("axis"));
  int64_t begin = n.attrs.getInt("begin");
  Shape shape = in[0].shape;
  shape[axis] = n.attrs.getInt("size");
  if (begin + shape[axis] > in[0].shape[axis]) throw std::invalid_argument("reference slice_axis: out of range");
  RefTensor out = zeros(shape, in[0].dtype);
  for (size_t i = 0; i < out.data.size(); ++i) {
    std::vector<int64_t> index = unravelIndex(i, shape);
    index[axis] += begin;
    out.data[i] = in[0].data[ravelIndex(index, in[0].shape)];
  }
  return out;
}

// A row of depth zeros with a 1 at the label; labels outside [0, depth) leave the row zero.
RefTensor oneHot(const Node& n, const std::vector<RefTensor>& in) {
  int64_t depth = n.attrs.getInt("depth");
  Shape shape = in[0].shape;
  shape.push_back(depth);
  RefTensor out = zeros(shape);
  for (size_t i = 0; i < in[0].data.size(); ++i) {
    auto label = static_cast<int64_t>(in[0].data[i]);
    if (label >= 0 && label < depth) out.data[i * static_cast<size_t>(depth) + static_cast<size_t>(label)] = 1;
  }
  return out;
}

RefTensor countElements(const Node& n, const std::vector<RefTensor>& in) {
  double count = 1;
  for (int64_t a : n.attrs.getInts("axes")) count *= static_cast<double>(in[0].shape[static_cast<size_t>(a)]);
  return {{}, {count}, DType::F32};
}

}  // namespace

void registerShapeReferences(ReferenceTable& t) {
  t.emplace_back(Op::Transpose, transpose);
  t.emplace_back(Op::Concat, concat);
  t.emplace_back(Op::SliceAxis, sliceAxis);
  t.emplace_back(Op::OneHot, oneHot);
  t.emplace_back(Op::ElementCount, countElements);
}

}  // namespace graphc
