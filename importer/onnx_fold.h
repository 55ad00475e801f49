// \file Arithmetic on constants at import time: the shape computations PyTorch exports
// (Shape -> Gather -> Unsqueeze -> Concat -> Reshape) and arithmetic on initializers fold to
// constants, so the .mnn file gets fixed shapes and precomputed weights.
#pragma once

#include <functional>
#include <optional>

#include "importer/onnx_tensor.h"

namespace graphc {

// The batch's size inside a folded shape (Shape of a value with a `?` dimension): reshape writes
// it as `?`; arithmetic on it is a dynamic shape graphc cannot fix.
constexpr int64_t kSymbolicBatch = -(int64_t{1} << 62);

// NumPy broadcasting of two ONNX shapes (kBatchDim broadcasts as a dimension of its own);
// nullopt when they do not broadcast.
std::optional<Dims> broadcastDims(const Dims& a, const Dims& b);

// a OP b element by element with broadcasting, as integers when both are, else as floats.
// nullopt when an integer operand holds kSymbolicBatch (the caller reports a dynamic shape).
std::optional<Tensor> foldBinary(const Tensor& a, const Tensor& b, const Dims& out,
                                 const std::function<double(double, double)>& op);

// t with its dimensions replaced (same elements).
Tensor reshaped(Tensor t, Dims dims);

}  // namespace graphc
