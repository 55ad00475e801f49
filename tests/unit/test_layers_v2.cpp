// \file The v2 layers at the graph level: Keras' parameter counts (each expected count written
// from Keras' formula for the layer, never read from graphc), output shapes as Keras computes
// them, the variables' names and shapes, and the users' errors.
#include <gtest/gtest.h>

#include "frontend/lower_program.h"
#include "frontend/parser.h"
#include "frontend/summary.h"
#include "ir/model.h"
#include "ir/verifier.h"
#include "support/diagnostics.h"
#include "testing/lowering.h"

namespace graphc {
namespace {

Model lower(const std::string& source) { return lowerSource(source); }

std::string commas(int64_t v) {
  std::string s = std::to_string(v);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<size_t>(i), ",");
  return s;
}

struct LayerCase {
  const char* name;
  const char* layer;  // applied to x = placeholder(f32, [?, 12, 10, 6])
  int64_t params;     // from Keras' formula
  const char* shape;  // Keras' output shape
};

// Input: H = 12, W = 10, C = 6.
const LayerCase kCases[] = {
    {"GlobalAveragePooling2D", "GlobalAveragePooling2D(x)", 0, "(None, 6)"},
    {"GlobalMaxPooling2D", "GlobalMaxPooling2D(x)", 0, "(None, 6)"},
    // DepthwiseConv2D: kh * kw * C * M + C * M (bias).
    {"DepthwiseConv2D", "DepthwiseConv2D(x, 3)", 3 * 3 * 6 * 1 + 6 * 1, "(None, 10, 8, 6)"},
    {"DepthwiseConv2DMultiplier", "DepthwiseConv2D(x, [3, 5], depth_multiplier = 2, padding = same, strides = 2)",
     3 * 5 * 6 * 2 + 6 * 2, "(None, 6, 5, 12)"},
    {"DepthwiseConv2DNoBias", "DepthwiseConv2D(x, 3, use_bias = false)", 3 * 3 * 6, "(None, 10, 8, 6)"},
    // SeparableConv2D: kh * kw * C * M + 1 * 1 * (C * M) * filters + filters.
    {"SeparableConv2D", "SeparableConv2D(x, 16, 3, padding = same)", 3 * 3 * 6 + 6 * 16 + 16, "(None, 12, 10, 16)"},
    {"SeparableConv2DMultiplier", "SeparableConv2D(x, 4, 3, depth_multiplier = 3, activation = relu)",
     3 * 3 * 6 * 3 + 6 * 3 * 4 + 4, "(None, 10, 8, 4)"},
    // Conv2DTranspose: kh * kw * filters * C + filters; valid: in * s + max(k - s, 0), same: in * s.
    {"Conv2DTranspose", "Conv2DTranspose(x, 4, 3)", 3 * 3 * 4 * 6 + 4, "(None, 14, 12, 4)"},
    {"Conv2DTransposeSameStride2", "Conv2DTranspose(x, 8, 3, strides = 2, padding = same)", 3 * 3 * 8 * 6 + 8,
     "(None, 24, 20, 8)"},
    {"Conv2DTransposeValidStride2", "Conv2DTranspose(x, 2, [4, 3], strides = 2, use_bias = false)", 4 * 3 * 2 * 6,
     "(None, 26, 21, 2)"},
    {"Conv2DTransposeKernelBelowStride", "Conv2DTranspose(x, 1, 2, strides = 3)", 2 * 2 * 1 * 6 + 1,
     "(None, 36, 30, 1)"},
    // output_padding: (in - 1) * s + k - 2 * pad + output_padding, pad k // 2 for same, 0 for valid.
    {"Conv2DTransposeOutputPadding", "Conv2DTranspose(x, 4, 3, strides = 2, output_padding = 1)", 3 * 3 * 4 * 6 + 4,
     "(None, 26, 22, 4)"},
    {"Conv2DTransposeOutputPaddingSame",
     "Conv2DTranspose(x, 4, 3, strides = 2, padding = same, output_padding = [0, 1])", 3 * 3 * 4 * 6 + 4,
     "(None, 23, 20, 4)"},
    {"UpSampling2D", "UpSampling2D(x)", 0, "(None, 24, 20, 6)"},
    {"UpSampling2DBilinear", "UpSampling2D(x, [3, 2], interpolation = bilinear)", 0, "(None, 36, 20, 6)"},
    {"ZeroPadding2D", "ZeroPadding2D(x)", 0, "(None, 14, 12, 6)"},
    {"ZeroPadding2DPairs", "ZeroPadding2D(x, [[1, 2], [0, 3]])", 0, "(None, 15, 13, 6)"},
    {"Cropping2D", "Cropping2D(x, [2, 1])", 0, "(None, 8, 8, 6)"},
    {"Cropping2DPairs", "Cropping2D(x, [[0, 3], [4, 1]])", 0, "(None, 9, 5, 6)"},
    {"Activation", "Activation(x, gelu)", 0, "(None, 12, 10, 6)"},
    // LayerNormalization over several axes: gamma and beta of their lengths' product each.
    {"LayerNormalizationAxes", "LayerNormalization(x, axis = [-1, -2, -3])", 2 * 12 * 10 * 6, "(None, 12, 10, 6)"},
    {"LayerNormalizationAxes13", "LayerNormalization(x, axis = [3, 1])", 2 * 12 * 6, "(None, 12, 10, 6)"},
};

class V2LayerTest : public ::testing::TestWithParam<LayerCase> {};

TEST_P(V2LayerTest, KerasParameterCountAndOutputShape) {
  const LayerCase& c = GetParam();
  std::string summary = printSummary(lower(std::string("x = placeholder(f32, [?, 12, 10, 6])\ny = ") + c.layer + "\n"));
  EXPECT_NE(summary.find("Total params: " + commas(c.params) + "\n"), std::string::npos) << summary;
  EXPECT_NE(summary.find(c.shape), std::string::npos) << summary;
}

INSTANTIATE_TEST_SUITE_P(Keras, V2LayerTest, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.name); });

struct SequenceCase {
  const char* name;
  const char* layer;  // applied to x = placeholder(f32, [?, 20, 6])
  int64_t params;     // from Keras' formula
  const char* shape;  // Keras' output shape
};

// Input: W = 20, C = 6.
const SequenceCase kSequenceCases[] = {
    // Conv1D: k * C * filters + filters; valid: floor((W - span) / s) + 1, same: ceil(W / s).
    {"Conv1D", "Conv1D(x, 8, 3)", 3 * 6 * 8 + 8, "(None, 18, 8)"},
    {"Conv1DKerasSpelling", "Conv1D(x, 4, kernel_size = 5, strides = 2, padding = same, use_bias = false)", 5 * 6 * 4,
     "(None, 10, 4)"},
    {"Conv1DDilation", "Conv1D(x, 2, 3, dilation = 4)", 3 * 6 * 2 + 2, "(None, 12, 2)"},
    {"MaxPool1D", "MaxPool1D(x)", 0, "(None, 10, 6)"},
    {"AvgPool1D", "AvgPool1D(x, pool_size = 3, strides = 1, padding = same)", 0, "(None, 20, 6)"},
    // LayerNormalization: gamma and beta over the normalized axis, 2 * n.
    {"LayerNormalization", "LayerNormalization(x)", 2 * 6, "(None, 20, 6)"},
    {"LayerNormalizationAxis1", "LayerNormalization(x, axis = 1, epsilon = 1e-5)", 2 * 20, "(None, 20, 6)"},
    // Dense on the last axis: K * units + units.
    {"DenseRank3", "Dense(x, 5)", 6 * 5 + 5, "(None, 20, 5)"},
    {"DenseRank4", "Dense(expand_dims(x, 2), 3, use_bias = false)", 6 * 3, "(None, 20, 1, 3)"},
};

class V2SequenceLayerTest : public ::testing::TestWithParam<SequenceCase> {};

TEST_P(V2SequenceLayerTest, KerasParameterCountAndOutputShape) {
  const SequenceCase& c = GetParam();
  std::string summary = printSummary(lower(std::string("x = placeholder(f32, [?, 20, 6])\ny = ") + c.layer + "\n"));
  EXPECT_NE(summary.find("Total params: " + commas(c.params) + "\n"), std::string::npos) << summary;
  EXPECT_NE(summary.find(c.shape), std::string::npos) << summary;
}

INSTANTIATE_TEST_SUITE_P(Keras, V2SequenceLayerTest, ::testing::ValuesIn(kSequenceCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(V2Calls, SqueezeExpandDimsStackTileAndSliceShapes) {
  Model m = lower(
      "x = placeholder(f32, [?, 4, 1, 3])\n"
      "s = squeeze(x, -2)\n"
      "e = expand_dims(s, 1)\n"
      "k = stack([s, s, s], axis = 2)\n"
      "l = stack([s, s], -1)\n"
      "t = tile(s, [1, 2, 3])\n"
      "c = slice(x, [0, 1, 0, 1], [-1, 2, 1, -1])\n");
  auto shape = [&](const std::string& name) { return m.graph.node(m.graph.findByName(name)).shape; };
  EXPECT_EQ(shape("s"), (Shape{kBatch, 4, 3}));
  EXPECT_EQ(shape("e"), (Shape{kBatch, 1, 4, 3}));
  EXPECT_EQ(shape("k"), (Shape{kBatch, 4, 3, 3}));
  EXPECT_EQ(shape("l"), (Shape{kBatch, 4, 3, 2}));
  EXPECT_EQ(shape("t"), (Shape{kBatch, 8, 9}));
  EXPECT_EQ(shape("c"), (Shape{kBatch, 2, 1, 2}));
}

// split gives a list: parts[i] (negative from the end, a loop index too), or whole to concat.
TEST(V2Calls, SplitGivesPartsByIndexAndAsAList) {
  Model m = lower(
      "x = placeholder(f32, [?, 6, 4])\n"
      "p = split(x, 3, axis = 1)\n"
      "q = split(x, [1, -1, 2], -1)\n"
      "a = p[0]\n"
      "b = q[-1]\n"
      "c = concat(q, 2)\n"
      "d = split(x, 2, 2)[1]\n"
      "for i in range(3) {\n  e = p[i] * 2\n}\n"
      "widths = [4, 8]\n"
      "x2 = reshape(x, [-1, 24])\n"
      "for i in range(2) {\n  w = Dense(x2, widths[i])\n}\n"
      "r = split(x, 2, 1)\n"
      "r = split(r[1], [1, 2], 1)\n"
      "def pair(parts) {\n  return parts[0] + parts[1]\n}\n"
      "s = pair(q)\n"
      "t = pair(split(x, 2, 1))\n");
  auto shape = [&](const std::string& name) {
    int id = m.graph.findByName(name);
    if (id < 0) throw std::runtime_error("no node named " + name);
    return m.graph.node(id).shape;
  };
  EXPECT_EQ(shape("p/0"), (Shape{kBatch, 2, 4}));
  EXPECT_EQ(shape("p/2"), (Shape{kBatch, 2, 4}));
  EXPECT_EQ(shape("q/0"), (Shape{kBatch, 6, 1}));
  EXPECT_EQ(shape("q/1"), (Shape{kBatch, 6, 1}));
  EXPECT_EQ(shape("q/2"), (Shape{kBatch, 6, 2}));
  EXPECT_EQ(m.graph.findByName("a"), -1);  // a binds p/0, which keeps its name
  EXPECT_EQ(shape("c"), (Shape{kBatch, 6, 4}));
  EXPECT_EQ(shape("d"), (Shape{kBatch, 6, 2}));
  EXPECT_EQ(shape("e_2"), (Shape{kBatch, 2, 4}));
  EXPECT_EQ(shape("r_1/1"), (Shape{kBatch, 2, 4}));  // the second split of r read the first one
  EXPECT_EQ(shape("w_1"), (Shape{kBatch, 8}));       // Dense(x2, widths[i]) at i = 1
  EXPECT_EQ(shape("s"), (Shape{kBatch, 6, 1}));      // a split's name passed to a function
  EXPECT_EQ(shape("t"), (Shape{kBatch, 3, 4}));      // a split call as the argument
  const Node& third = m.graph.node(m.graph.findByName("p/2"));
  EXPECT_EQ(third.op, Op::SliceAxis);
  EXPECT_EQ(third.attrs.getInt("begin"), 4);
}

// A rebound name names each new value (h, h_1, h_2, as layers' scopes), inside functions and
// loops too, so that the graph's names stay unique (the verifier's rule).
TEST(V2Calls, ReboundNamesNameEachValue) {
  Model m = lower(
      "x = placeholder(f32, [?, 4, 4, 3])\n"
      "def block(x) {\n  h = relu(BatchNorm(x))\n  h = h * 2\n  return h + x\n}\n"
      "h = x * 2\n"
      "h = h + 1\n"
      "for i in range(2) {\n  h = block(h)\n}\n"
      "m = moments(h, 0)\n"
      "m = moments(x, 0)\n");
  EXPECT_EQ(verifyGraph(m.graph), std::vector<std::string>{});
  for (const char* name : {"h", "h_1", "h/h", "h/h_1", "h_1/h_1", "h_3", "m/mean", "m_1/variance"})
    EXPECT_GE(m.graph.findByName(name), 0) << name;
}

TEST(V2Layers, KerasSpellingsOfKernelAndSize) {
  std::string summary = printSummary(
      lower("x = placeholder(f32, [?, 8, 8, 3])\nc = Conv2D(x, 4, kernel_size = [3, 1])\np = MaxPool2D(c, pool_size = "
            "2)\n"));
  EXPECT_NE(summary.find("(None, 6, 8, 4)"), std::string::npos) << summary;
  EXPECT_NE(summary.find("(None, 3, 4, 4)"), std::string::npos) << summary;
  EXPECT_NE(summary.find("Total params: " + commas(3 * 1 * 3 * 4 + 4) + "\n"), std::string::npos) << summary;
}

TEST(V2Layers, VariablesAreNamedAndShapedAsKeras) {
  Model m = lower(
      "x = placeholder(f32, [?, 8, 8, 3])\n"
      "s = SeparableConv2D(x, 5, 3, depth_multiplier = 2)\n"
      "t = Conv2DTranspose(x, 7, [2, 4])\n");
  auto shape = [&](const std::string& name) {
    int id = m.graph.findByName(name);
    if (id < 0) throw std::runtime_error("no node named " + name);
    return m.graph.node(id).shape;
  };
  EXPECT_EQ(shape("s/depthwise_kernel"), (Shape{3, 3, 3, 2}));
  EXPECT_EQ(shape("s/pointwise_kernel"), (Shape{1, 1, 6, 5}));
  EXPECT_EQ(shape("s/bias"), (Shape{5}));
  EXPECT_EQ(shape("t/kernel"), (Shape{2, 4, 7, 3}));
  EXPECT_EQ(shape("t/bias"), (Shape{7}));
}

TEST(V2Layers, UserErrors) {
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"x = placeholder(f32, [?, 8])\ng = GlobalAveragePooling2D(x)\n", "NHWC input of rank 4"},
      {"x = placeholder(f32, [?, 8, 8, 3])\nd = DepthwiseConv2D(x, 3, depth_multiplier = 0)\n",
       "depth_multiplier must be positive"},
      {"x = placeholder(f32, [?, 8, 8, 3])\nd = SeparableConv2D(x, 3)\n", "argument"},
      {"x = placeholder(f32, [?, 4, 4, 3])\nd = DepthwiseConv2D(x, 5)\n", "does not fit"},
      {"x = placeholder(f32, [?, 3, 3, 2])\nw = placeholder(f32, [3, 3, 2, 2])\n"
       "t = conv2d_transpose(x, w, output_shape = [9, 6], strides = 2, padding = same)\n",
       "does not give back"},
      {"x = placeholder(f32, [?, 3, 3, 2])\nw = placeholder(f32, [3, 3, 2, 4])\nt = conv2d_transpose(x, w)\n",
       "channels"},
      {"x = placeholder(f32, [?, 4, 4, 2])\nc = Cropping2D(x, 2)\n", "leaves no elements"},
      {"x = placeholder(f32, [?, 4, 4, 2])\nc = ZeroPadding2D(x, [[1, 2], [3]])\n", "[before, after] pairs"},
      {"x = placeholder(f32, [?, 4, 4, 2])\nu = UpSampling2D(x, interpolation = bicubic)\n", "nearest or bilinear"},
      {"x = placeholder(f32, [?, 4, 4, 2])\np = pad(x, [[0, 0], [4, 0], [0, 0], [0, 0]], mode = reflect)\n",
       "between 0 and 3"},
      {"x = placeholder(f32, [?, 4, 4, 2])\np = pad(x, [[0, 0], [1, 1]])\n", "pair for each of the 4 axes"},
      {"x = placeholder(f32, [?, 4, 4, 2])\nr = resize(x, [8, 8], method = area)\n", "nearest or bilinear"},
      {"x = placeholder(f32, [?, 4, 4, 2])\nc = Conv1D(x, 2, 3)\n", "of rank 3"},
      {"x = placeholder(f32, [?, 4, 4, 2])\ns = squeeze(x, 1)\n", "not an axis of length 1"},
      {"x = placeholder(f32, [?, 4])\ns = stack([x, x], 0)\n", "other than the batch"},
      {"x = placeholder(f32, [?, 4])\nt = tile(x, [2, 1])\n", "batch axis"},
      {"x = placeholder(f32, [?, 4])\nt = slice(x, [0, 2], [-1, 3])\n", "outside"},
      {"x = placeholder(f32, [?, 4, 2])\nn = LayerNormalization(x, axis = 0)\n", "other than the batch"},
      {"x = placeholder(f32, [?, 4, 2])\nn = LayerNormalization(x, axis = [1, -2])\n", "distinct axes"},
      {"x = placeholder(f32, [?, 4, 2])\nn = LayerNormalization(x, axis = [1, 3])\n", "found axis 3"},
      {"x = placeholder(f32, [?, 4, 4, 2])\nt = Conv2DTranspose(x, 2, 3, strides = 2, output_padding = 2)\n",
       "less than the stride 2"},
      {"x = placeholder(f32, [?, 4, 4, 2])\na = Activation(x, gelo)\n", "did you mean 'gelu'?"},
      {"x = placeholder(f32, [?, 4, 4, 2])\na = Activation(x)\n", "argument"},
      {"x = placeholder(f32, [?, 6])\np = split(x, 4, 1)\n", "do not divide the axis' length 6"},
      {"x = placeholder(f32, [?, 6])\np = split(x, 2)\n", "the batch's cannot be split"},
      {"x = placeholder(f32, [?, 6])\np = split(x, [2, 3], 1)\n", "add up to the axis' length 6"},
      {"x = placeholder(f32, [?, 6])\np = split(x, [-1, 2, -1], 1)\n", "sizes must be positive"},
      {"x = placeholder(f32, [?, 6])\np = split(x, 2, 1)\ny = p[2]\n", "outside the 2 values"},
      {"x = placeholder(f32, [?, 6])\np = split(x, 2, 1)\ny = p + 1\n", "use p[0], p[1]"},
      {"x = placeholder(f32, [?, 6])\ny = split(x, 2, 1) + 1\n", "split gives a list"},
      {"x = placeholder(f32, [?, 6])\ny = concat(x, 1)\n", "a list of values"},
      {"w = [1, 2]\nx = placeholder(f32, [?, w[2]])\n", "outside the list of 2 items"},
  };
  expectLoweringErrors(cases);
}

}  // namespace
}  // namespace graphc
