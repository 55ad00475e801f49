// \file Kernel correctness of the v2 nn ops against the naive references: global average
// pooling (over more than one chunk of terms), the depthwise convolution and its gradients on
// each branch of its CPU schedule (channel vectors, width vectors, scalar), the transposed
// convolution, resize and pad and their gradients.
#include <gtest/gtest.h>

#include <cmath>

#include "frontend/layers.h"
#include "frontend/lower_program.h"
#include "frontend/parser.h"
#include "kernels/kernel_fixture.h"

namespace graphc {
namespace {

TEST_F(KernelTest, GlobalAvgPool) {
  // 23 x 19 = 437 terms per mean: several chunks of long_reduction.h.
  int x = input("x", randomTensor({3, 23, 19, 5}, rng, -1, 2));
  int small = input("small", randomTensor({2, 1, 2, 17}, rng));
  check({op(Op::GlobalAvgPool, {x}), op(Op::GlobalAvgPool, {small})});
}

struct DepthwiseCase {
  const char* name;
  Shape x;
  int64_t kernel, multiplier, stride, dilation;
  const char* padding;
};

void PrintTo(const DepthwiseCase& c, std::ostream* os) { *os << c.name; }

class DepthwiseKernelTest : public KernelTest, public ::testing::WithParamInterface<DepthwiseCase> {};

TEST_P(DepthwiseKernelTest, ForwardAndGradients) {
  const DepthwiseCase& c = GetParam();
  int x = input("x", randomTensor(c.x, rng));
  int w = input("w", randomTensor({c.kernel, c.kernel, c.x[3], c.multiplier}, rng));
  Attrs a;
  a.set("strides", std::vector<int64_t>{c.stride, c.stride})
      .set("dilation", std::vector<int64_t>{c.dilation, c.dilation})
      .set("padding", std::string(c.padding));
  int y = op(Op::DepthwiseConv2d, {x, w}, a);
  int dy = input("dy", randomTensor(g.node(y).shape, rng));
  checkBothVectorWidths({y, op(Op::DepthwiseConv2dBackpropInput, {dy, w, x}, g.node(y).attrs),
                         op(Op::DepthwiseConv2dBackpropFilter, {x, dy, w}, g.node(y).attrs)});
}

// Channels (times the multiplier) of 32 and 24: vectors of channels, with a tail under 16 lanes;
// 3 channels and 12 columns: vectors along the width; 5 columns: scalar.
const DepthwiseCase kDepthwiseCases[] = {
    {"Channels32Same", {2, 9, 10, 32}, 3, 1, 1, 1, "same"},
    {"Channels24Stride2", {1, 11, 9, 24}, 3, 1, 2, 1, "same"},
    {"Multiplier2Valid", {1, 8, 8, 12}, 3, 2, 1, 1, "valid"},
    {"Dilation2Multiplier3", {1, 9, 9, 4}, 3, 3, 1, 2, "same"},
    {"NarrowWide", {2, 6, 12, 3}, 3, 1, 1, 1, "same"},
    {"NarrowShort", {1, 5, 5, 2}, 2, 2, 2, 1, "valid"},
    {"Kernel5Stride2Even", {1, 8, 8, 16}, 5, 1, 2, 1, "same"},
};

INSTANTIATE_TEST_SUITE_P(Windows, DepthwiseKernelTest, ::testing::ValuesIn(kDepthwiseCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST_F(KernelTest, Conv2dTranspose) {
  int x = input("x", randomTensor({2, 5, 6, 3}, rng));
  int w = input("w", randomTensor({3, 3, 10, 3}, rng));       // 10 filters: channel vectors
  int narrow = input("wn", randomTensor({4, 4, 2, 3}, rng));  // 2 filters: width vectors
  auto attrs = [](int64_t stride, const char* padding) {
    return Attrs()
        .set("strides", std::vector<int64_t>{stride, stride})
        .set("dilation", std::vector<int64_t>{1, 1})
        .set("padding", std::string(padding));
  };
  check({op(Op::Conv2dTranspose, {x, w}, attrs(1, "valid")), op(Op::Conv2dTranspose, {x, w}, attrs(2, "same")),
         op(Op::Conv2dTranspose, {x, narrow}, attrs(2, "valid")),
         op(Op::Conv2dTranspose, {x, narrow}, attrs(3, "same")),
         op(Op::Conv2dTranspose, {x, w}, attrs(2, "same").set("output_shape", std::vector<int64_t>{9, 11}))});
}

TEST_F(KernelTest, ResizeAndItsGradient) {
  int x = input("x", randomTensor({2, 5, 7, 9}, rng));
  std::vector<int> outputs;
  for (const char* method : {"nearest", "bilinear"})
    for (std::vector<int64_t> size : {std::vector<int64_t>{10, 14}, {3, 4}, {8, 5}}) {
      int y = op(Op::Resize, {x}, Attrs().set("size", size).set("method", std::string(method)));
      int dy = input(std::string("dy") + method + std::to_string(size[0]), randomTensor(g.node(y).shape, rng));
      outputs.push_back(y);
      outputs.push_back(op(Op::ResizeGrad, {x, dy}, g.node(y).attrs));
    }
  check(outputs);
}

TEST_F(KernelTest, PadAndItsGradient) {
  int x = input("x", randomTensor({2, 5, 6, 3}, rng));
  std::vector<int> outputs;
  auto pad = [&](std::vector<int64_t> paddings, const char* mode) {
    int y = op(Op::Pad, {x}, Attrs().set("paddings", paddings).set("mode", std::string(mode)).set("value", -1.5));
    int dy = input("dy" + std::to_string(outputs.size()), randomTensor(g.node(y).shape, rng));
    outputs.push_back(y);
    outputs.push_back(op(Op::PadGrad, {x, dy}, g.node(y).attrs));
  };
  pad({0, 0, 1, 2, 3, 0, 0, 1}, "constant");
  pad({0, 0, -2, -1, -1, -3, 0, 0}, "constant");
  pad({0, 0, 4, 2, 5, 1, 0, 0}, "reflect");
  pad({1, 0, 5, 3, 2, 6, 2, 1}, "symmetric");
  check(outputs);
}

// Keras' LayerNormalization written out here: the biased variance of each row, epsilon inside
// the square root, then gamma and beta.
TEST_F(KernelTest, LayerNormalizationFollowsKeras) {
  RefTensor xv = randomTensor({3, 5, 7}, rng, -2, 3), gv = randomTensor({7}, rng, 0.5, 1.5),
            bv = randomTensor({7}, rng);
  int x = input("x", xv), gamma = input("gamma", gv), beta = input("beta", bv);
  const double epsilon = 0.1;  // large enough that its place (inside the square root) shows
  int y = buildLayerNorm(g, x, gamma, beta, {2}, epsilon, {});
  RefTensor want = zeros({3, 5, 7});
  for (size_t row = 0; row < 15; ++row) {
    double mean = 0, var = 0;
    for (size_t i = 0; i < 7; ++i) mean += xv.data[row * 7 + i] / 7;
    for (size_t i = 0; i < 7; ++i) var += (xv.data[row * 7 + i] - mean) * (xv.data[row * 7 + i] - mean) / 7;
    for (size_t i = 0; i < 7; ++i)
      want.data[row * 7 + i] = (xv.data[row * 7 + i] - mean) / std::sqrt(var + epsilon) * gv.data[i] + bv.data[i];
  }
  EXPECT_TRUE(allClose(runHalide(g, {y}, feeds)[0], want, 1e-5, 1e-5));
}

// Over several axes (Keras' axis = [1, 3] of [N, H, W, C]): the statistics of each example's
// [H, C] slice at every w, gamma and beta [H, C].
TEST_F(KernelTest, LayerNormalizationOverSeveralAxesFollowsKeras) {
  const size_t N = 2, H = 3, W = 4, C = 5;
  RefTensor xv = randomTensor({2, 3, 4, 5}, rng, -2, 3), gv = randomTensor({3, 5}, rng, 0.5, 1.5),
            bv = randomTensor({3, 5}, rng);
  int x = input("x", xv), gamma = input("gamma", gv), beta = input("beta", bv);
  const double epsilon = 0.1;
  int y = buildLayerNorm(g, x, gamma, beta, {1, 3}, epsilon, {});
  RefTensor want = zeros({2, 3, 4, 5});
  auto at = [&](size_t n, size_t h, size_t w, size_t c) { return ((n * H + h) * W + w) * C + c; };
  for (size_t n = 0; n < N; ++n)
    for (size_t w = 0; w < W; ++w) {
      double mean = 0, var = 0;
      for (size_t h = 0; h < H; ++h)
        for (size_t c = 0; c < C; ++c) mean += xv.data[at(n, h, w, c)] / (H * C);
      for (size_t h = 0; h < H; ++h)
        for (size_t c = 0; c < C; ++c) var += std::pow(xv.data[at(n, h, w, c)] - mean, 2) / (H * C);
      for (size_t h = 0; h < H; ++h)
        for (size_t c = 0; c < C; ++c)
          want.data[at(n, h, w, c)] = static_cast<float>(
              (xv.data[at(n, h, w, c)] - mean) / std::sqrt(var + epsilon) * gv.data[h * C + c] + bv.data[h * C + c]);
    }
  EXPECT_TRUE(allClose(runHalide(g, {y}, feeds)[0], want, 1e-5, 1e-5));
}

TEST_F(KernelTest, Tile) {
  int x = input("x", randomTensor({2, 3, 5}, rng));
  check({op(Op::Tile, {x}, Attrs().set("multiples", std::vector<int64_t>{1, 2, 3})),
         op(Op::Tile, {x}, Attrs().set("multiples", std::vector<int64_t>{3, 1, 1}))});
}

// Dense on [N, T, K] is x[n, t, :] @ kernel + bias for every n and t, as Keras applies it.
TEST_F(KernelTest, DenseOnTheLastAxis) {
  Model m = lowerProgram(parseProgram("t.mnn", "x = placeholder(f32, [?, 3, 4])\nd = Dense(x, 5)\n"));
  g = m.graph;
  RefTensor xv = randomTensor({1, 3, 4}, rng), wv = randomTensor({4, 5}, rng), bv = randomTensor({5}, rng);
  feeds = {{g.findByName("x"), xv}, {g.findByName("d/kernel"), wv}, {g.findByName("d/bias"), bv}};
  RefTensor want = zeros({1, 3, 5});
  for (size_t row = 0; row < 3; ++row)
    for (size_t u = 0; u < 5; ++u) {
      double sum = bv.data[u];
      for (size_t k = 0; k < 4; ++k) sum += xv.data[row * 4 + k] * wv.data[k * 5 + u];
      want.data[row * 5 + u] = sum;
    }
  EXPECT_TRUE(allClose(runHalide(g, {g.findByName("d")}, feeds)[0], want, 1e-5, 1e-5));
}

}  // namespace
}  // namespace graphc
