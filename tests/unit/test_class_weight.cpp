// \file class_weight: the weighted loss and its gradient, run through the session, against a
// double-precision computation of Keras' rule (each example's loss times its class's weight,
// summed, divided by the batch size); unweighted outside training; the users' errors.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "frontend/lower_program.h"
#include "frontend/parser.h"
#include "passes/optimizer.h"
#include "passes/stable_losses.h"
#include "runtime/session.h"
#include "support/diagnostics.h"
#include "testing/harness.h"

namespace graphc {
namespace {

constexpr int64_t kBatch = 6, kIn = 4, kClasses = 3;

std::string source(const std::string& loss, const std::string& classWeight) {
  return "x = placeholder(f32, [?, 4])\ny = placeholder(i32, [?])\nw = variable([4, 3])\nlogits = x @ w\n" + loss +
         "\ntrain {\n  data = mnist()\n  feed = {x: image, y: label}\n  optimizer = sgd(lr = 1)\n"
         "  minimize = loss\n  class_weight = " +
         classWeight + "\n}\n";
}

Model lower(const std::string& text) { return lowerProgram(parseProgram("test.mnn", text)); }

// Runs one SGD step (lr 1) with the training flag `training`; returns the loss and the new w.
std::pair<double, std::vector<double>> step(const std::string& loss, const std::vector<double>& x,
                                            const std::vector<int>& labels, const std::vector<double>& w0,
                                            double training) {
  Model m = lower(source(loss, "{0: 2.0, 2: 0.5, 1: 1}"));
  rewriteStableLosses(m.graph);
  TrainGraph t = buildTrainGraph(m.graph, m.train.minimize, m.train.optimizer, {});
  Session s(m.graph, 0);
  int w = m.graph.findByName("w");
  Halide::Buffer<float> wb = s.variable(w);
  for (size_t i = 0; i < w0.size(); ++i) wb.data()[i] = static_cast<float>(w0[i]);
  s.feed(m.graph.findByName("x"), toBuffer(RefTensor{{kBatch, kIn}, x, DType::F32}));
  std::vector<double> ids(labels.begin(), labels.end());
  s.feed(m.graph.findByName("y"), toBuffer(RefTensor{{kBatch}, ids, DType::I32}));
  s.feed(m.graph.findByName(kTrainingFlagName), scalarValue(DType::F32, training));
  s.feed(t.learningRate, scalarValue(DType::F32, 1.0));
  std::vector<int> fetches = {t.loss};
  for (const VariableUpdate& u : t.updates) fetches.push_back(u.next);
  auto& outs = s.run(fetches, kBatch);
  double lossValue = Halide::Buffer<float>(outs[0])();
  for (size_t u = 0; u < t.updates.size(); ++u) s.assignVariable(t.updates[u].variable, outs[u + 1]);
  Halide::Buffer<float> after = s.variable(w);
  return {lossValue, std::vector<double>(after.data(), after.data() + after.number_of_elements())};
}

TEST(ClassWeight, WeightedLossAndGradientMatchKeras) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<double> x(kBatch * kIn), w0(kIn * kClasses);
  for (double& v : x) v = u(rng);
  for (double& v : w0) v = u(rng);
  std::vector<int> labels = {0, 2, 1, 0, 2, 2};
  const double weight[kClasses] = {2.0, 1.0, 0.5};
  for (const char* loss :
       {"loss = sparse_categorical_crossentropy(softmax(logits), y)",
        "loss = categorical_crossentropy(softmax(logits), one_hot(y, 3))", "loss = softmax_cross_entropy(logits, y)"}) {
    for (double training : {1.0, 0.0}) {
      SCOPED_TRACE(std::string(loss) + (training ? " training" : " evaluating"));
      // Reference: loss = sum_n c_n CE_n / N, dL/dw = x^T (softmax - onehot) c_n / N, c_n the
      // weight of example n's class while training, 1 otherwise.
      double want = 0;
      std::vector<double> grad(w0.size(), 0.0);
      for (int64_t n = 0; n < kBatch; ++n) {
        double logits[kClasses], total = 0;
        for (int64_t k = 0; k < kClasses; ++k) {
          logits[k] = 0;
          for (int64_t i = 0; i < kIn; ++i) logits[k] += x[n * kIn + i] * w0[i * kClasses + k];
          total += std::exp(logits[k]);
        }
        double c = training ? weight[labels[n]] : 1.0;
        want += c * (std::log(total) - logits[labels[n]]) / kBatch;
        for (int64_t k = 0; k < kClasses; ++k) {
          double d = (std::exp(logits[k]) / total - (k == labels[n])) * c / kBatch;
          for (int64_t i = 0; i < kIn; ++i) grad[i * kClasses + k] += x[n * kIn + i] * d;
        }
      }
      auto [got, w1] = step(loss, x, labels, w0, training);
      EXPECT_NEAR(got, want, 1e-6 * std::fabs(want));
      for (size_t i = 0; i < w0.size(); ++i)
        EXPECT_NEAR(w1[i], w0[i] - grad[i], 1e-6 + 1e-5 * std::fabs(grad[i])) << "w[" << i << "]";
    }
  }
}

TEST(ClassWeight, ErrorsAtTheirPlace) {
  std::string ce = "loss = sparse_categorical_crossentropy(softmax(logits), y)";
  try {
    lower(source(ce, "{0: 1.0, 3: 2.5}"));
    FAIL() << "class 3 of 3 classes was accepted";
  } catch (const UserError& e) {
    EXPECT_EQ(e.loc().line, 11);
    EXPECT_EQ(e.loc().col, 27);
    EXPECT_STREQ(e.what(), "class_weight names class 3, but the model has 3 classes (0 to 2)");
  }
  EXPECT_THROW(lower(source(ce, "{0: -1}")), UserError);
  EXPECT_THROW(lower(source(ce, "{1: 2, 1: 3}")), UserError);
  EXPECT_THROW(lower(source("loss = reduce_mean(square(logits))", "{0: 2}")), UserError);
}

}  // namespace
}  // namespace graphc
