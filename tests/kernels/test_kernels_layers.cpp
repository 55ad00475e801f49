// \file The layers and rewrites that are graphs of several ops, compiled from .mnn text and run:
// the stable rewrites give the values of the math the user wrote, and BatchNorm normalizes with
// the batch statistics while training and the moving ones otherwise, updating them as Keras does.
#include <gtest/gtest.h>

#include <cmath>

#include "frontend/lower_program.h"
#include "frontend/parser.h"
#include "ir/model.h"
#include "passes/stable_losses.h"
#include "testing/harness.h"

namespace graphc {
namespace {

Model lower(const std::string& source) { return lowerProgram(parseProgram("test.mnn", source)); }

int named(const Model& m, const std::string& name) {
  int id = m.graph.findByName(name);
  EXPECT_GE(id, 0) << "no node named " << name;
  return id;
}

// log(softmax) and categorical_crossentropy on softmax rows are rewritten to the logit forms. The
// f32 kernels must give the double reference's value of the original log(softmax) math even where
// a probability underflows f32 (a logit gap of 250, on row 0's label); there the rewritten
// crossentropy is the unclipped -log p (ce / batch), not Keras' clip at -log(1e-7).
TEST(StableRewrites, MatchTheMathTheUserWrote) {
  Model m = lower(R"(
z = placeholder(f32, [4, 10])
t = placeholder(f32, [4, 10])
p = placeholder(f32, [4, 10])
y = softmax(z)
ce = -reduce_sum(t * log(y))
cc = categorical_crossentropy(y, t)
cp = categorical_crossentropy(p, t)
)");
  std::mt19937 rng(5);
  RefTensor z = randomTensor({4, 10}, rng, -3, 3);
  z.data[2] = 120;
  z.data[7] = -130;
  RefTensor p = randomTensor({4, 10}, rng, 0.05, 0.5);  // rows sum to about 2.7: Keras renormalizes
  std::map<int, RefTensor> feeds = {
      {named(m, "z"), z}, {named(m, "t"), oneHot(RefTensor{{4}, {7, 1, 2, 3}, DType::I32}, 10)}, {named(m, "p"), p}};
  std::vector<int> outs = {named(m, "ce"), named(m, "cc"), named(m, "cp")};
  std::map<int, RefTensor> math = evaluateReference(m.graph, outs, feeds);
  EXPECT_EQ(rewriteStableLosses(m.graph), 2);
  EXPECT_EQ(m.graph.node(m.graph.node(named(m, "ce")).inputs[0]).op, Op::ReduceSum);
  EXPECT_EQ(m.graph.node(named(m, "cc")).op, Op::SoftmaxCrossEntropy);
  EXPECT_EQ(m.graph.node(named(m, "cp")).op, Op::ProbsCrossEntropy);
  std::vector<RefTensor> got = runHalide(m.graph, outs, feeds);
  EXPECT_GT(got[0].data[0], 250);
  EXPECT_TRUE(allClose(got[0], math.at(outs[0]), 1e-5, 1e-4)) << "ce";
  EXPECT_NEAR(got[1].data[0], got[0].data[0] / 4, 1e-4) << "cc";
  EXPECT_TRUE(allClose(got[2], math.at(outs[2]), 1e-5, 1e-5)) << "cp";
}

struct BatchNormRun {
  Model model;
  std::map<int, RefTensor> feeds;
  std::vector<RefTensor> got;  // y, the next moving mean, the next moving variance
};

// x [6, 2, 3] through BatchNorm(momentum 0.9) with the training flag fed as `flag`.
BatchNormRun runBatchNorm(double flag) {
  BatchNormRun r{lower("x = placeholder(f32, [6, 2, 3])\nb = BatchNorm(x, momentum = 0.9)\n"), {}, {}};
  const Model& m = r.model;
  std::mt19937 rng(9);
  r.feeds[named(m, "x")] = randomTensor({6, 2, 3}, rng, -2, 3);
  r.feeds[named(m, "b/gamma")] = randomTensor({3}, rng, 0.5, 1.5);
  r.feeds[named(m, "b/beta")] = randomTensor({3}, rng);
  r.feeds[named(m, "b/moving_mean")] = randomTensor({3}, rng);
  r.feeds[named(m, "b/moving_variance")] = randomTensor({3}, rng, 0.5, 2);
  r.feeds[named(m, kTrainingFlagName)] = RefTensor{{}, {flag}};
  EXPECT_EQ(m.stateUpdates.size(), 2u);
  std::vector<int> outs = {named(m, "b"), m.stateUpdates.at(0).next, m.stateUpdates.at(1).next};
  r.got = runHalide(m.graph, outs, r.feeds);
  return r;
}

// The expected values, from the definition: per channel c over the 12 elements of x[:, :, c].
TEST(BatchNormLayer, TrainingUsesBatchStatisticsAndUpdatesTheMovingOnes) {
  BatchNormRun r = runBatchNorm(1);
  const Model& m = r.model;
  const RefTensor &x = r.feeds.at(named(m, "x")), &gamma = r.feeds.at(named(m, "b/gamma")),
                  &beta = r.feeds.at(named(m, "b/beta")), &mm = r.feeds.at(named(m, "b/moving_mean")),
                  &mv = r.feeds.at(named(m, "b/moving_variance"));
  for (size_t c = 0; c < 3; ++c) {
    double mean = 0, var = 0;
    for (size_t i = c; i < x.data.size(); i += 3) mean += x.data[i] / 12;
    for (size_t i = c; i < x.data.size(); i += 3) var += (x.data[i] - mean) * (x.data[i] - mean) / 12;
    for (size_t i = c; i < x.data.size(); i += 3)
      EXPECT_NEAR(r.got[0].data[i], gamma.data[c] * (x.data[i] - mean) / std::sqrt(var + 1e-3) + beta.data[c], 1e-4);
    EXPECT_NEAR(r.got[1].data[c], 0.9 * mm.data[c] + 0.1 * mean, 1e-5);
    EXPECT_NEAR(r.got[2].data[c], 0.9 * mv.data[c] + 0.1 * var * 12 / (12 - 1.001), 1e-5);  // Keras: unbiased
  }
}

TEST(BatchNormLayer, EvaluationUsesTheMovingStatistics) {
  BatchNormRun r = runBatchNorm(0);
  const Model& m = r.model;
  const RefTensor &x = r.feeds.at(named(m, "x")), &gamma = r.feeds.at(named(m, "b/gamma")),
                  &beta = r.feeds.at(named(m, "b/beta")), &mm = r.feeds.at(named(m, "b/moving_mean")),
                  &mv = r.feeds.at(named(m, "b/moving_variance"));
  for (size_t i = 0; i < x.data.size(); ++i) {
    size_t c = i % 3;
    EXPECT_NEAR(r.got[0].data[i],
                gamma.data[c] * (x.data[i] - mm.data[c]) / std::sqrt(mv.data[c] + 1e-3) + beta.data[c], 1e-4);
  }
}

}  // namespace
}  // namespace graphc
