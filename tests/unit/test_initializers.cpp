// \file The initializers added in version 2 of the language against Keras' formulas (written
// here from Keras' documentation, not read from graphc): the spread of glorot_normal,
// he_uniform and lecun_normal from the fans (Keras' compute_fans, a Conv1D kernel's too), and
// orthogonal's orthonormal rows or columns; the layers' kernel_initializer and bias_initializer,
// and their regularizers (Keras: l2(c) adds c * sum(w^2), l1(c) c * sum(|w|)) in the minimized loss.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>

#include "frontend/lower_program.h"
#include "frontend/parser.h"
#include "ir/model.h"
#include "runtime/initializers.h"
#include "testing/reference_ops.h"

namespace graphc {
namespace {

std::vector<double> draw(const std::string& init, const Shape& shape) {
  Node v;
  v.name = "layer/kernel";
  v.shape = shape;
  v.attrs.set("init", init);
  std::vector<int> extents(shape.rbegin(), shape.rend());
  Halide::Buffer<float> buf(extents);
  initializeVariable(v, 7, buf);
  return std::vector<double>(buf.data(), buf.data() + buf.number_of_elements());
}

double stddev(const std::vector<double>& x) {
  double mean = 0, var = 0;
  for (double v : x) mean += v / static_cast<double>(x.size());
  for (double v : x) var += (v - mean) * (v - mean) / static_cast<double>(x.size());
  return std::sqrt(var);
}

double maxAbs(const std::vector<double>& x) {
  double m = 0;
  for (double v : x) m = std::max(m, std::fabs(v));
  return m;
}

// A Conv1D kernel [k = 5, C = 40, F = 60]: fan_in = 5 * 40 = 200, fan_out = 5 * 60 = 300.
TEST(Initializers, SpreadFollowsKerasFormulas) {
  const Shape kernel = {5, 40, 60};
  const double fanIn = 200, fanOut = 300;
  // Keras' variance-scaling normals are truncated at 2 stddev and have exactly the stddev asked.
  std::vector<double> g = draw("glorot_normal", kernel);
  EXPECT_NEAR(stddev(g), std::sqrt(2 / (fanIn + fanOut)), 0.02 * std::sqrt(2 / (fanIn + fanOut)));
  EXPECT_LE(maxAbs(g), 2 * std::sqrt(2 / (fanIn + fanOut)) / 0.87962566103423978 + 1e-6);
  std::vector<double> l = draw("lecun_normal", kernel);
  EXPECT_NEAR(stddev(l), std::sqrt(1 / fanIn), 0.02 * std::sqrt(1 / fanIn));
  // Uniform in [-limit, limit], limit = sqrt(6 / fan_in): stddev limit / sqrt(3).
  std::vector<double> h = draw("he_uniform", kernel);
  double limit = std::sqrt(6 / fanIn);
  EXPECT_LE(maxAbs(h), limit);
  EXPECT_GT(maxAbs(h), 0.99 * limit);
  EXPECT_NEAR(stddev(h), limit / std::sqrt(3.0), 0.02 * limit / std::sqrt(3.0));
}

// Rows x cols = (prod of every axis but the last) x last: orthonormal columns when tall,
// orthonormal rows when wide.
TEST(Initializers, OrthogonalIsOrthonormal) {
  for (Shape shape : {Shape{3, 3, 4, 8}, Shape{6, 20}, Shape{16, 16}}) {
    std::vector<double> q = draw("orthogonal", shape);
    size_t cols = static_cast<size_t>(shape.back()), rows = q.size() / cols;
    bool tall = rows >= cols;
    size_t n = tall ? cols : rows, len = tall ? rows : cols;
    auto at = [&](size_t vec, size_t i) { return tall ? q[i * cols + vec] : q[vec * cols + i]; };
    for (size_t a = 0; a < n; ++a)
      for (size_t b = 0; b < n; ++b) {
        double dot = 0;
        for (size_t i = 0; i < len; ++i) dot += at(a, i) * at(b, i);
        EXPECT_NEAR(dot, a == b ? 1.0 : 0.0, 1e-5) << shapeToString(shape) << " " << a << "," << b;
      }
  }
}

TEST(Initializers, LayersTakeKernelAndBiasInitializers) {
  Model m = lowerProgram(parseProgram("test.mnn",
                                      "x = placeholder(f32, [?, 8, 8, 3])\n"
                                      "c = Conv2D(x, 4, 3, kernel_initializer = he_uniform(), bias_initializer = 0.1)\n"
                                      "s = SeparableConv2D(c, 4, 3, kernel_initializer = orthogonal)\n"
                                      "d = Dense(Flatten(s), 5, kernel_initializer = lecun_normal, "
                                      "bias_initializer = glorot_normal())\n"));
  auto init = [&](const std::string& name) { return m.graph.node(m.graph.findByName(name)).attrs.getString("init"); };
  EXPECT_EQ(init("c/kernel"), "he_uniform");
  EXPECT_EQ(init("c/bias"), "constant");
  EXPECT_EQ(init("s/depthwise_kernel"), "orthogonal");
  EXPECT_EQ(init("s/pointwise_kernel"), "orthogonal");
  EXPECT_EQ(init("s/bias"), "zeros");
  EXPECT_EQ(init("d/kernel"), "lecun_normal");
  EXPECT_EQ(init("d/bias"), "glorot_normal");
}

// Keras' own argument names for the depthwise and pointwise kernels win over kernel_initializer.
TEST(Initializers, DepthwiseAndPointwiseTakeKerasNames) {
  Model m = lowerProgram(
      parseProgram("test.mnn",
                   "x = placeholder(f32, [?, 8, 8, 3])\n"
                   "d = DepthwiseConv2D(x, 3, depthwise_initializer = he_uniform, "
                   "depthwise_regularizer = l2(0.01))\n"
                   "s = SeparableConv2D(d, 4, 3, kernel_initializer = ones, depthwise_initializer = "
                   "orthogonal, pointwise_initializer = lecun_normal, pointwise_regularizer = l1(0.1))\n"));
  auto init = [&](const std::string& name) { return m.graph.node(m.graph.findByName(name)).attrs.getString("init"); };
  EXPECT_EQ(init("d/depthwise_kernel"), "he_uniform");
  EXPECT_EQ(init("s/depthwise_kernel"), "orthogonal");
  EXPECT_EQ(init("s/pointwise_kernel"), "lecun_normal");
  EXPECT_EQ(m.regularizers.size(), 2u);
}

TEST(Regularizers, AreAddedToTheMinimizedLoss) {
  Model m = lowerProgram(parseProgram("test.mnn",
                                      "x = placeholder(f32, [?, 4])\n"
                                      "y = placeholder(i32, [?])\n"
                                      "d = Dense(x, 3, kernel_regularizer = l2(0.01), bias_regularizer = l1(0.1))\n"
                                      "e = Dense(d, 2, kernel_regularizer = l1_l2(l1 = 0.001, l2 = 0.002))\n"
                                      "loss = softmax_cross_entropy(e, y)\n"
                                      "train {\n  data = mnist()\n  feed = {x: image, y: label}\n"
                                      "  optimizer = sgd()\n  minimize = loss\n}\n"));
  int reg = m.graph.findByName("regularization_loss");
  ASSERT_GE(reg, 0);
  const Node& total = m.graph.node(m.train.minimize);
  EXPECT_EQ(total.op, Op::Add);
  EXPECT_EQ(total.inputs, (std::vector<int>{m.graph.findByName("loss"), reg}));
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> u(-1, 1);
  std::map<int, RefTensor> sources;
  auto fill = [&](const std::string& name) {
    int id = m.graph.findByName(name);
    RefTensor t = zeros(m.graph.node(id).shape);
    for (double& v : t.data) v = u(rng);
    sources[id] = t;
    return t.data;
  };
  std::vector<double> w1 = fill("d/kernel"), b1 = fill("d/bias"), w2 = fill("e/kernel");
  fill("e/bias");
  double want = 0;
  for (double v : w1) want += 0.01 * v * v;
  for (double v : b1) want += 0.1 * std::fabs(v);
  for (double v : w2) want += 0.001 * std::fabs(v) + 0.002 * v * v;
  EXPECT_NEAR(evaluateReference(m.graph, {reg}, sources).at(reg).data[0], want, 1e-12);
}

}  // namespace
}  // namespace graphc
