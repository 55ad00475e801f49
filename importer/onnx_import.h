// \file `graphc import`: an ONNX model translated into a readable .mnn file (one statement per
// node, names from the ONNX graph) and its initializers, for a safetensors file beside it.
//
// graphc is NHWC and ONNX models (as PyTorch exports them) are NCHW: every 4-D value of the ONNX
// graph is kept as NHWC in the .mnn file. Convolution and pooling weights are rearranged at import
// (Conv's OIHW to graphc's HWIO, ConvTranspose's to [kh, kw, filters, C]), constants of 4-D
// arithmetic are permuted, and a transpose is written only where an op needs ONNX's own order
// (Flatten, Reshape, MatMul of a 4-D value). 4-D graph inputs and outputs are NHWC, so the
// imported model takes the images of a data set as they come (docs/onnx.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace graphc {

struct ImportOptions {
  // The train block's data source (`mnist(scale = 1/255)`); empty: no train block.
  std::string data;
  // The model's name (`model NAME`): the output file's stem.
  std::string modelName;
};

// One weight of the imported model, under its .mnn variable name, in graphc's layout.
struct ImportedTensor {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<float> values;
};

struct ImportedModel {
  std::string mnn;                      // the .mnn file's text
  std::vector<ImportedTensor> tensors;  // every variable it declares
};

// The ONNX ops graphc import translates, sorted (the supported list of its messages).
const std::vector<std::string>& supportedOnnxOps();
// Those of them that fold to constants at import time only (shape arithmetic): on values the
// graph computes they are unsupported.
const std::vector<std::string>& foldedOnlyOnnxOps();

// Translates the serialized ONNX model bytes read from path (which names the file in messages).
// Anything graphc cannot translate (a malformed or truncated file, an unknown opset, an
// unsupported op or attribute, a shape it cannot fix) is an InputError naming the file and the
// node.
ImportedModel importOnnx(const std::string& path, const std::string& bytes, const ImportOptions& options);

// The same on the file at path, read boundedly (support/regular_file.h).
ImportedModel importOnnxFile(const std::string& path, const ImportOptions& options);

}  // namespace graphc
