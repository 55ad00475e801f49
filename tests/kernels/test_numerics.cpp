// \file Numerics of the long reductions: every reduction-bearing op and layer run through Halide on
// inputs with many terms (50,000 and more) and a large dynamic range, compared with the float64
// references, with a relative bound (1e-6) that a sequential float32 sum fails. Each test also
// computes that sequential float32 sum (what graphc lowered every reduction to before issue 19)
// and checks that it does exceed the bound on the same data, so the bound keeps its teeth.
//
// Worst relative errors measured with the lowering before issue 19 (one float32 accumulator in
// sequence) and after (chunks of 64, their sums added in float64), each test printing its own:
//   reduce_sum / reduce_mean per channel of [64,28,28,8]   3.0e-6 -> 2.8e-8
//   reduce_sum of 100,000 terms from 1e-4 to 1e8           4.1e-6 -> 1.1e-7
//   batch mean / batch variance                            5.7e-6 / 7.5e-6 -> 4.3e-8 / 4.0e-8
//   sum_like (bias gradient), 8 / 6 channels                5.7e-6 / 1.8e-6 -> 3.3e-8 / 2.9e-8
//   filter gradient, 8 output channels                      9.1e-6 -> 5.1e-8
//   probs_cross_entropy over 60,000 rows                    3.3e-6 -> 4.1e-9
//   BatchNorm's batch variance on MNIST, worst of 8 channels 5.3e-4 -> 1.2e-7
//   exp(1e30), exp(+inf), exp(NaN), sigmoid(-1e30), inf * 0   0, 0, 0, 1, 0 -> inf, inf, NaN, 0, NaN
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <limits>
#include <random>

#include "frontend/lower_program.h"
#include "frontend/parser.h"
#include "ir/model.h"
#include "kernels/kernel_fixture.h"
#include "runtime/idx.h"

namespace graphc {
namespace {

constexpr double kBound = 1e-6;  // relative; PyTorch's cascade sums stay within a few 1e-7 here

class NumericsTest : public KernelTest {
 protected:
  // The one output value of node `id` computed by Halide and by the float64 references.
  std::pair<RefTensor, RefTensor> both(int id) {
    RefTensor got = runHalide(g, {id}, feeds)[0];
    RefTensor want = evaluateReference(g, {id}, feeds).at(id);
    return {got, want};
  }
  // Checks the largest relative error against kBound and prints it (the figures of the note).
  static void expectWithinBound(const RefTensor& got, const RefTensor& want, const std::string& what) {
    double worst = worstRelative(got, want);
    std::cout << "[numerics] " << what << ": worst relative error " << worst << "\n";
    EXPECT_LE(worst, kBound) << what;
  }
  // Largest |got - want| / |want| over the elements.
  static double worstRelative(const RefTensor& got, const RefTensor& want) {
    EXPECT_EQ(got.shape, want.shape);
    double worst = 0;
    for (size_t i = 0; i < want.data.size(); ++i)
      worst = std::max(worst, std::abs(got.data[i] - want.data[i]) / std::abs(want.data[i]));
    return worst;
  }
};

// The sequential float32 sum the old lowering computed, one accumulator in index order.
double sequentialFloatSum(const std::vector<double>& values, size_t begin, size_t count, size_t stride) {
  float sum = 0;
  for (size_t i = 0; i < count; ++i) sum += static_cast<float>(values[begin + i * stride]);
  return sum;
}

double exactSum(const std::vector<double>& values, size_t begin, size_t count, size_t stride) {
  double sum = 0;
  for (size_t i = 0; i < count; ++i) sum += values[begin + i * stride];
  return sum;
}

// Per-channel sums over [N,H,W,C]: the worst relative error of a sequential float32 sum.
double sequentialChannelError(const RefTensor& x) {
  size_t channels = static_cast<size_t>(x.shape.back()), count = x.data.size() / channels;
  double worst = 0;
  for (size_t c = 0; c < channels; ++c) {
    double exact = exactSum(x.data, c, count, channels);
    worst = std::max(worst, std::abs(sequentialFloatSum(x.data, c, count, channels) - exact) / std::abs(exact));
  }
  return worst;
}

Attrs axes(std::vector<int64_t> a, int64_t keep = 0) { return Attrs().set("axes", a).set("keepdims", keep); }

TEST_F(NumericsTest, ReduceSumAndMeanOfFiftyThousandTerms) {
  RefTensor xv = randomTensor({50176}, rng, 0, 2);
  int x = input("x", xv);
  for (Op name : {Op::ReduceSum, Op::ReduceMean}) {
    auto [got, want] = both(op(name, {x}, axes({0})));
    expectWithinBound(got, want, opName(name) + " of 50,176 terms");
  }
  double exact = exactSum(xv.data, 0, xv.data.size(), 1);
  EXPECT_GT(std::abs(sequentialFloatSum(xv.data, 0, xv.data.size(), 1) - exact) / exact, kBound);
}

TEST_F(NumericsTest, ReduceSumPerChannelOverBatchAndImage) {
  // BatchNorm's shape: 64 images of 28x28, 8 channels, each channel summed over 50,176 values.
  RefTensor xv = randomTensor({64, 28, 28, 8}, rng, 0.5, 1.5);
  int x = input("x", xv);
  for (Op name : {Op::ReduceSum, Op::ReduceMean}) {
    auto [got, want] = both(op(name, {x}, axes({0, 1, 2})));
    expectWithinBound(got, want, opName(name) + " per channel of [64,28,28,8]");
  }
  EXPECT_GT(sequentialChannelError(xv), kBound);
}

TEST_F(NumericsTest, ReduceSumOverTheInnermostAxisOfLongRows) {
  RefTensor xv = randomTensor({3, 60000}, rng, 0.5, 1.5);
  int x = input("x", xv);
  auto [got, want] = both(op(Op::ReduceSum, {x}, axes({1})));
  expectWithinBound(got, want, "reduce_sum of rows of 60,000");
  double exact = exactSum(xv.data, 0, 60000, 1);
  EXPECT_GT(std::abs(sequentialFloatSum(xv.data, 0, 60000, 1) - exact) / exact, kBound);
}

TEST_F(NumericsTest, ReduceSumWithLargeDynamicRange) {
  // Magnitudes from 1e-4 to 1e4 (e^-9.2 .. e^9.2) and one 1e8 at a random place: a single float32
  // accumulator that has reached 1e8 drops every later term below 4 (half its spacing).
  RefTensor xv = randomTensor({100000}, rng, -9.2, 9.2);
  for (double& v : xv.data) v = static_cast<float>(std::exp(v));
  xv.data[std::uniform_int_distribution<size_t>(0, 1000)(rng)] = 1e8;
  int x = input("x", xv);
  auto [got, want] = both(op(Op::ReduceSum, {x}, axes({0})));
  expectWithinBound(got, want, "reduce_sum of 100,000 terms from 1e-4 to 1e8");
  double exact = exactSum(xv.data, 0, xv.data.size(), 1);
  EXPECT_GT(std::abs(sequentialFloatSum(xv.data, 0, xv.data.size(), 1) - exact) / exact, kBound);
}

// The chunked lowering's cases against the references: chunks of whole trailing axes, of part of
// the innermost axis (with a tail), reduced axes that are not adjacent, keepdims, integers.
TEST_F(NumericsTest, ChunkedReductionsOfEveryLayout) {
  int x = input("x", randomTensor({70, 5, 9, 3}, rng, -2, 2));
  int ints = input("ints", RefTensor{{3, 200}, std::vector<double>(600, 7), DType::I32});
  std::vector<int> outs;
  for (Op name : {Op::ReduceSum, Op::ReduceMean, Op::ReduceMax})
    for (const auto& a : std::vector<std::vector<int64_t>>{{0}, {0, 1}, {0, 1, 2}, {0, 2}, {1, 2, 3}, {0, 1, 2, 3}})
      for (int64_t keep : {0, 1}) outs.push_back(op(name, {x}, axes(a, keep)));
  outs.push_back(op(Op::ReduceSum, {ints}, axes({1})));
  outs.push_back(op(Op::ReduceMax, {ints}, axes({0, 1})));
  for (Shape like : {Shape{3}, Shape{5, 1, 3}, Shape{70, 1, 1, 1}, Shape{}})
    outs.push_back(op(Op::SumLike, {x, input("like", zeros(like))}));
  checkBothVectorWidths(outs);
}

TEST_F(NumericsTest, ReduceMaxIsExactOverManyTermsAndInfinities) {
  RefTensor xv = randomTensor({64, 28, 28, 8}, rng, -1e6, 1e6);
  xv.data[12345] = static_cast<float>(3e38);
  xv.data[777] = -std::numeric_limits<double>::infinity();
  RefTensor yv = randomTensor({70001}, rng, -1, 1);
  yv.data[70000] = std::numeric_limits<double>::infinity();
  int x = input("x", xv), y = input("y", yv);
  for (int id : {op(Op::ReduceMax, {x}, axes({0, 1, 2})), op(Op::ReduceMax, {x}, axes({1, 2}, 1)),
                 op(Op::ReduceMax, {y}, axes({0}))}) {
    auto [got, want] = both(id);
    EXPECT_EQ(got.data, want.data);
  }
}

TEST_F(NumericsTest, BatchStatistics) {
  // BatchNorm's mean and biased variance (frontend/lower_layers.cpp builds them from these ops) of
  // activations with mean 3 and spread 1: the variance's terms are all positive.
  RefTensor xv = randomTensor({64, 28, 28, 8}, rng, 2, 4);
  int x = input("x", xv);
  int mean = op(Op::ReduceMean, {x}, axes({0, 1, 2}));
  int variance = op(Op::ReduceMean, {op(Op::Square, {op(Op::Sub, {x, mean})})}, axes({0, 1, 2}));
  for (int id : {mean, variance}) {
    auto [got, want] = both(id);
    expectWithinBound(got, want, id == mean ? "batch mean" : "batch variance");
  }
  RefTensor squares = xv;
  for (double& v : squares.data) v = static_cast<float>((v - 3) * (v - 3));
  EXPECT_GT(sequentialChannelError(squares), kBound);
}

TEST_F(NumericsTest, BiasGradientSums) {
  // sum_like, the bias gradient of a convolution: [N,H,W,C] summed to [C], for 8 channels (the
  // vectorized case) and 6 (LeNet-5's first layer, narrower than a vector).
  for (int64_t channels : {8, 6}) {
    RefTensor dv = randomTensor({64, 28, 28, channels}, rng, -0.5, 1.5);
    int d = input("d", dv);
    auto [got, want] = both(op(Op::SumLike, {d, input("bias", zeros({channels}))}));
    expectWithinBound(got, want, "sum_like over N*H*W, " + std::to_string(channels) + " channels");
    EXPECT_GT(sequentialChannelError(dv), kBound);
  }
}

TEST_F(NumericsTest, FilterGradientOverBatchAndImage) {
  // dw sums N*OH*OW = 50,176 products per weight; positive operands so that the sums do not
  // cancel (a relative bound is then meaningful). 8 output channels take the register-tiled
  // lowering, 6 the narrow one.
  for (int64_t outChannels : {8, 6}) {
    Graph fresh;
    g = fresh;
    feeds.clear();
    int x = input("x", randomTensor({64, 28, 28, 2}, rng, 0.5, 1.5));
    int w = input("w", randomTensor({3, 3, 2, outChannels}, rng));
    int y = op(Op::Conv2d, {x, w},
               Attrs()
                   .set("strides", std::vector<int64_t>{1, 1})
                   .set("dilation", std::vector<int64_t>{1, 1})
                   .set("padding", std::string("same")));
    int dy = input("dy", randomTensor(g.node(y).shape, rng, 0.5, 1.5));
    auto [got, want] = both(op(Op::Conv2dBackpropFilter, {x, dy, w}, g.node(y).attrs));
    expectWithinBound(got, want, "filter gradient, " + std::to_string(outChannels) + " output channels");
  }
}

TEST_F(NumericsTest, SoftmaxOverLongRows) {
  RefTensor zv = randomTensor({2, 50000}, rng, -3, 3);
  int z = input("z", zv);
  auto [got, want] = both(op(Op::Softmax, {z}));
  // Each probability also carries exp's own rounding (a few ulp), hence a bound of 1e-6 per element.
  expectWithinBound(got, want, "softmax over rows of 50,000");
}

TEST_F(NumericsTest, CrossEntropiesAndAccuracyOverALargeBatch) {
  const int64_t batch = 60000, classes = 10;
  RefTensor logits = randomTensor({batch, classes}, rng, -3, 3);
  RefTensor ids = randomIds(batch, classes, rng);
  RefTensor probs = randomTensor({batch, classes}, rng, 0.01, 1);
  int z = input("z", logits), y = input("y", ids), hot = input("hot", oneHot(ids, classes));
  int p = input("p", probs);
  for (int id : {op(Op::SoftmaxCrossEntropy, {z, y}), op(Op::SoftmaxCrossEntropy, {z, hot}),
                 op(Op::ProbsCrossEntropy, {p, y}), op(Op::ProbsCrossEntropy, {p, hot})}) {
    auto [got, want] = both(id);
    expectWithinBound(got, want, opName(g.node(id).op) + " over a batch of 60,000");
  }
  // Accuracy is a count: exact, whatever the batch.
  auto [got, want] = both(op(Op::Accuracy, {z, y}));
  EXPECT_EQ(got.data[0], static_cast<double>(static_cast<float>(want.data[0])));
}

// exp, sigmoid and the arithmetic that Halide could fold keep infinities and NaNs as IEEE
// arithmetic (and PyTorch) does. Before issue 19 Halide's exp gave 0 for exp(1e30), exp(+inf) and
// exp(NaN), so sigmoid(-1e30) was 1, and x * 0 was folded to 0 for an infinite or NaN x.
TEST_F(NumericsTest, ExpOfLargeAndInfiniteArguments) {
  const double inf = std::numeric_limits<double>::infinity(), nan = std::numeric_limits<double>::quiet_NaN();
  RefTensor xv{{16}, {1e30, inf, -inf, nan, 100, 89, 88.7, 88.5, -100, -1e30, 0, 1, -87, 3e38, -3e38, 20}};
  for (double& v : xv.data) v = static_cast<float>(v);
  int x = input("x", xv);
  int zero = addConstant(g, 0);
  std::vector<int> outs = {op(Op::Exp, {x}), op(Op::Sigmoid, {x}), op(Op::Mul, {x, zero}), op(Op::Sub, {x, x}),
                           op(Op::Div, {zero, x})};
  std::vector<RefTensor> got = runHalide(g, outs, feeds);
  for (size_t i = 0; i < xv.data.size(); ++i) {
    float v = static_cast<float>(xv.data[i]);
    float want[] = {std::exp(v), 1 / (1 + std::exp(-v)), v * 0.0f, v - v, 0.0f / v};
    for (size_t k = 0; k < outs.size(); ++k) {
      double value = got[k].data[i];
      std::string what = opName(g.node(outs[k]).op) + "(" + std::to_string(v) + ")";
      if (std::isnan(want[k]))
        EXPECT_TRUE(std::isnan(value)) << what << " = " << value;
      else if (std::isinf(want[k]))
        EXPECT_EQ(value, want[k]) << what;
      else
        EXPECT_NEAR(value, want[k], 1e-6 * std::abs(want[k]) + 1e-37) << what;  // denormals may flush to 0
    }
  }
}

// Issue 19's acceptance 1: Conv2D(8, 3x3, same, relu) -> BatchNorm -> Flatten -> Dense on the
// first 64 training images of real MNIST. The batch variance is read back, as the issue did, from
// the next moving variance with the moving variance fed as zeros (next = batch variance times
// Keras' n / (n - 1 - epsilon) times 1 - momentum), and compared per channel with the float64
// variance of the very float32 activations the kernel computed. The sequential float32 sum
// before issue 19 was off by up to 5.7e-4 here.
TEST(BatchNormOnMnist, BatchVarianceWithinOneMillionthOfFloat64) {
  Model m = lowerProgram(parseProgram("bn.mnn", R"(
x = placeholder(f32, [64, 28, 28, 1])
c = Conv2D(x, 8, kernel = 3, padding = same, activation = relu)
n = BatchNorm(c, momentum = 0.9)
d = Dense(Flatten(n), 10)
)"));
  IdxArray images = readIdx(std::string(GRAPHC_SOURCE_DIR) + "/data/mnist/train-images-idx3-ubyte");
  ASSERT_GE(images.data.size(), 64u * 28 * 28);
  RefTensor x = zeros({64, 28, 28, 1});
  for (size_t i = 0; i < x.data.size(); ++i) x.data[i] = static_cast<float>(images.data[i] / 255.0);
  std::mt19937 rng(19);
  double limit = std::sqrt(6.0 / (9 + 72));  // glorot_uniform of a 3x3x1x8 kernel
  auto id = [&](const std::string& name) {
    int node = m.graph.findByName(name);
    EXPECT_GE(node, 0) << name;
    return node;
  };
  std::map<int, RefTensor> feeds = {{id("x"), x},
                                    {id("c/kernel"), randomTensor({3, 3, 1, 8}, rng, -limit, limit)},
                                    {id("c/bias"), zeros({8})},
                                    {id("n/gamma"), filled({8}, 1)},
                                    {id("n/beta"), zeros({8})},
                                    {id("n/moving_mean"), zeros({8})},
                                    {id("n/moving_variance"), zeros({8})},
                                    {id(kTrainingFlagName), RefTensor{{}, {1}}}};
  int nextVariance = -1;
  for (const VariableUpdate& u : m.stateUpdates)
    if (u.variable == id("n/moving_variance")) nextVariance = u.next;
  ASSERT_GE(nextVariance, 0);
  std::vector<RefTensor> got = runHalide(m.graph, {id("c"), nextVariance}, feeds);
  const RefTensor& act = got[0];
  const double count = 64.0 * 28 * 28, epsilon = 1e-3;
  double worst = 0;
  for (size_t ch = 0; ch < 8; ++ch) {
    double mean = 0, variance = 0;
    for (size_t i = ch; i < act.data.size(); i += 8) mean += act.data[i];
    mean /= count;
    for (size_t i = ch; i < act.data.size(); i += 8) variance += (act.data[i] - mean) * (act.data[i] - mean);
    variance /= count;
    ASSERT_GT(variance, 0) << "channel " << ch << " is dead: a relative bound would say nothing";
    double readBack = got[1].data[ch] / (0.1 * count / (count - 1 - epsilon));
    double relative = std::abs(readBack - variance) / variance;
    EXPECT_LE(relative, kBound) << "channel " << ch << ": " << readBack << " vs " << variance;
    worst = std::max(worst, relative);
  }
  RecordProperty("worst_relative_error", std::to_string(worst));
  std::cout << "[numerics] BatchNorm on MNIST: batch variance, worst relative error over 8 channels " << worst << "\n";
}

}  // namespace
}  // namespace graphc
