// \file Kernel correctness of the selection ops (where, clip, leaky_relu), batch_norm, average
// pooling, log_softmax and dropout against the naive references, plus dropout's statistics.
#include <gtest/gtest.h>

#include <cmath>

#include "codegen/random_bits.h"
#include "kernels/kernel_fixture.h"

namespace graphc {
namespace {

TEST_F(KernelTest, WhereClipLeakyRelu) {
  std::uniform_int_distribution<int> pick(-2, 2);
  RefTensor xv = zeros({3, 10});
  for (double& v : xv.data) v = pick(rng) * 0.5;  // hits lo, hi and 0 exactly
  int x = input("x", xv);
  int row = input("row", randomTensor({10}, rng, -1, 1));
  int cond = op(Op::Greater, {x, row});  // [3, 10] bool
  int column = op(Op::Less, {input("col", randomTensor({3, 1}, rng)), addConstant(g, 0.0)});
  int lo = addConstant(g, -0.5), hi = addConstant(g, 0.5);
  int ints = input("ints", RefTensor{{4}, {-3, 0, 5, 9}, DType::I32});
  int zero = g.add(Op::Constant, {}, Attrs().set("value", 0.0).set("dtype", std::string("i32")));
  int four = g.add(Op::Constant, {}, Attrs().set("value", 4.0).set("dtype", std::string("i32")));
  int lows = input("lows", randomTensor({10}, rng, -1, 0)), highs = input("highs", randomTensor({3, 1}, rng, 0, 1));
  int gv = input("g", randomTensor({3, 10}, rng));
  check({op(Op::Where, {cond, x, row}), op(Op::Where, {column, row, x}), op(Op::Where, {column, x, addConstant(g, 7)}),
         op(Op::Where, {op(Op::Greater, {ints, zero}), ints, zero}), op(Op::Clip, {x, lo, hi}),
         op(Op::Clip, {x, lows, highs}), op(Op::Clip, {ints, zero, four}),
         op(Op::LeakyRelu, {x}, Attrs().set("alpha", 0.2)), op(Op::LeakyRelu, {x}, Attrs().set("alpha", 0.01)),
         op(Op::LeakyReluGrad, {x, gv}, Attrs().set("alpha", 0.3))});
}

TEST_F(KernelTest, BatchNormWithGivenStatistics) {
  int x = input("x", randomTensor({2, 3, 4, 10}, rng, -2, 2));
  int gamma = input("gamma", randomTensor({10}, rng, 0.5, 1.5)), beta = input("beta", randomTensor({10}, rng));
  int mean = input("mean", randomTensor({10}, rng)), var = input("var", randomTensor({10}, rng, 0.1, 2));
  int x2 = input("x2", randomTensor({5, 3}, rng));
  int s = input("s", RefTensor{{}, {0.25}}), one = addConstant(g, 1.0);
  check({op(Op::BatchNorm, {x, gamma, beta, mean, var}, Attrs().set("epsilon", 1e-3)),
         op(Op::BatchNorm, {x2, one, s, s, one}, Attrs().set("epsilon", 0.5))});
}

struct AvgPoolCase {
  const char* name;
  Shape x;
  int64_t size, stride;
  const char* padding;
};

void PrintTo(const AvgPoolCase& c, std::ostream* os) { *os << c.name; }

class AvgPoolKernelTest : public KernelTest, public ::testing::WithParamInterface<AvgPoolCase> {};

TEST_P(AvgPoolKernelTest, ForwardAndGradient) {
  const AvgPoolCase& c = GetParam();
  int x = input("x", randomTensor(c.x, rng, -3, -1));  // negative: a padded 0 would show in the mean
  int y = op(Op::AvgPool, {x},
             Attrs()
                 .set("size", std::vector<int64_t>{c.size, c.size})
                 .set("strides", std::vector<int64_t>{c.stride, c.stride})
                 .set("padding", std::string(c.padding)));
  int dy = input("dy", randomTensor(g.node(y).shape, rng, 0.5, 1.5));
  check({y, op(Op::AvgPoolGrad, {x, dy}, g.node(y).attrs)});
}

// Windows that overlap the "same" padding (whose mean counts only the real elements), inputs that
// no window covers, and channels enough for the vector schedule.
const AvgPoolCase kAvgPoolCases[] = {
    {"Size2Stride2", {2, 8, 8, 3}, 2, 2, "valid"},           {"Size2Stride2OddSame", {1, 7, 7, 2}, 2, 2, "same"},
    {"Size3Stride2Same", {2, 7, 7, 9}, 3, 2, "same"},        {"Size3Stride1Valid", {1, 6, 6, 9}, 3, 1, "valid"},
    {"Size2Stride3Gaps", {1, 8, 8, 2}, 2, 3, "valid"},       {"Size2Stride3GapsSame", {1, 8, 8, 2}, 2, 3, "same"},
    {"Size4Stride1SameEvenPad", {1, 5, 9, 1}, 4, 1, "same"},
};

INSTANTIATE_TEST_SUITE_P(Windows, AvgPoolKernelTest, ::testing::ValuesIn(kAvgPoolCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST_F(KernelTest, LogSoftmaxAndItsGradient) {
  RefTensor logits = randomTensor({4, 10}, rng, -3, 3);
  logits.data[3] = 120;  // softmax underflows to 0 for the rest of the row: log_softmax stays finite
  logits.data[25] = -150;
  int z2 = input("z2", logits);
  int z3 = input("z3", randomTensor({2, 3, 9}, rng, -3, 3));
  int z1 = input("z1", randomTensor({7}, rng, -3, 3));
  int y2 = op(Op::LogSoftmax, {z2}), y3 = op(Op::LogSoftmax, {z3}), y1 = op(Op::LogSoftmax, {z1});
  check({y2, y3, y1, op(Op::LogSoftmaxGrad, {y2, input("g2", randomTensor({4, 10}, rng))}),
         op(Op::LogSoftmaxGrad, {y3, input("g3", randomTensor({2, 3, 9}, rng))}),
         op(Op::LogSoftmaxGrad, {y1, input("g1", randomTensor({7}, rng))})});
}

// Dropout in one pipeline: training at two steps and with two seeds, and evaluation; each output
// against the reference (the same hash in plain C++), then the masks' statistics.
TEST_F(KernelTest, DropoutMasks) {
  RefTensor xv = randomSigned({64, 300}, rng, 0.5, 1.5);  // never 0, so a zero is a dropped element
  int x = input("x", xv);
  int keep = input("keep", RefTensor{{}, {0.7}});
  int on = input("training", RefTensor{{}, {1}}), off = input("evaluating", RefTensor{{}, {0}});
  int step3 = input("step3", RefTensor{{}, {3}, DType::I32}), step4 = input("step4", RefTensor{{}, {4}, DType::I32});
  auto dropout = [&](int flag, int step, int64_t seed) {
    return op(Op::Dropout, {x, keep, flag, step}, Attrs().set("seed", seed));
  };
  std::vector<int> outs = {dropout(on, step3, 11), dropout(on, step4, 11), dropout(on, step3, 12),
                           dropout(off, step3, 11), dropout(on, step3, 11)};
  check(outs);
  std::vector<RefTensor> got = runHalide(g, outs, feeds);
  auto keptMask = [&](const RefTensor& t) {
    std::vector<bool> kept;
    for (double v : t.data) kept.push_back(v != 0);
    return kept;
  };
  size_t n = xv.data.size(), kept = 0, sameAcrossSteps = 0, sameAcrossSeeds = 0;
  std::vector<bool> a = keptMask(got[0]), b = keptMask(got[1]), c = keptMask(got[2]);
  for (size_t i = 0; i < n; ++i) {
    kept += a[i];
    sameAcrossSteps += a[i] == b[i];
    sameAcrossSeeds += a[i] == c[i];
    if (a[i]) {
      EXPECT_NEAR(got[0].data[i], xv.data[i] / 0.7f, 1e-5);
    }
  }
  // 19,200 Bernoulli(0.7) draws: the fraction kept is within 0.7 +- 0.015 (4.5 standard deviations).
  EXPECT_NEAR(static_cast<double>(kept) / static_cast<double>(n), 0.7, 0.015);
  // Independent masks agree on 0.7^2 + 0.3^2 = 58% of the elements.
  EXPECT_NEAR(static_cast<double>(sameAcrossSteps) / static_cast<double>(n), 0.58, 0.02);
  EXPECT_NEAR(static_cast<double>(sameAcrossSeeds) / static_cast<double>(n), 0.58, 0.02);
  EXPECT_TRUE(allClose(got[3], xv, 0, 0)) << "evaluation must be the identity";
  EXPECT_TRUE(allClose(got[4], got[0], 0, 0)) << "the same step and seed must give the same mask";
}

TEST(RandomBits, HalideAndPlainHashesAgree) {
  // The kernels and the reference share the hash; check the Halide form against the plain one.
  Halide::Func f("bits");
  Halide::Var i("i");
  f(i) = dropoutBits(Halide::cast<uint32_t>(i) * Halide::Expr(uint32_t{2654435761u}), Halide::Expr(uint32_t{77}), 5u);
  Halide::Buffer<uint32_t> out = f.realize({1000});
  for (int k = 0; k < 1000; ++k)
    ASSERT_EQ(out(k), dropoutBits(static_cast<uint32_t>(k) * 2654435761u, 77u, 5u)) << "at " << k;
}

}  // namespace
}  // namespace graphc
