// \file graphc import's translation rules, on the small models of tests/fuzz/corpus/onnx_import
// (made with ONNX's own helpers): weights rearranged to graphc's layouts element by element (the
// numbers of whole models are checked against ONNX's outputs by tests/onnx/node_tests.py), the
// shape chain PyTorch exports folded to a constant reshape, and errors naming the node and op.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "driver/pipeline.h"
#include "importer/onnx_import.h"
#include "support/diagnostics.h"

namespace graphc {
namespace {

std::string corpusFile(const std::string& name) {
  std::ifstream in(std::string(GRAPHC_SOURCE_DIR) + "/tests/fuzz/corpus/onnx_import/" + name, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

const ImportedTensor& tensorNamed(const ImportedModel& m, const std::string& name) {
  for (const ImportedTensor& t : m.tensors)
    if (t.name == name) return t;
  throw std::runtime_error("no tensor " + name);
}

// The initializer's values as ONNX stores them (row-major little-endian floats in raw_data, as
// numpy_helper.from_array writes them).
std::vector<float> initializer(const std::string& bytes, const std::string& name) {
  onnx::ModelProto model;
  EXPECT_TRUE(model.ParseFromString(bytes));
  for (const auto& t : model.graph().initializer())
    if (t.name() == name) {
      std::vector<float> v(t.raw_data().size() / sizeof(float));
      std::memcpy(v.data(), t.raw_data().data(), v.size() * sizeof(float));
      return v;
    }
  ADD_FAILURE() << "no initializer " << name;
  return {};
}

TEST(OnnxImport, ConvWeightsBecomeHwioAndDepthwiseKernels) {
  std::string bytes = corpusFile("cnn.onnx");
  ImportedModel m = importOnnx("cnn.onnx", bytes, {});
  // Conv weight w is [O=2, I=1, 3, 3] in ONNX; graphc's HWIO [3, 3, 1, 2] has w[o][i][h][x] at [h][x][i][o].
  const ImportedTensor& w = tensorNamed(m, "w");
  ASSERT_EQ(w.shape, (std::vector<int64_t>{3, 3, 1, 2}));
  std::vector<float> onnx = initializer(bytes, "w");
  ASSERT_EQ(onnx.size(), 18u);
  for (int o = 0; o < 2; ++o)
    for (int h = 0; h < 3; ++h)
      for (int x = 0; x < 3; ++x)
        EXPECT_EQ(w.values[static_cast<size_t>((h * 3 + x) * 2 + o)], onnx[static_cast<size_t>(o * 9 + h * 3 + x)]);
  // Gemm's B with transB = 1 is [N=3, K=8]; graphc's matmul takes [K, N].
  const ImportedTensor& g = tensorNamed(m, "g");
  ASSERT_EQ(g.shape, (std::vector<int64_t>{8, 3}));
  std::vector<float> gOnnx = initializer(bytes, "g");
  ASSERT_EQ(gOnnx.size(), 24u);
  for (int n = 0; n < 3; ++n)
    for (int k = 0; k < 8; ++k)
      EXPECT_EQ(g.values[static_cast<size_t>(k * 3 + n)], gOnnx[static_cast<size_t>(n * 8 + k)]);
  // The input is NHWC, padding 1 around a 3x3 kernel is TensorFlow's same, Flatten reads ONNX's order.
  EXPECT_NE(m.mnn.find("x = placeholder(f32, [?, 4, 4, 1])"), std::string::npos) << m.mnn;
  EXPECT_NE(m.mnn.find("conv2d(x, w, strides = [1, 1], padding = same) + b"), std::string::npos) << m.mnn;
  EXPECT_NE(m.mnn.find("reshape(transpose(n, [0, 3, 1, 2]), [?, 8])"), std::string::npos) << m.mnn;
  loadModelSource("cnn.mnn", m.mnn);  // graphc accepts the translation

  ImportedModel v2 = importOnnx("v2_ops.onnx", corpusFile("v2_ops.onnx"), {});
  // Depthwise Conv (group 2, one input channel per group): [C*M=2, 1, 3, 3] to [3, 3, C=2, M=1].
  EXPECT_EQ(tensorNamed(v2, "dw").shape, (std::vector<int64_t>{3, 3, 2, 1}));
  EXPECT_NE(v2.mnn.find("depthwise_conv2d(x, dw"), std::string::npos) << v2.mnn;
  loadModelSource("v2_ops.mnn", v2.mnn);
}

TEST(OnnxImport, ShapeChainFoldsToAConstantReshape) {
  ImportedModel m = importOnnx("shape_chain.onnx", corpusFile("shape_chain.onnx"), {});
  EXPECT_NE(m.mnn.find("y = reshape(transpose(x, [0, 3, 1, 2]), [?, 18])"), std::string::npos) << m.mnn;
  EXPECT_EQ(m.mnn.find("Shape"), std::string::npos) << "the folded nodes leave no statement:\n" << m.mnn;
}

TEST(OnnxImport, TrainBlockFeedsImagesAndLabels) {
  ImportOptions options;
  options.data = "mnist(scale = 1/255)";
  ImportedModel m = importOnnx("cnn.onnx", corpusFile("cnn.onnx"), options);
  // The output is a Softmax: Keras' cross-entropy on probabilities.
  EXPECT_NE(m.mnn.find("loss = sparse_categorical_crossentropy(y, labels)"), std::string::npos) << m.mnn;
  EXPECT_NE(m.mnn.find("feed      = {x: image, labels: label}"), std::string::npos) << m.mnn;
  Model model = loadModelSource("cnn.mnn", m.mnn);
  EXPECT_TRUE(model.train.present);
}

TEST(OnnxImport, ErrorsNameTheFileTheNodeAndTheOp) {
  onnx::ModelProto model;
  ASSERT_TRUE(model.ParseFromString(corpusFile("cnn.onnx")));
  model.mutable_graph()->mutable_node(1)->set_op_type("Relux");
  try {
    importOnnx("m.onnx", model.SerializeAsString(), {});
    FAIL() << "no error";
  } catch (const InputError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("m.onnx: node "), std::string::npos) << what;
    EXPECT_NE(what.find("unsupported op 'Relux' (did you mean 'Relu'?"), std::string::npos) << what;
    EXPECT_NE(what.find("graphc import translates: Abs, Add"), std::string::npos) << what;
  }
  std::string bytes = corpusFile("cnn.onnx");
  EXPECT_THROW(importOnnx("cut.onnx", bytes.substr(0, bytes.size() / 2), {}), InputError);
}

// Sizes beyond 2^30 and shapes beyond graphc's limits exit with the file's value named, before any
// arithmetic on them (the hostile models of tests/fuzz/regressions/onnx_import; the first is the
// Pad whose pads overflowed int64 in CI's fuzzer).
// The import error of a hostile model of tests/fuzz/regressions/onnx_import ("no error" if none).
std::string regressionError(const std::string& file) {
  std::ifstream in(std::string(GRAPHC_SOURCE_DIR) + "/tests/fuzz/regressions/onnx_import/" + file, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  try {
    importOnnx(file, s.str(), {});
  } catch (const InputError& e) {
    return std::string(e.what());
  }
  return std::string("no error");
}

TEST(OnnxImport, SizesBeyondTheLimitsAreNamedNotComputed) {
  auto message = regressionError;
  EXPECT_NE(message("pad-sum-overflows-int64.onnx").find("Pad pads holds 7308322947943366657, outside"),
            std::string::npos);
  EXPECT_NE(message("conv-pads-int64-max.onnx").find("pads holds 9223372036854775807, outside"), std::string::npos);
  EXPECT_NE(message("reshape-target-product-overflows-int64.onnx").find("shape entry 1 is 1099511627776"),
            std::string::npos);
  EXPECT_NE(message("avgpool-counts-of-a-huge-output.onnx").find("each dimension must be 0 to 1073741824"),
            std::string::npos);
  EXPECT_NE(message("input-dims-beyond-the-limit.onnx").find("graph input 'x': a value of shape"), std::string::npos);
}

// Fuzz findings: a scalar input given as an empty tensor, and a node without outputs, were read
// past their ends; both are named errors now.
TEST(OnnxImport, ScalarInputsAndOutputlessNodesAreNamed) {
  EXPECT_NE(regressionError("clip-empty-bound.onnx").find("the Clip minimum (input 'lo') has 0 values"),
            std::string::npos);
  EXPECT_NE(regressionError("pool-node-without-outputs.onnx").find("(AveragePool): the node has no output"),
            std::string::npos);
}

}  // namespace
}  // namespace graphc
