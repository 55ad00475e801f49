// \file Kernels run with their GPU schedules on OpenCL (PoCL runs them on the CPU) and on CUDA (an
// NVIDIA GPU), compared with the naive references: the shapes reach the schedules' special paths
// (matmul's shared-memory staging with edge blocks and every reduction chunk size) that the
// examples' training runs may not.
#include <gtest/gtest.h>

#include <random>

#include "testing/gpu_apis.h"
#include "testing/harness.h"

namespace graphc {
namespace {

// Each test runs once per GPU API (testing/gpu_apis.h), skipped where the API has no device.
class GpuKernels : public testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string missing = gpuMissing(GetParam());
    if (!missing.empty()) GTEST_SKIP() << missing;
  }
  Halide::Target target() const { return gpuTarget(GetParam()); }
};

TEST_P(GpuKernels, StagedMatmulMatchesTheReference) {
  std::mt19937 rng(99);
  Graph g;
  std::map<int, RefTensor> feeds;
  auto input = [&](const std::string& name, const Shape& shape) {
    int id = addPlaceholder(g, name, shape);
    feeds[id] = randomTensor(shape, rng);
    return id;
  };
  auto mm = [&](int x, int y, int64_t ta, int64_t tb) {
    return g.add(Op::Matmul, {x, y}, Attrs().set("transpose_a", ta).set("transpose_b", tb));
  };
  std::vector<int> outputs;
  // m = 37 and n = 70: neither a multiple of the 16 x 64 block (shifted edge blocks); k = 48, 24
  // and 20: reduction chunks of 16, 8 and 4; all four transposes; and a matmul below one block.
  for (int64_t k : {48, 24, 20}) {
    std::string s = std::to_string(k);
    int a = input("a" + s, {37, k}), at = input("at" + s, {k, 37});
    int b = input("b" + s, {k, 70}), bt = input("bt" + s, {70, k});
    for (int o : {mm(a, b, 0, 0), mm(at, b, 1, 0), mm(a, bt, 0, 1), mm(at, bt, 1, 1)}) outputs.push_back(o);
  }
  outputs.push_back(mm(input("small_a", {8, 30}), input("small_b", {30, 10}), 0, 0));
  std::vector<RefTensor> got = runHalide(g, outputs, feeds, target());
  std::map<int, RefTensor> want = evaluateReference(g, outputs, feeds);
  for (size_t i = 0; i < outputs.size(); ++i)
    EXPECT_TRUE(allClose(got[i], want.at(outputs[i])))
        << "matmul node " << outputs[i] << " " << g.node(outputs[i]).attrs.toString();
}

// The chunked reductions of issue 19 with their GPU schedules: per-chunk partials on many threads,
// then their sum; the filter gradient's per-chunk register tiles inside each thread's loop over
// the chunks (both lowerings: 8 output channels, and 6, the narrow one).
TEST_P(GpuKernels, ChunkedReductionsMatchTheReference) {
  std::mt19937 rng(19);
  Graph g;
  std::map<int, RefTensor> feeds;
  auto input = [&](const std::string& name, const RefTensor& value) {
    int id = addPlaceholder(g, name, value.shape, value.dtype);
    feeds[id] = value;
    return id;
  };
  auto axes = [](std::vector<int64_t> a) { return Attrs().set("axes", a).set("keepdims", int64_t{0}); };
  int x = input("x", randomTensor({16, 28, 28, 8}, rng, -1, 2));
  std::vector<int> outputs = {g.add(Op::ReduceSum, {x}, axes({0, 1, 2})), g.add(Op::ReduceMean, {x}, axes({0, 1, 2})),
                              g.add(Op::ReduceMax, {x}, axes({0, 1, 2})), g.add(Op::ReduceSum, {x}, axes({0, 1, 2, 3})),
                              g.add(Op::SumLike, {x, input("bias", zeros({8}))})};
  // LeNet-5's bias gradients (batch 32).
  for (Shape big : {Shape{32, 28, 28, 6}, Shape{32, 10, 10, 16}, Shape{32, 120}, Shape{32, 10}})
    outputs.push_back(g.add(Op::SumLike, {input("d", randomTensor(big, rng)), input("b", zeros({big.back()}))}));
  int scores = input("scores", randomTensor({300, 10}, rng, -3, 3));
  int labels = input("labels", randomIds(300, 10, rng));
  outputs.push_back(g.add(Op::SoftmaxCrossEntropy, {scores, labels}));
  outputs.push_back(g.add(Op::Accuracy, {scores, labels}));
  for (int64_t channels : {8, 6}) {
    std::string s = std::to_string(channels);
    int image = input("image" + s, randomTensor({8, 28, 28, 2}, rng));
    int w = input("w" + s, randomTensor({3, 3, 2, channels}, rng));
    int y = g.add(Op::Conv2d, {image, w},
                  Attrs()
                      .set("strides", std::vector<int64_t>{1, 1})
                      .set("dilation", std::vector<int64_t>{1, 1})
                      .set("padding", std::string("same")));
    int dy = input("dy" + s, randomTensor(g.node(y).shape, rng));
    outputs.push_back(g.add(Op::Conv2dBackpropFilter, {image, dy, w}, g.node(y).attrs));
  }
  std::vector<RefTensor> got = runHalide(g, outputs, feeds, target());
  std::map<int, RefTensor> want = evaluateReference(g, outputs, feeds);
  for (size_t i = 0; i < outputs.size(); ++i)
    EXPECT_TRUE(allClose(got[i], want.at(outputs[i]), 1e-5, 1e-5)) << opName(g.node(outputs[i]).op);
}

// Version 2's reductions (reduce_min, reduce_prod: trees of minima and products, 1,024 and 16 terms
// an output) and elementwise activations and losses with the GPU schedules.
TEST_P(GpuKernels, V2ReductionsAndActivationsMatchTheReference) {
  std::mt19937 rng(13);
  Graph g;
  std::map<int, RefTensor> feeds;
  auto input = [&](const std::string& name, const RefTensor& value) {
    int id = addPlaceholder(g, name, value.shape, value.dtype);
    feeds[id] = value;
    return id;
  };
  auto axes = [](std::vector<int64_t> a) { return Attrs().set("axes", a).set("keepdims", int64_t{0}); };
  int x = input("x", randomTensor({16, 64, 16}, rng, 0.999, 1.001));
  std::vector<int> outputs;
  for (Op op : {Op::ReduceMin, Op::ReduceProd})
    for (std::vector<int64_t> a : {std::vector<int64_t>{0, 1}, {2}}) outputs.push_back(g.add(op, {x}, axes(a)));
  int z = input("z", randomTensor({4, 37}, rng, -6, 6));
  for (Op op : {Op::Elu, Op::Selu, Op::Gelu, Op::Swish, Op::Softsign, Op::HardSigmoid, Op::Relu6, Op::Mish, Op::Erf})
    outputs.push_back(g.add(op, {z}));
  int y = input("y", randomTensor({4, 37}, rng, 0, 1));
  outputs.push_back(g.add(Op::SigmoidCrossEntropy, {z, y}));
  outputs.push_back(g.add(Op::BinaryCrossentropy, {g.add(Op::Sigmoid, {z}), y}));
  std::vector<RefTensor> got = runHalide(g, outputs, feeds, target());
  std::map<int, RefTensor> want = evaluateReference(g, outputs, feeds);
  for (size_t i = 0; i < outputs.size(); ++i)
    EXPECT_TRUE(allClose(got[i], want.at(outputs[i]), 1e-4, 1e-5)) << opName(g.node(outputs[i]).op);
}

// The v2 nn ops with their GPU schedules: global average pooling (chunked), the depthwise
// convolution with a multiplier and strides and its two gradients, conv2d_transpose, bilinear
// resize (its gradient a scatter), reflect padding and their gradients.
TEST_P(GpuKernels, V2NNOpsMatchTheReference) {
  std::mt19937 rng(13);
  Graph g;
  std::map<int, RefTensor> feeds;
  auto input = [&](const std::string& name, const RefTensor& value) {
    int id = addPlaceholder(g, name, value.shape, value.dtype);
    feeds[id] = value;
    return id;
  };
  Attrs window;
  window.set("strides", std::vector<int64_t>{2, 2})
      .set("dilation", std::vector<int64_t>{1, 1})
      .set("padding", std::string("same"));
  int x = input("x", randomTensor({4, 15, 13, 6}, rng));
  std::vector<int> outputs = {g.add(Op::GlobalAvgPool, {x})};
  int w = input("w", randomTensor({3, 3, 6, 2}, rng));
  int y = g.add(Op::DepthwiseConv2d, {x, w}, window);
  int dy = input("dy", randomTensor(g.node(y).shape, rng));
  outputs.push_back(y);
  outputs.push_back(g.add(Op::DepthwiseConv2dBackpropInput, {dy, w, x}, g.node(y).attrs));
  outputs.push_back(g.add(Op::DepthwiseConv2dBackpropFilter, {x, dy, w}, g.node(y).attrs));
  outputs.push_back(g.add(Op::Conv2dTranspose, {x, input("wt", randomTensor({3, 3, 4, 6}, rng))}, window));
  int up =
      g.add(Op::Resize, {x}, Attrs().set("size", std::vector<int64_t>{30, 20}).set("method", std::string("bilinear")));
  outputs.push_back(up);
  outputs.push_back(g.add(Op::ResizeGrad, {x, input("dup", randomTensor(g.node(up).shape, rng))}, g.node(up).attrs));
  int padded = g.add(Op::Pad, {x},
                     Attrs()
                         .set("paddings", std::vector<int64_t>{0, 0, 2, 3, 4, 1, 0, 0})
                         .set("mode", std::string("reflect"))
                         .set("value", 0.0));
  outputs.push_back(padded);
  outputs.push_back(
      g.add(Op::PadGrad, {x, input("dpad", randomTensor(g.node(padded).shape, rng))}, g.node(padded).attrs));
  std::vector<RefTensor> got = runHalide(g, outputs, feeds, target());
  std::map<int, RefTensor> want = evaluateReference(g, outputs, feeds);
  for (size_t i = 0; i < outputs.size(); ++i)
    EXPECT_TRUE(allClose(got[i], want.at(outputs[i]), 1e-5, 1e-5)) << opName(g.node(outputs[i]).op);
}

INSTANTIATE_TEST_SUITE_P(Api, GpuKernels, testing::ValuesIn(gpuApis()),
                         [](const testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace graphc
