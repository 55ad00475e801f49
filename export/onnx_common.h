// \file The opset and IR version graphc's ONNX export (export/onnx_export.h) writes, and graphc's
// element types as ONNX's. (The importer, below export/ in the layers, reads opsets 1 to 17 and
// more element types than graphc has: it keeps its own tables.)
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

}  // namespace graphc
