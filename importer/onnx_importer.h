// \file The state of one import, shared by the op translators (onnx_ops_*.cpp): the values of
// the ONNX graph as .mnn expressions or constants, and the statements written so far.
#pragma once

#include <onnx/onnx_pb.h>

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "importer/onnx_import.h"
#include "importer/onnx_tensor.h"

namespace graphc {

// An ONNX value as the .mnn file holds it.
struct Value {
  std::string expr;   // the .mnn expression (a binding's name); empty for a constant not yet written
  Dims dims;          // ONNX's dimensions, in ONNX's order
  bool nhwc = false;  // a 4-D value stored as [N, H, W, C] (ONNX's [N, C, H, W] permuted)
  bool isInt = false;
  std::optional<Tensor> constant;      // the value, when it is known at import time
  bool weight = false;                 // an initializer: a trainable variable when written
  std::string variable, nhwcVariable;  // a constant's variables, once written (ONNX's order, NHWC)
  std::string producer;                // the op type of the node that computed it
};

// The axes permutations between ONNX's NCHW and graphc's NHWC.
extern const std::vector<int> kToNhwc;  // {0, 2, 3, 1}
extern const std::vector<int> kToNchw;  // {0, 3, 1, 2}

class Importer {
 public:
  Importer(const onnx::ModelProto& model, std::string path, ImportOptions options);
  ImportedModel run();

  // --- For the op translators, about the current node ---
  const onnx::NodeProto& node() const { return *node_; }
  int opset() const { return opset_; }
  size_t inputCount() const;  // inputs given (an empty name counts as absent)
  bool hasInput(size_t i) const;
  const Value& input(size_t i) const;
  // The input's constant value; fails naming what when it is not known at import time.
  const Tensor& constantInput(size_t i, const std::string& what) const;
  // A constant input ONNX makes a scalar (one value); fails naming what when it has another count.
  double scalarInput(size_t i, const std::string& what) const;
  // The input as a .mnn expression in the layout asked for (nhwc only for 4-D values).
  std::string operand(size_t i, bool nhwc);
  std::string asLayout(const Value& v, bool nhwc);
  // A constant written as a variable (with its values for the safetensors file); trainable for
  // an initializer's weights. hint names it.
  std::string variable(const Tensor& t, const std::string& hint, bool trainable);
  // A scalar constant as a .mnn number.
  static std::string number(double v);
  static std::string intList(const std::vector<int64_t>& v);  // "[1, -1]"
  static std::string shapeList(const Dims& dims);             // "[?, 28, 28, 1]": the batch as `?`
  // An ONNX axis (negative from the end) in [0, rank); fails when outside.
  int64_t axis(int64_t a, size_t rank) const;

  // Fails on a shape beyond graphc (shapeProblem): called before a shape is allocated or used.
  void checkShape(const Dims& dims) const;

  // Binds output k of the node to expr (one statement), with its ONNX dimensions and layout.
  void define(size_t k, const std::string& expr, const Dims& dims, bool nhwc, bool isInt = false);
  // Output k is a constant known at import time (written only if a graph op uses it).
  void defineConstant(size_t k, Tensor t);
  // Output k is the value v itself (Identity, Dropout).
  void alias(size_t k, const Value& v);
  size_t outputCount() const;

  // Attributes of the current node; integers saturated (saturatedInt).
  bool hasAttr(const std::string& name) const;
  int64_t attrInt(const std::string& name, int64_t fallback) const;
  float attrFloat(const std::string& name, float fallback) const;
  std::vector<int64_t> attrInts(const std::string& name, std::vector<int64_t> fallback = {}) const;
  // An integer list of sizes (pads, kernel, strides, dilations, output shapes): each within
  // +-kMaxElements, else a failure naming the attribute.
  std::vector<int64_t> attrSizes(const std::string& name, std::vector<int64_t> fallback = {}) const;
  // Fails unless every value is within +-kMaxElements.
  void checkSizes(const std::vector<int64_t>& values, const std::string& what) const;
  std::vector<float> attrFloats(const std::string& name) const;
  std::string attrString(const std::string& name, const std::string& fallback) const;
  Tensor attrTensor(const std::string& name) const;

  // An InputError: "FILE: node 'NAME' (OP): message".
  [[noreturn]] void fail(const std::string& message) const;
  // "unsupported ..." failure for an attribute value graphc cannot translate.
  [[noreturn]] void unsupported(const std::string& what) const;

 private:
  const onnx::AttributeProto* attr(const std::string& name) const;
  std::string bindingName(const std::string& onnxName);
  void readInputs();
  void writeOutputs();
  void writeTrainBlock();
  std::string nodeLabel() const;

  const onnx::ModelProto& model_;
  std::string path_;
  ImportOptions options_;
  int opset_ = 0;
  const onnx::NodeProto* node_ = nullptr;
  std::map<std::string, Value> values_;
  std::set<std::string> usedNames_;
  std::map<std::string, std::string> bindings_;  // ONNX name -> .mnn name
  std::vector<std::string> header_, inputs_, weights_, body_, outputs_;
  std::vector<ImportedTensor> tensors_;
  std::string firstInput_;  // the ONNX name of the first graph input (the image feed)
  std::string outputName_;  // the .mnn name of the first graph output (the class scores)
  Dims outputDims_;
  std::string outputOp_;
};

// One translator per ONNX op type; it reads the node from the importer and defines its outputs.
using OpTranslator = std::function<void(Importer&)>;
using OpTable = std::map<std::string, OpTranslator>;
void addNnOps(OpTable& table);     // onnx_ops_nn.cpp: convolution, pooling, normalization, resize
void addMathOps(OpTable& table);   // onnx_ops_math.cpp: arithmetic, activations, matrix products
void addShapeOps(OpTable& table);  // onnx_ops_shape.cpp: reshapes, concat, pad, shape arithmetic
const OpTable& opTable();

}  // namespace graphc
