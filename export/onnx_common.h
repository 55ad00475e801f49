// \file What graphc's ONNX export (export/onnx_export.h) and import share: the opset and IR version
// they write and read, and the mapping between graphc's element types and ONNX's.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>

#include "ir/types.h"

namespace graphc {

// ONNX opset 13 (ONNX 1.8): what onnx 1.12's checker and ONNX Runtime support fully, and the
// opset PyTorch exports by default. The IR version that goes with it is 7.
constexpr int64_t kOnnxOpset = 13;
constexpr int64_t kOnnxIrVersion = 7;

inline onnx::TensorProto_DataType onnxElementType(DType t) {
  switch (t) {
    case DType::F32:
      return onnx::TensorProto_DataType_FLOAT;
    case DType::I32:
      return onnx::TensorProto_DataType_INT32;
    case DType::Bool:
      return onnx::TensorProto_DataType_BOOL;
  }
  return onnx::TensorProto_DataType_UNDEFINED;
}

// graphc's element type for an ONNX one; false for those graphc has none of (int64, float16...).
inline bool dtypeOfOnnx(int32_t onnxType, DType* out) {
  switch (onnxType) {
    case onnx::TensorProto_DataType_FLOAT:
      *out = DType::F32;
      return true;
    case onnx::TensorProto_DataType_INT32:
      *out = DType::I32;
      return true;
    case onnx::TensorProto_DataType_BOOL:
      *out = DType::Bool;
      return true;
    default:
      return false;
  }
}

}  // namespace graphc
