// \file The v2 activations, math ops and losses at the graph level (nothing is compiled): the DSL
// calls and their defaults, `activation =` on layers, moments' two values, label smoothing, the
// gradient that stop_gradient, floor, round and sign stop, and the users' errors with suggestions.
#include <gtest/gtest.h>

#include "frontend/lower_program.h"
#include "frontend/parser.h"
#include "ir/model.h"
#include "passes/autodiff.h"
#include "passes/stable_losses.h"
#include "support/diagnostics.h"
#include "support/spelling.h"
#include "testing/harness.h"
#include "testing/lowering.h"

namespace graphc {
namespace {

Model lower(const std::string& source) { return lowerSource(source); }

const Node& named(const Model& m, const std::string& name) {
  int id = m.graph.findByName(name);
  if (id < 0) throw std::runtime_error("no node named " + name);
  return m.graph.node(id);
}

TEST(V2Calls, ActivationsAndMathTakeTheTablesDefaults) {
  Model m = lower(R"(
x = placeholder(f32, [?, 3])
e = elu(x)
e2 = elu(x, alpha = 0.5)
g = gelu(x)
ga = gelu(x, approximate = true)
s = silu(x)
p = pow(x, 2)
r = reduce_prod(x, axis = 1, keepdims = true)
n = reduce_min(x)
st = stop_gradient(x)
)");
  EXPECT_DOUBLE_EQ(named(m, "e").attrs.getFloat("alpha"), 1.0);
  EXPECT_DOUBLE_EQ(named(m, "e2").attrs.getFloat("alpha"), 0.5);
  EXPECT_EQ(named(m, "g").attrs.getInt("approximate"), 0);
  EXPECT_EQ(named(m, "ga").attrs.getInt("approximate"), 1);
  EXPECT_EQ(named(m, "s").op, Op::Swish);
  EXPECT_EQ(named(m, "p").op, Op::Pow);
  EXPECT_EQ(named(m, "r").shape, (Shape{kBatch, 1}));
  EXPECT_EQ(named(m, "n").shape, Shape{});
  EXPECT_EQ(named(m, "st").op, Op::StopGradient);
}

TEST(V2Calls, EveryActivationIsALayerArgument) {
  const std::pair<const char*, Op> cases[] = {{"relu", Op::Relu},
                                              {"sigmoid", Op::Sigmoid},
                                              {"tanh", Op::Tanh},
                                              {"softmax", Op::Softmax},
                                              {"softplus", Op::Softplus},
                                              {"elu", Op::Elu},
                                              {"selu", Op::Selu},
                                              {"gelu", Op::Gelu},
                                              {"swish", Op::Swish},
                                              {"silu", Op::Swish},
                                              {"mish", Op::Mish},
                                              {"softsign", Op::Softsign},
                                              {"relu6", Op::Relu6},
                                              {"hard_sigmoid", Op::HardSigmoid},
                                              {"leaky_relu", Op::LeakyRelu},
                                              {"exponential", Op::Exp}};
  for (const auto& [name, op] : cases) {
    Model m = lower(std::string("x = placeholder(f32, [?, 3])\nd = Dense(x, 4, activation = ") + name + ")\n");
    const Node& d = named(m, "d");
    EXPECT_EQ(d.op, op) << name;
    if (op == Op::LeakyRelu) {
      EXPECT_DOUBLE_EQ(d.attrs.getFloat("alpha"), 0.3);  // Keras' activation default
    }
    if (op == Op::Elu) {
      EXPECT_DOUBLE_EQ(d.attrs.getFloat("alpha"), 1.0);
    }
  }
  Model linear = lower("x = placeholder(f32, [?, 3])\nd = Dense(x, 4, activation = linear)\n");
  EXPECT_EQ(named(linear, "d").op, Op::Add);
}

TEST(V2Calls, MomentsGiveMeanAndVariance) {
  Model m = lower(R"(
x = placeholder(f32, [?, 4, 4, 3])
m = moments(x, [0, 1, 2])
mu = m.mean
v = moments(x, [1, 2], keepdims = true).variance
)");
  EXPECT_EQ(named(m, "m/mean").shape, Shape{3});
  EXPECT_EQ(named(m, "m/variance").shape, Shape{3});
  EXPECT_EQ(named(m, "m/mean").id, m.graph.findByName("m/mean"));
  EXPECT_EQ(named(m, "v").shape, (Shape{kBatch, 1, 1, 3}));
  EXPECT_EQ(named(m, "v").op, Op::ReduceMean);
}

TEST(V2Calls, LabelSmoothingSmoothsOneHotTargets) {
  Model m = lower(R"(
z = placeholder(f32, [?, 10])
y = placeholder(i32, [?])
l = softmax_cross_entropy(z, y, label_smoothing = 0.1)
)");
  const Node& loss = named(m, "l");
  ASSERT_EQ(loss.op, Op::SoftmaxCrossEntropy);
  const Node& targets = m.graph.node(loss.inputs[1]);  // one_hot(y) * 0.9 + 0.01
  EXPECT_EQ(targets.op, Op::Add);
  EXPECT_EQ(targets.shape, (Shape{kBatch, 10}));
  EXPECT_DOUBLE_EQ(m.graph.node(targets.inputs[1]).attrs.getFloat("value"), 0.01);
}

TEST(V2Calls, BinaryCrossentropyOfASigmoidIsComputedFromTheLogits) {
  Model m = lower(R"(
z = placeholder(f32, [?, 1])
y = placeholder(f32, [?, 1])
p = sigmoid(z)
l = binary_crossentropy(p, y)
k = binary_crossentropy(z, y)
)");
  EXPECT_EQ(rewriteStableLosses(m.graph), 1);
  const Node& terms = m.graph.node(named(m, "l").inputs[0]);
  EXPECT_EQ(terms.op, Op::SigmoidCrossEntropy);
  EXPECT_EQ(terms.inputs[0], named(m, "z").id);
  EXPECT_EQ(m.graph.node(named(m, "k").inputs[0]).op, Op::BinaryCrossentropy);
}

// d/dx sum(op(x) * x) by autodiff, evaluated: op(x) where op stops the gradient (or has none).
TEST(V2Calls, StopGradientFloorRoundAndSignPassNoGradient) {
  for (Op op : {Op::StopGradient, Op::Floor, Op::Round, Op::Sign}) {
    Graph g;
    RefTensor value{{4}, {-1.75, -0.25, 0.6, 2.3}};
    int x = addVariable(g, "x", {4});
    int y = g.add(op, {x});
    int loss = g.add(Op::ReduceSum, {g.add(Op::Mul, {y, x})}, Attrs().set("axes", std::vector<int64_t>{}));
    int grad = autodiff(g, loss, {x}).at(x);
    std::map<int, RefTensor> values = evaluateReference(g, {grad, y}, {{x, value}});
    EXPECT_EQ(values.at(grad).data, values.at(y).data) << opName(op);
  }
}

// The global pooling rule read its input's shape through a reference after adding a node; when
// that addition moved the graph's node storage, the shape it read was a moved-from (empty) vector
// and `graphc check` crashed. Filler nodes put the addition at every position of a capacity
// doubling, so one of the cases moves the storage there; each gradient is d sum(pool(x)) / dx.
TEST(V2Calls, GlobalAveragePoolingGradientSurvivesTheGraphGrowing) {
  for (int fillers = 0; fillers < 40; ++fillers) {
    Graph g;
    for (int i = 0; i < fillers; ++i) addConstant(g, i);
    int x = addVariable(g, "x", {2, 3, 5, 4});
    int sum = g.add(Op::ReduceSum, {g.add(Op::GlobalAvgPool, {x})}, Attrs().set("axes", std::vector<int64_t>{}));
    int grad = autodiff(g, sum, {x}).at(x);
    std::map<int, RefTensor> values = evaluateReference(g, {grad}, {{x, filled({2, 3, 5, 4}, 0.5)}});
    EXPECT_TRUE(allClose(values.at(grad), filled({2, 3, 5, 4}, 1.0 / 15), 1e-12, 1e-12)) << fillers << " fillers";
  }
}

TEST(V2Calls, UnknownNamesSuggestTheNearest) {
  EXPECT_EQ(nearestName("sofplus", {"relu", "softplus", "softsign"}), "softplus");
  EXPECT_EQ(nearestName("frobnicate", {"relu", "softplus"}), "");
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"x = placeholder(f32, [?, 8])\ny = sofplus(x)\n", "unknown op 'sofplus' (did you mean 'softplus'?"},
      {"x = placeholder(f32, [?, 8])\ny = frobnicate(x)\n", "expected one of: abs, accuracy, "},
      {"x = placeholder(f32, [?, 8])\ny = Dense(x, 3, activation = gelus)\n", "did you mean 'gelu'?"},
      {"x = placeholder(f32, [?, 8])\nm = moments(x, 0)\ny = m + 1\n", "use m.mean or m.variance"},
      {"x = placeholder(f32, [?, 8])\ny = moments(x, 0) + 1\n", "moments gives two values"},
      {"x = placeholder(f32, [?, 8])\ny = moments(x, 0).average\n", "mean and variance"},
      {"x = placeholder(f32, [?, 8])\ny = huber(x, x, delta = 0)\n", "delta > 0"},
      {"z = placeholder(f32, [?, 8])\ny = placeholder(i32, [?])\nl = softmax_cross_entropy(z, y, label_smoothing = "
       "2)\n",
       "label_smoothing must lie in [0, 1]"},
      {"z = placeholder(f32, [?, 8])\ny = placeholder(i32, [?, 8])\nl = binary_crossentropy(z, y)\n", "f32 input"},
  };
  expectLoweringErrors(cases);
}

}  // namespace
}  // namespace graphc
