// \file The forward graph as an ONNX model (`graphc export`): the image placeholder as the graph's
// input (NHWC, the batch dimension symbolic), the class scores (or the prediction of a model
// without them, forward_graph.h) as its output, the variables as initializers; built with ONNX's
// protobuf classes and checked with ONNX's checker.
#pragma once

#include <map>
#include <string>

#include "export/forward_graph.h"

namespace graphc {

// What to export (forward_graph.h) and what the model file says about itself.
struct OnnxExportOptions : ForwardGraphOptions {
  std::string producerVersion;                  // graphc's version
  std::map<std::string, std::string> metadata;  // the model's metadata_props (graphc.pixel_scale, graphc.scores...)
};

// The ModelProto's bytes (opset kOnnxOpset of export/onnx_common.h). graphc's conv2d, pooling and
// depthwise and transposed convolutions take NHWC values and ONNX's NCHW: each is wrapped in
// Transpose nodes (ONNX Runtime's optimizer cancels the pairs), and filters are transposed from
// graphc's HWIO. An op of the forward graph without an ONNX form, or a placeholder that is neither
// the input nor fixed, is a UserError at its node naming the node and the op; a model ONNX's
// checker rejects is an InternalError.
std::string exportOnnx(const Graph& graph, const OnnxExportOptions& options);

}  // namespace graphc
