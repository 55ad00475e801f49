// \file The learning-rate schedules against values worked out by hand from Keras 3's formulas
// (keras/src/optimizers/schedules/learning_rate_schedule.py), at the step counts where each
// changes behaviour; and a schedule driving an optimizer in the graph, step by step.
#include <gtest/gtest.h>

#include <cmath>

#include "ir/optimizer_spec.h"

namespace graphc {
namespace {

OptimizerSpec scheduled(const std::string& kind, double initial) {
  OptimizerSpec o = defaultOptimizer("sgd");
  o.learningRate = initial;
  o.schedule.kind = kind;
  return o;
}

// Relative 1e-12: the schedules are evaluated in double precision.
void expectRate(const OptimizerSpec& o, int64_t step, double want) {
  EXPECT_NEAR(learningRateAt(o, step), want, 1e-12 * std::fabs(want) + 1e-15) << o.schedule.kind << " at step " << step;
}

TEST(LrSchedules, ConstantIsTheLearningRate) {
  OptimizerSpec o = defaultOptimizer("adam");
  expectRate(o, 0, 0.001);
  expectRate(o, 123456, 0.001);
}

TEST(LrSchedules, ExponentialDecay) {
  OptimizerSpec o = scheduled("exponential_decay", 0.1);
  o.schedule.decaySteps = 10, o.schedule.decayRate = 0.5;
  expectRate(o, 0, 0.1);
  expectRate(o, 5, 0.070710678118654752);  // 0.1 * 0.5^0.5
  expectRate(o, 10, 0.05);
  expectRate(o, 25, 0.017677669529663688);  // 0.1 * 0.5^2.5
  o.schedule.staircase = true;
  expectRate(o, 9, 0.1);
  expectRate(o, 10, 0.05);
  expectRate(o, 25, 0.025);
}

TEST(LrSchedules, PiecewiseConstant) {
  OptimizerSpec o = scheduled("piecewise_constant", 1.0);
  o.schedule.boundaries = {100, 200};
  o.schedule.values = {1.0, 0.5, 0.1};
  expectRate(o, 0, 1.0);
  expectRate(o, 100, 1.0);  // Keras: values[0] while step <= boundaries[0]
  expectRate(o, 101, 0.5);
  expectRate(o, 200, 0.5);
  expectRate(o, 201, 0.1);
  expectRate(o, 100000, 0.1);
  o.learningRate = 2.0;  // --lr replaces the first value only
  expectRate(o, 0, 2.0);
  expectRate(o, 150, 0.5);
}

TEST(LrSchedules, CosineDecay) {
  OptimizerSpec o = scheduled("cosine_decay", 0.1);
  o.schedule.decaySteps = 100, o.schedule.alpha = 0.1;
  expectRate(o, 0, 0.1);
  expectRate(o, 50, 0.055);                 // 0.1 * (0.9 * 0.5 + 0.1)
  expectRate(o, 25, 0.086819805153394639);  // 0.1 * (0.9 * (1 + cos(pi/4)) / 2 + 0.1)
  expectRate(o, 100, 0.01);
  expectRate(o, 1000, 0.01);  // stays at alpha * initial
}

TEST(LrSchedules, CosineDecayWithWarmup) {
  OptimizerSpec o = scheduled("cosine_decay", 0.0);
  o.schedule.decaySteps = 100, o.schedule.warmupSteps = 10, o.schedule.warmupTarget = 0.1;
  expectRate(o, 0, 0.0);
  expectRate(o, 5, 0.05);   // linear from initial to the target
  expectRate(o, 10, 0.1);   // the decay starts from the target
  expectRate(o, 60, 0.05);  // half-way through the decay: (1 + cos(pi/2)) / 2
  expectRate(o, 110, 0.0);
  expectRate(o, 5000, 0.0);
  // Without a warmup_target, warmup_steps do nothing (Keras 3).
  OptimizerSpec plain = scheduled("cosine_decay", 0.1);
  plain.schedule.decaySteps = 100, plain.schedule.warmupSteps = 10;
  expectRate(plain, 0, 0.1);
  expectRate(plain, 50, 0.05);
}

TEST(LrSchedules, PolynomialDecay) {
  OptimizerSpec o = scheduled("polynomial_decay", 0.1);
  o.schedule.decaySteps = 100, o.schedule.end = 0.01, o.schedule.power = 2;
  expectRate(o, 0, 0.1);
  expectRate(o, 50, 0.0325);  // 0.09 * 0.5^2 + 0.01
  expectRate(o, 100, 0.01);
  expectRate(o, 150, 0.01);
  o.schedule.power = 1, o.schedule.end = 1e-4;  // the defaults: linear to 1e-4
  expectRate(o, 25, 0.075025);
}

}  // namespace
}  // namespace graphc
