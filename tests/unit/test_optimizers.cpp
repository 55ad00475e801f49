// \file The optimizers' update graphs, run through the session, against a double-precision
// transcription of Keras' formulas, step by step; plus their names and state bookkeeping.
#include <gtest/gtest.h>

#include <cmath>

#include "passes/optimizer.h"
#include "passes/shard_updates.h"
#include "runtime/session.h"
#include "support/diagnostics.h"
#include "testing/harness.h"

namespace graphc {
namespace {

const Shape kShape = {2, 3};
const std::vector<double> kInitial = {0.5, -1.25, 2.0, 0.0, 3.5, -0.75};
const std::vector<double> kTarget = {1.0, 1.0, -1.0, 0.25, 0.0, 2.0};

// loss = reduce_sum(square(w - target)): d loss / d w = 2 (w - target).
struct Problem {
  Graph graph;
  int w = -1, target = -1, loss = -1;
  TrainGraph train;
};

void build(Problem& p, const OptimizerSpec& spec, bool feedGradients = false) {
  Graph& g = p.graph;
  p.w = addVariable(g, "w", kShape);
  p.target = addPlaceholder(g, "target", kShape);
  int diff = g.add(Op::Sub, {p.w, p.target});
  int sq = g.add(Op::Square, {diff});
  p.loss = g.add(Op::ReduceSum, {sq}, Attrs().set("axes", std::vector<int64_t>{}).set("keepdims", int64_t(0)));
  p.train = buildTrainGraph(g, p.loss, spec, {}, feedGradients);
}

// Keras' update rules in double precision (tf.keras OptimizerV2 / Keras 3), transcribed from
// Keras 3's keras/src/optimizers/{sgd,adam,nadam,rmsprop,adagrad}.py and the base Optimizer's
// _clip_gradients and _apply_weight_decay, one element at a time.
struct ReferenceOptimizer {
  OptimizerSpec o;
  std::vector<double> w = kInitial;
  std::vector<double> m = std::vector<double>(kInitial.size(), 0.0);  // adam m, sgd velocity
  std::vector<double> v = std::vector<double>(kInitial.size(), 0.0);  // adam v, rmsprop v, adagrad accumulator
  double iterations = 0;
  double uProduct = 1;  // nadam

  ReferenceOptimizer(const OptimizerSpec& spec) : o(spec) {
    if (o.kind == "adagrad") v.assign(kInitial.size(), o.initialAccumulator);
  }

  std::vector<double> gradients() const {
    std::vector<double> g(w.size());
    for (size_t i = 0; i < w.size(); ++i) g[i] = 2 * (w[i] - kTarget[i]);
    double norm = 0;
    for (double x : g) norm += x * x;
    norm = std::sqrt(norm);
    // One variable: clipnorm and global_clipnorm see the same norm, but apply in turn.
    if (o.clipnorm > 0 && norm > o.clipnorm) {
      for (double& x : g) x *= o.clipnorm / norm;
      norm = o.clipnorm;
    }
    if (o.globalClipnorm > 0 && norm > o.globalClipnorm)
      for (double& x : g) x *= o.globalClipnorm / norm;
    if (o.clipvalue > 0)
      for (double& x : g) x = std::min(o.clipvalue, std::max(-o.clipvalue, x));
    return g;
  }

  void step(double lr) {
    double t = iterations + 1;
    std::vector<double> grads = gradients();
    for (double& x : w) x -= lr * o.weightDecay * x;
    if (o.kind == "nadam") uProduct *= o.beta1 * (1 - 0.5 * std::pow(0.96, t));
    for (size_t i = 0; i < w.size(); ++i) {
      double g = grads[i];
      if (o.kind == "sgd") {
        m[i] = o.momentum * m[i] - lr * g;
        if (o.momentum == 0)
          w[i] -= lr * g;
        else if (o.nesterov)
          w[i] += o.momentum * m[i] - lr * g;
        else
          w[i] += m[i];
      } else if (o.kind == "adam" || o.kind == "adamw") {
        double lrT = lr * std::sqrt(1 - std::pow(o.beta2, t)) / (1 - std::pow(o.beta1, t));
        m[i] = o.beta1 * m[i] + (1 - o.beta1) * g;
        v[i] = o.beta2 * v[i] + (1 - o.beta2) * g * g;
        w[i] -= lrT * m[i] / (std::sqrt(v[i]) + o.epsilon);
      } else if (o.kind == "nadam") {
        double uT = o.beta1 * (1 - 0.5 * std::pow(0.96, t));
        double uNext = o.beta1 * (1 - 0.5 * std::pow(0.96, t + 1));
        m[i] = o.beta1 * m[i] + (1 - o.beta1) * g;
        v[i] = o.beta2 * v[i] + (1 - o.beta2) * g * g;
        double mHat = uNext * m[i] / (1 - uProduct * uNext) + (1 - uT) * g / (1 - uProduct);
        double vHat = v[i] / (1 - std::pow(o.beta2, t));
        w[i] -= lr * mHat / (std::sqrt(vHat) + o.epsilon);
      } else if (o.kind == "adagrad") {
        v[i] += g * g;
        w[i] -= lr * g / std::sqrt(v[i] + o.epsilon);
      } else {
        v[i] = o.rho * v[i] + (1 - o.rho) * g * g;
        w[i] -= lr * g / (std::sqrt(v[i]) + o.epsilon);
      }
    }
    iterations = t;
  }
};

std::vector<double> values(Session& s, int variable) {
  Halide::Buffer<float> b = s.variable(variable);
  return std::vector<double>(b.data(), b.data() + b.number_of_elements());
}

void expectClose(const std::vector<double>& got, const std::vector<double>& want, const std::string& what, int step) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], want[i], 1e-5 * std::fabs(want[i]) + 1e-7) << what << "[" << i << "] after step " << step;
}

// Runs steps training steps in the session and in the reference, comparing the variable and every
// optimizer slot after each. startIterations presets the step counter (bias correction far in).
void checkAgainstReference(const OptimizerSpec& spec, int steps, double startIterations = 0) {
  Problem p;
  build(p, spec);
  Session session(p.graph, 0);
  Halide::Buffer<float> w = session.variable(p.w);
  for (size_t i = 0; i < kInitial.size(); ++i) w.data()[i] = static_cast<float>(kInitial[i]);
  session.variable(p.train.iterations)() = static_cast<float>(startIterations);
  session.feed(p.target, toBuffer(RefTensor{kShape, kTarget, DType::F32}));
  session.feed(p.train.learningRate, scalarValue(DType::F32, spec.learningRate));

  ReferenceOptimizer ref(spec);
  ref.iterations = startIterations;
  std::vector<int> fetches = {p.loss};
  for (const VariableUpdate& u : p.train.updates) fetches.push_back(u.next);
  int m = -1, v = -1;
  if (spec.kind == "sgd") m = p.graph.findByName("sgd/velocity/w");
  if (spec.kind == "adam" || spec.kind == "adamw" || spec.kind == "nadam")
    m = p.graph.findByName(spec.kind + "/m/w"), v = p.graph.findByName(spec.kind + "/v/w");
  if (spec.kind == "rmsprop") v = p.graph.findByName("rmsprop/v/w");
  if (spec.kind == "adagrad") v = p.graph.findByName("adagrad/accumulator/w");
  for (int step = 1; step <= steps; ++step) {
    // A schedule's rate at the step count before the step, fed as the trainer feeds it.
    double lr = learningRateAt(spec, static_cast<int64_t>(ref.iterations));
    session.feed(p.train.learningRate, scalarValue(DType::F32, lr));
    auto& outs = session.run(fetches, 1);
    for (size_t u = 0; u < p.train.updates.size(); ++u)
      session.assignVariable(p.train.updates[u].variable, outs[u + 1]);
    ref.step(static_cast<float>(lr));
    expectClose(values(session, p.w), ref.w, spec.kind + " w", step);
    if (m >= 0) expectClose(values(session, m), ref.m, spec.kind + " first slot", step);
    if (v >= 0) expectClose(values(session, v), ref.v, spec.kind + " second slot", step);
    EXPECT_EQ(session.variable(p.train.iterations)(), static_cast<float>(ref.iterations));
  }
}

OptimizerSpec spec(const std::string& kind, double lr) {
  OptimizerSpec o = defaultOptimizer(kind);
  o.learningRate = lr;
  return o;
}

TEST(Optimizers, PlainSgdMatchesKeras) { checkAgainstReference(spec("sgd", 0.05), 8); }

TEST(Optimizers, SgdMomentumMatchesKeras) {
  OptimizerSpec o = spec("sgd", 0.05);
  o.momentum = 0.9;
  checkAgainstReference(o, 8);
}

TEST(Optimizers, SgdNesterovMatchesKeras) {
  OptimizerSpec o = spec("sgd", 0.05);
  o.momentum = 0.8;
  o.nesterov = true;
  checkAgainstReference(o, 8);
}

TEST(Optimizers, AdamMatchesKeras) { checkAgainstReference(spec("adam", 0.1), 8); }

TEST(Optimizers, AdamWithoutMomentumMatchesKeras) {
  OptimizerSpec o = spec("adam", 0.1);
  o.beta1 = 0;
  checkAgainstReference(o, 5);
}

// Far into training the bias corrections are close to 1 and the step counter is large: the
// counter variable must drive them exactly as a resumed run needs.
TEST(Optimizers, AdamBiasCorrectionLateInTraining) { checkAgainstReference(spec("adam", 0.01), 4, 12345); }

TEST(Optimizers, AdamBiasCorrectionWithBeta2NearOne) {
  OptimizerSpec o = spec("adam", 0.1);
  o.beta2 = 0.99999;
  checkAgainstReference(o, 5);
}

TEST(Optimizers, RmspropMatchesKeras) { checkAgainstReference(spec("rmsprop", 0.05), 8); }

TEST(Optimizers, StateIsNamedAndEveryVariableIsUpdated) {
  for (const char* kind : {"sgd", "adam", "rmsprop"}) {
    OptimizerSpec o = defaultOptimizer(kind);
    o.momentum = 0.5;
    Problem p;
    build(p, o);
    std::string k = kind;
    EXPECT_EQ(p.graph.node(p.train.iterations).name, k + "/iterations");
    EXPECT_EQ(p.graph.node(p.train.learningRate).name, k + "/lr");
    std::vector<std::string> slots = k == "sgd"    ? std::vector<std::string>{"sgd/velocity/w"}
                                     : k == "adam" ? std::vector<std::string>{"adam/m/w", "adam/v/w"}
                                                   : std::vector<std::string>{"rmsprop/v/w"};
    for (const std::string& s : slots) {
      int id = p.graph.findByName(s);
      ASSERT_GE(id, 0) << s;
      const Node& n = p.graph.node(id);
      EXPECT_EQ(n.op, Op::Variable);
      EXPECT_EQ(n.shape, kShape);
      EXPECT_EQ(n.attrs.getInt("trainable", 1), 0) << s;
      EXPECT_EQ(n.attrs.getInt(kOptimizerSlotAttr), 1) << s;
      EXPECT_TRUE(n.isGradient) << s;
    }
    // Every variable of the graph, trainable or optimizer state, has exactly one update.
    std::vector<int> vars = p.graph.variables(false);
    ASSERT_EQ(p.train.updates.size(), vars.size()) << kind;
    for (int var : vars) {
      int count = 0;
      for (const VariableUpdate& u : p.train.updates) count += u.variable == var;
      EXPECT_EQ(count, 1) << p.graph.node(var).name;
    }
    for (const VariableUpdate& u : p.train.updates) {
      EXPECT_TRUE(p.graph.node(u.next).isGradient);
      EXPECT_EQ(p.graph.node(u.next).name.rfind(k + "/update/", 0), 0u) << p.graph.node(u.next).name;
    }
  }
}

TEST(Optimizers, PlainSgdHasNoVelocity) {
  Problem p;
  build(p, defaultOptimizer("sgd"));
  EXPECT_LT(p.graph.findByName("sgd/velocity/w"), 0);
}

TEST(Optimizers, UnknownKindIsAUserError) {
  Problem p;
  OptimizerSpec o;
  o.kind = "adadelta";
  EXPECT_THROW(build(p, o), UserError);
}

TEST(Optimizers, AdamwMatchesKeras) {
  OptimizerSpec o = spec("adamw", 0.1);
  EXPECT_EQ(defaultOptimizer("adamw").weightDecay, 0.004);  // Keras 3's AdamW default
  o.weightDecay = 0.05;                                     // large enough to matter in 8 steps
  checkAgainstReference(o, 8);
}

TEST(Optimizers, NadamMatchesKeras) { checkAgainstReference(spec("nadam", 0.1), 8); }

TEST(Optimizers, NadamLateInTraining) { checkAgainstReference(spec("nadam", 0.01), 4, 200); }

TEST(Optimizers, AdagradMatchesKeras) { checkAgainstReference(spec("adagrad", 0.3), 8); }

TEST(Optimizers, AdagradWithoutInitialAccumulator) {
  OptimizerSpec o = spec("adagrad", 0.3);
  o.initialAccumulator = 0;
  o.epsilon = 0.5;  // large: epsilon inside the root (Keras 3), not added after it (tf.keras 2)
  checkAgainstReference(o, 5);
}

TEST(Optimizers, WeightDecayOnEveryOptimizer) {
  for (const std::string& kind : optimizerKinds()) {
    OptimizerSpec o = spec(kind, 0.05);
    o.weightDecay = 0.5;
    o.momentum = kind == "sgd" ? 0.9 : 0;
    SCOPED_TRACE(kind);
    checkAgainstReference(o, 5);
  }
}

// The gradient's norm is about 9.5 at the start: every bound below clips the first steps.
TEST(Optimizers, ClipnormOnEveryOptimizer) {
  for (const std::string& kind : optimizerKinds()) {
    OptimizerSpec o = spec(kind, 0.05);
    o.clipnorm = 1.5;
    SCOPED_TRACE(kind);
    checkAgainstReference(o, 5);
  }
}

TEST(Optimizers, GlobalClipnormAndClipvalue) {
  for (const char* kind : {"sgd", "adam", "adagrad"}) {
    OptimizerSpec o = spec(kind, 0.05);
    o.globalClipnorm = 2.0;
    SCOPED_TRACE(kind);
    checkAgainstReference(o, 5);
    o.globalClipnorm = 0;
    o.clipvalue = 0.75;
    checkAgainstReference(o, 5);
  }
}

// All of them at once, in the order of the language reference: clipnorm, global_clipnorm,
// clipvalue, then weight decay.
TEST(Optimizers, ClippingAndDecayCombine) {
  OptimizerSpec o = spec("sgd", 0.1);
  o.clipnorm = 4, o.globalClipnorm = 3, o.clipvalue = 1, o.weightDecay = 0.2;
  checkAgainstReference(o, 6);
}

// global_clipnorm scales every variable by one norm: two variables whose gradients have norms
// 3 and 4 (global 5), clipped to 1, take SGD steps of lr * g / 5.
TEST(Optimizers, GlobalClipnormSpansVariables) {
  Graph g;
  int a = addVariable(g, "a", {1});
  int b = addVariable(g, "b", {1});
  // loss = 1.5 a^2 + 2 b^2 at a = b = 1: gradients 3 and 4.
  int la = g.add(Op::Mul, {g.add(Op::Square, {a}),
                           g.add(Op::Constant, {}, Attrs().set("value", 1.5).set("dtype", std::string("f32")))});
  int lb = g.add(Op::Mul, {g.add(Op::Square, {b}),
                           g.add(Op::Constant, {}, Attrs().set("value", 2.0).set("dtype", std::string("f32")))});
  int loss = g.add(Op::ReduceSum, {g.add(Op::Add, {la, lb})},
                   Attrs().set("axes", std::vector<int64_t>{}).set("keepdims", int64_t(0)));
  OptimizerSpec o = spec("sgd", 0.1);
  o.globalClipnorm = 1;
  TrainGraph train = buildTrainGraph(g, loss, o, {});
  Session session(g, 0);
  session.variable(a)() = 1.0f;
  session.variable(b)() = 1.0f;
  session.feed(train.learningRate, scalarValue(DType::F32, 0.1));
  std::vector<int> fetches;
  for (const VariableUpdate& u : train.updates) fetches.push_back(u.next);
  auto& outs = session.run(fetches, 1);
  for (size_t u = 0; u < train.updates.size(); ++u) session.assignVariable(train.updates[u].variable, outs[u]);
  EXPECT_NEAR(session.variable(a)(), 1 - 0.1 * 3 / 5.0, 1e-7);
  EXPECT_NEAR(session.variable(b)(), 1 - 0.1 * 4 / 5.0, 1e-7);
}

// A schedule feeds each step its own rate (values checked in test_lr_schedules.cpp); with weight
// decay, which reads the rate too.
TEST(Optimizers, ScheduledRateDrivesEachStep) {
  OptimizerSpec o = spec("adamw", 0.2);
  o.schedule.kind = "exponential_decay";
  o.schedule.decaySteps = 2, o.schedule.decayRate = 0.25;
  o.weightDecay = 0.1;
  checkAgainstReference(o, 6);
}

// A data-parallel rank's sharded update (passes/shard_updates.h): row 1 of w (the elements 3..5)
// updated from the sum of two ranks' parts of its gradient, its state fed back step by step,
// follows Keras' formulas for those elements.
TEST(Optimizers, ShardedRowUpdateMatchesKeras) {
  OptimizerSpec momentum = spec("sgd", 0.05), adamw = spec("adamw", 0.1);
  momentum.momentum = 0.9;
  adamw.weightDecay = 0.004;
  for (const OptimizerSpec& o :
       {momentum, spec("adam", 0.1), adamw, spec("nadam", 0.1), spec("rmsprop", 0.05), spec("adagrad", 0.3)}) {
    Problem p;
    build(p, o, true);
    std::optional<std::vector<int>> owners = rowSplitOwners(p.graph, p.train);
    ASSERT_TRUE(owners) << o.kind;
    UpdateShard shard = shardUpdates(p.graph, p.train, *owners, {{p.w, RowRange{1, 1}}}, 2);
    Session session(shard.graph, 0);
    std::map<int, std::vector<float>> state;  // each variable's row 1 (a scalar: its value)
    for (const UpdateShard::View& in : shard.inputs) {
      const Node& n = p.graph.node(in.original);
      if (n.op != Op::Variable) continue;
      float initial = n.attrs.getString("init") == "constant" ? static_cast<float>(n.attrs.getFloat("value")) : 0.0f;
      state[in.original].assign(n.shape.empty() ? 1 : 3, initial);
    }
    for (size_t i = 0; i < 3; ++i) state[p.w][i] = static_cast<float>(kInitial[3 + i]);
    auto buffer = [](const std::vector<float>& values) {
      Halide::Buffer<float> b = values.size() == 1 ? Halide::Buffer<float>::make_scalar() : Halide::Buffer<float>(3, 1);
      std::copy(values.begin(), values.end(), b.data());
      return b;
    };
    std::vector<int> fetches;
    for (const UpdateShard::Output& out : shard.outputs) fetches.push_back(out.fetch);
    ReferenceOptimizer ref(o);
    for (int step = 1; step <= 4; ++step) {
      std::vector<float> first(3), second(3);  // the two ranks' parts of the gradient
      for (size_t i = 0; i < 3; ++i) {
        float g = 2 * (state[p.w][i] - static_cast<float>(kTarget[3 + i]));
        first[i] = 0.25f * g, second[i] = 0.75f * g;
      }
      for (const UpdateShard::View& in : shard.inputs) {
        if (in.original == p.train.learningRate)
          session.feed(in.placeholder, scalarValue(DType::F32, o.learningRate));
        else if (p.graph.node(in.original).op == Op::Variable)
          session.feed(in.placeholder, buffer(state[in.original]));
        else
          session.feed(in.placeholder, buffer(in.part == 0 ? first : second));
      }
      auto& outs = session.run(fetches, 1);
      for (size_t k = 0; k < outs.size(); ++k) {
        Halide::Buffer<float> next(outs[k]);
        state[shard.outputs[k].variable].assign(next.data(), next.data() + next.number_of_elements());
      }
      ref.step(o.learningRate);
      std::vector<double> row(state[p.w].begin(), state[p.w].end());
      expectClose(row, std::vector<double>(ref.w.begin() + 3, ref.w.end()), o.kind + " row 1 of w", step);
    }
  }
}

// Norms over a whole gradient do not split by rows: such a run updates every row on every rank.
TEST(Optimizers, ClipnormIsNotSplitByRows) {
  OptimizerSpec clipped = spec("adam", 0.1), global = spec("adam", 0.1), byValue = spec("adam", 0.1);
  clipped.clipnorm = 1;
  global.globalClipnorm = 1;
  byValue.clipvalue = 1;
  Problem a, b, c;
  build(a, clipped, true);
  build(b, global, true);
  build(c, byValue, true);
  EXPECT_FALSE(rowSplitOwners(a.graph, a.train));
  EXPECT_FALSE(rowSplitOwners(b.graph, b.train));
  EXPECT_TRUE(rowSplitOwners(c.graph, c.train));  // elementwise
}

}  // namespace
}  // namespace graphc
