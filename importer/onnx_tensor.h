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
  // Element k; an InternalError when k is outside (a translator that forgot to check a count: a bug,
  // and a fuzz finding, rather than a read past the end).
  double at(int64_t k) const;
};

// The most elements a constant or one sample of a value may hold (4 GiB of floats), and so the
// longest axis. Every
// size a file gives is held to it before any arithmetic, so that the shape arithmetic of a hostile
// file stays far inside int64 (sums and products of two such sizes cannot overflow).
constexpr int64_t kMaxElements = int64_t{1} << 30;

// The product of the dimensions (1 for a scalar); -1 when one is the batch; saturates at
// INT64_MAX rather than overflowing.
int64_t dimsElementCount(const Dims& dims);

// Why a value of these dimensions is beyond graphc ("" when it is not): a dimension outside 0 to
// kMaxElements, or more than kMaxElements elements per sample (the batch left out).
std::string shapeProblem(const Dims& dims);

// An integer from a file's number, saturated to +-2^61 (a NaN is 0): converting a double outside
// int64's range is undefined behaviour, and +-2^61 still reads as "to the end" where ONNX uses
// INT64_MAX (Slice) while sums of a few stay in range (and clear of kSymbolicBatch, -2^62).
int64_t saturatedInt(double v);
int64_t saturatedInt(int64_t v);

// The tensor's values; an InputError starting with where when they are malformed (sizes that
// disagree with dims, an unsupported data type, data stored outside the file).
Tensor readTensor(const onnx::TensorProto& proto, const std::string& where);

// Axes permuted: output axis k is input axis perm[k].
Tensor transposed(const Tensor& t, const std::vector<int>& perm);

// "f32[2, 3]" for messages; the batch prints as `?`.
std::string dimsText(const Dims& dims);

}  // namespace graphc
