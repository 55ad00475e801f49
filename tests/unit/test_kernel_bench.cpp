// \file What `graphc bench` reports besides times: the FLOPs the padding-skipping kernels
// do (worked by hand), the names of its rows, and when a cached peak may be used.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <set>

#include "codegen/kernel_bench.h"
#include "driver/pipeline.h"
#include "ir/op_cost.h"

namespace graphc {
namespace {

const Node& onlyNode(const Graph& g, Op op, int which = 0) {
  for (const Node& n : g.nodes())
    if (n.op == op && which-- == 0) return n;
  throw std::runtime_error("no such node");
}

// The input gradient of a stride-1 convolution skips the window rows that fall in dy's padding.
// LeNet-5's c2 (valid, 5x5, 14x14x6 -> 10x10x16): dx row ih meets dy rows ih-4..ih, of which
// 1,2,3,4,5,5,5,5,5,5,4,3,2,1 = 50 exist; every pair sums kw x Co = 5 x 16 terms of 2 FLOPs for
// each of N x 14 x 6 (batch, dx columns, dx channels).
TEST(KernelBench, InputGradientCountsTheRowsItComputes) {
  Model m = loadModel(std::string(GRAPHC_SOURCE_DIR) + "/examples/lenet5.mnn");
  differentiate(m);
  EXPECT_EQ(estimateFlops(m.graph, onlyNode(m.graph, Op::Conv2dBackpropInput), 32), 2.0 * 32 * 14 * 6 * 5 * 16 * 50);
}

// Same padding on 28 rows with a 5-row window (2 rows of padding each side): 3, 4, then 24 rows
// of 5, then 4, 3 = 134 pairs. With stride 2 the kernel computes every pair (a select zeroes the
// ones between dy's rows): 28 x 5 = 140.
TEST(KernelBench, InputGradientWithSamePaddingAndStrides) {
  for (int stride : {1, 2}) {
    std::string text = fmt::format(
        "model t\nx = placeholder(f32, [?, 28, 28, 1])\ny = placeholder(i32, [?])\n"
        "c1 = Conv2D(x, 4, kernel = 3, padding = same)\n"
        "c2 = Conv2D(c1, 3, kernel = 5, strides = {}, padding = same)\n"
        "f = Flatten(c2)\nprobs = Dense(f, 10, activation = softmax)\n"
        "loss = sparse_categorical_crossentropy(probs, y)\n"
        "train {{\n  data = mnist(scale = 1/255)\n  feed = {{x: image, y: label}}\n  optimizer = sgd(lr = 0.01)\n"
        "  minimize = loss\n}}\n",
        stride);
    Model m = loadModelSource("t.mnn", text);
    differentiate(m);
    double rows = stride == 1 ? 134 : 140;
    EXPECT_EQ(estimateFlops(m.graph, onlyNode(m.graph, Op::Conv2dBackpropInput), 8), 2.0 * 8 * 28 * 4 * 5 * 3 * rows)
        << "stride " << stride;
  }
}

TEST(KernelBench, RowsAreNamedByLayerOpsAndLine) {
  Model m = loadModel(std::string(GRAPHC_SOURCE_DIR) + "/examples/lenet5.mnn");
  TrainGraph train = differentiate(m);
  std::vector<int> fetches = {train.loss};
  for (const VariableUpdate& u : train.updates) fetches.push_back(u.next);
  SimplifiedGraph simple = simplify(m.graph, fetches);
  FusionPlan plan = fuse(simple, fetches, 32);
  std::set<std::string> titles;
  for (const Kernel& k : plan.kernels) {
    KernelOrigin o = kernelOrigin(simple.graph, k);
    titles.insert(o.title());
    EXPECT_FALSE(o.layer.empty()) << o.title();
  }
  // lenet5.mnn: line 7 is c1, 9 c2, 12 d1.
  for (const char* expected : {"c1: conv+bias+relu (lenet5.mnn:7)", "c2: grad conv2d_backprop_input (lenet5.mnn:9)",
                               "c1: grad conv2d_backprop_filter (lenet5.mnn:7)", "d1: matmul+bias+relu (lenet5.mnn:12)",
                               "c1: grad sgd_update (lenet5.mnn:7)", "p1: max_pool (lenet5.mnn:8)"})
    EXPECT_TRUE(titles.count(expected)) << expected;
}

TEST(KernelBench, ACachedPeakServesOneCpuAndThreadCountForADay) {
  CachedPeak p{100.0, "AMD EPYC", 2, 1000000};
  EXPECT_TRUE(cachedPeakValid(p, "AMD EPYC", 2, 1000000 + 3600));
  EXPECT_FALSE(cachedPeakValid(p, "AMD EPYC", 2, 1000000 + 24 * 3600 + 1));  // older than a day
  EXPECT_FALSE(cachedPeakValid(p, "Intel Xeon", 2, 1000000 + 60));           // another CPU model
  EXPECT_FALSE(cachedPeakValid(p, "AMD EPYC", 1, 1000000 + 60));             // another thread count
  EXPECT_FALSE(cachedPeakValid(p, "AMD EPYC", 2, 1000000 - 60));             // from the future
}

TEST(KernelBench, CachedPeakFileRoundTripsAndRejectsTheOldFormat) {
  char folder[] = "/tmp/graphc-peak-XXXXXX";
  ASSERT_NE(mkdtemp(folder), nullptr);
  std::string path = std::string(folder) + "/peak";
  writeCachedPeak(path, {123.456, "AMD EPYC 9654 96-Core Processor", 16, 1795950000});
  std::optional<CachedPeak> p = readCachedPeak(path);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->gflops, 123.456);
  EXPECT_EQ(p->cpu, "AMD EPYC 9654 96-Core Processor");
  EXPECT_EQ(p->threads, 16);
  EXPECT_EQ(p->measuredAt, 1795950000);
  std::ofstream(path) << "71.8971\n";  // version 2's file: a bare number, for no CPU in particular
  EXPECT_FALSE(readCachedPeak(path));
  std::remove(path.c_str());
  rmdir(folder);
}

}  // namespace
}  // namespace graphc
