// \file Reading TensorProto values (see onnx_tensor.h).
#include "importer/onnx_tensor.h"

#include <fmt/core.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>

#include "support/diagnostics.h"

namespace graphc {
namespace {

constexpr int64_t kIntLimit = int64_t{1} << 61;

// Bytes per element of the data types graphc reads, 0 for the others.
size_t elementBytes(int type) {
  switch (type) {
    case onnx::TensorProto_DataType_FLOAT:
    case onnx::TensorProto_DataType_INT32:
      return 4;
    case onnx::TensorProto_DataType_DOUBLE:
    case onnx::TensorProto_DataType_INT64:
      return 8;
    case onnx::TensorProto_DataType_INT16:
    case onnx::TensorProto_DataType_UINT16:
      return 2;
    case onnx::TensorProto_DataType_INT8:
    case onnx::TensorProto_DataType_UINT8:
    case onnx::TensorProto_DataType_BOOL:
      return 1;
    default:
      return 0;
  }
}

// One little-endian element of raw_data as the tensor's kind.
template <typename T>
T rawElement(const std::string& raw, size_t k) {
  T v;
  std::memcpy(&v, raw.data() + k * sizeof(T), sizeof(T));
  return v;
}

}  // namespace

int64_t dimsElementCount(const Dims& dims) {
  int64_t n = 1;
  bool zero = false, saturated = false;
  for (int64_t d : dims) {
    if (d < 0) return -1;  // the batch (kBatchDim)
    if (d == 0)
      zero = true;
    else if (n > INT64_MAX / d)
      saturated = true;
    else
      n *= d;
  }
  return zero ? 0 : saturated ? INT64_MAX : n;
}

std::string shapeProblem(const Dims& dims) {
  Dims sample;
  for (int64_t d : dims) {
    if (d == kBatchDim) continue;
    if (d < 0 || d > kMaxElements)
      return fmt::format("a value of shape {}: each dimension must be 0 to {}", dimsText(dims), kMaxElements);
    sample.push_back(d);
  }
  if (dimsElementCount(sample) > kMaxElements)
    return fmt::format("a value of shape {} holds more than {} elements per sample", dimsText(dims), kMaxElements);
  return "";
}

int64_t saturatedInt(int64_t v) { return std::clamp(v, -kIntLimit, kIntLimit); }

int64_t saturatedInt(double v) {
  if (std::isnan(v)) return 0;
  return static_cast<int64_t>(std::clamp(v, -static_cast<double>(kIntLimit), static_cast<double>(kIntLimit)));
}

int64_t Tensor::size() const { return isInt ? static_cast<int64_t>(i.size()) : static_cast<int64_t>(f.size()); }

double Tensor::at(int64_t k) const {
  if (k < 0 || k >= size()) throw InternalError(fmt::format("constant element {} of {} read", k, size()));
  return isInt ? static_cast<double>(i[static_cast<size_t>(k)]) : f[static_cast<size_t>(k)];
}

Tensor readTensor(const onnx::TensorProto& proto, const std::string& where) {
  Tensor t;
  int64_t count = 1;
  for (int64_t d : proto.dims()) {
    if (d < 0 || (d > 0 && count > kMaxElements / d))
      throw InputError(fmt::format("{}: a tensor dimension of {} (dimensions must be 0 to {} elements in all)", where,
                                   d, kMaxElements));
    count *= d;
    t.dims.push_back(d);
  }
  if (proto.data_location() == onnx::TensorProto_DataLocation_EXTERNAL)
    throw InputError(where + ": the tensor's data is stored in an external file, which graphc import does not read");
  int type = proto.data_type();
  size_t bytes = elementBytes(type);
  if (bytes == 0)
    throw InputError(
        fmt::format("{}: tensor data type {} is not supported (expected float, double, bool or an integer type)", where,
                    onnx::TensorProto_DataType_Name(type)));
  t.isInt = type != onnx::TensorProto_DataType_FLOAT && type != onnx::TensorProto_DataType_DOUBLE;
  auto n = static_cast<size_t>(count);
  const std::string& raw = proto.raw_data();
  auto mismatch = [&](size_t found) {
    return InputError(
        fmt::format("{}: the tensor holds {} values but its dimensions {} need {}", where, found, dimsText(t.dims), n));
  };
  if (proto.has_raw_data()) {
    if (raw.size() != n * bytes) throw mismatch(raw.size() / bytes);
    for (size_t k = 0; k < n; ++k) {
      switch (type) {
        case onnx::TensorProto_DataType_FLOAT:
          t.f.push_back(rawElement<float>(raw, k));
          break;
        case onnx::TensorProto_DataType_DOUBLE:
          t.f.push_back(static_cast<float>(rawElement<double>(raw, k)));
          break;
        case onnx::TensorProto_DataType_INT64:
          t.i.push_back(rawElement<int64_t>(raw, k));
          break;
        case onnx::TensorProto_DataType_INT32:
          t.i.push_back(rawElement<int32_t>(raw, k));
          break;
        case onnx::TensorProto_DataType_INT16:
          t.i.push_back(rawElement<int16_t>(raw, k));
          break;
        case onnx::TensorProto_DataType_UINT16:
          t.i.push_back(rawElement<uint16_t>(raw, k));
          break;
        case onnx::TensorProto_DataType_INT8:
          t.i.push_back(rawElement<int8_t>(raw, k));
          break;
        default:
          t.i.push_back(rawElement<uint8_t>(raw, k));
          break;  // uint8, bool
      }
    }
    return t;
  }
  switch (type) {
    case onnx::TensorProto_DataType_FLOAT:
      if (static_cast<size_t>(proto.float_data_size()) != n)
        throw mismatch(static_cast<size_t>(proto.float_data_size()));
      t.f.assign(proto.float_data().begin(), proto.float_data().end());
      break;
    case onnx::TensorProto_DataType_DOUBLE:
      if (static_cast<size_t>(proto.double_data_size()) != n)
        throw mismatch(static_cast<size_t>(proto.double_data_size()));
      for (double v : proto.double_data()) t.f.push_back(static_cast<float>(v));
      break;
    case onnx::TensorProto_DataType_INT64:
      if (static_cast<size_t>(proto.int64_data_size()) != n)
        throw mismatch(static_cast<size_t>(proto.int64_data_size()));
      t.i.assign(proto.int64_data().begin(), proto.int64_data().end());
      break;
    default:  // the narrower integers and bool are stored in int32_data
      if (static_cast<size_t>(proto.int32_data_size()) != n)
        throw mismatch(static_cast<size_t>(proto.int32_data_size()));
      t.i.assign(proto.int32_data().begin(), proto.int32_data().end());
      break;
  }
  return t;
}

Tensor transposed(const Tensor& t, const std::vector<int>& perm) {
  size_t rank = t.dims.size();
  Tensor out;
  out.isInt = t.isInt;
  for (int p : perm) out.dims.push_back(t.dims[static_cast<size_t>(p)]);
  std::vector<int64_t> inStrides(rank, 1);
  for (size_t d = rank; d-- > 1;) inStrides[d - 1] = inStrides[d] * t.dims[d];
  int64_t n = dimsElementCount(t.dims);
  std::vector<int64_t> index(rank, 0);  // the output element's index
  for (int64_t k = 0; k < n; ++k) {
    int64_t src = 0;
    for (size_t d = 0; d < rank; ++d) src += index[d] * inStrides[static_cast<size_t>(perm[d])];
    if (t.isInt)
      out.i.push_back(t.i[static_cast<size_t>(src)]);
    else
      out.f.push_back(t.f[static_cast<size_t>(src)]);
    for (size_t d = rank; d-- > 0;) {
      if (++index[d] < out.dims[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

std::string dimsText(const Dims& dims) {
  std::string s = "[";
  for (size_t k = 0; k < dims.size(); ++k)
    s += (k ? ", " : "") + (dims[k] == kBatchDim ? std::string("?") : std::to_string(dims[k]));
  return s + "]";
}

}  // namespace graphc
