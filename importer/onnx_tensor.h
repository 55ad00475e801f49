// \file Constant tensors of an ONNX model (initializers, Constant nodes, folded shape arithmetic):
// TensorProto's values read and checked, and the few rearrangements the importer needs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace onnx {
class TensorProto;
}

namespace graphc {

// ONNX's dimensions, in ONNX's order. kBatchDim marks the batch (`?` in .mnn): a dim_param on
// axis 0, or the data's batch when `graphc import --data` is given.
using Dims = std::vector<int64_t>;
constexpr int64_t kBatchDim = -1;

// A constant: floats (f32, f64 narrowed) or integers (int8 to int64, bool), row-major.
struct Tensor {
  Dims dims;
  bool isInt = false;
  std::vector<float> f;
  std::vector<int64_t> i;

  int64_t size() const;
  double at(int64_t k) const {
    return isInt ? static_cast<double>(i[static_cast<size_t>(k)]) : f[static_cast<size_t>(k)];
  }
};

// The product of the dimensions (1 for a scalar); -1 when one is the batch.
int64_t dimsElementCount(const Dims& dims);

// The tensor's values; an InputError starting with where when they are malformed (sizes that
// disagree with dims, an unsupported data type, data stored outside the file).
Tensor readTensor(const onnx::TensorProto& proto, const std::string& where);

// Axes permuted: output axis k is input axis perm[k].
Tensor transposed(const Tensor& t, const std::vector<int>& perm);

// "f32[2, 3]" for messages; the batch prints as `?`.
std::string dimsText(const Dims& dims);

}  // namespace graphc
