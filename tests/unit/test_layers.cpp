// \file The layers, losses and ops added for the seed models, at the graph level (nothing is
// compiled): Keras' parameter counts of every example, the variables and state updates of
// BatchNorm, dropout's session inputs and seeds, the stable rewrites, and the users' errors.
#include <gtest/gtest.h>

#include <algorithm>

#include "frontend/lower_program.h"
#include "frontend/parser.h"
#include "frontend/summary.h"
#include "ir/model.h"
#include "passes/stable_losses.h"
#include "support/diagnostics.h"
#include "testing/lowering.h"

namespace graphc {
namespace {

Model lower(const std::string& source) { return lowerSource(source); }

// An example's graph without its train block, so that the counts do not depend on which
// optimizers the train block lowering supports.
Model lowerExample(const std::string& name) {
  Program program = parseFile(std::string(GRAPHC_SOURCE_DIR) + "/examples/" + name + ".mnn");
  program.stmts.erase(std::remove_if(program.stmts.begin(), program.stmts.end(),
                                     [](const Stmt& s) { return s.kind == StmtKind::Train; }),
                      program.stmts.end());
  return lowerProgram(program);
}

const Node& named(const Model& m, const std::string& name) {
  int id = m.graph.findByName(name);
  if (id < 0) throw std::runtime_error("no node named " + name);
  return m.graph.node(id);
}

struct ParameterCount {
  const char* example;
  const char* total;
  const char* nonTrainable;
};

TEST(Summary, ParameterCountsFollowKeras) {
  const ParameterCount counts[] = {{"lenet5", "61,706", "0"},       {"small_cnn", "54,410", "0"},
                                   {"cnn16", "44,602", "0"},        {"tf_cnn", "93,322", "0"},
                                   {"mlp", "669,706", "0"},         {"cnn_bn", "1,183,498", "384"},
                                   {"mnist_deep", "3,274,634", "0"}};
  for (const ParameterCount& c : counts) {
    std::string summary = printSummary(lowerExample(c.example));
    EXPECT_NE(summary.find(std::string("Total params: ") + c.total + "\n"), std::string::npos) << summary;
    EXPECT_NE(summary.find(std::string("Non-trainable params: ") + c.nonTrainable + "\n"), std::string::npos)
        << summary;
  }
}

TEST(BatchNormLayer, VariablesAndStateUpdates) {
  Model m = lower("x = placeholder(f32, [?, 6, 6, 4])\nb = BatchNorm(x)\nb = BatchNorm(b, momentum = 0.5)\n");
  for (const char* scope : {"b", "b_1"}) {
    std::string s(scope);
    EXPECT_EQ(named(m, s + "/gamma").attrs.getString("init"), "ones");
    EXPECT_EQ(named(m, s + "/beta").attrs.getString("init"), "zeros");
    EXPECT_EQ(named(m, s + "/moving_mean").attrs.getString("init"), "zeros");
    EXPECT_EQ(named(m, s + "/moving_variance").attrs.getString("init"), "ones");
    EXPECT_EQ(named(m, s + "/gamma").attrs.getInt("trainable", 1), 1);
    EXPECT_EQ(named(m, s + "/moving_mean").attrs.getInt("trainable", 1), 0);
    EXPECT_EQ(named(m, s + "/moving_variance").shape, (Shape{4}));
  }
  ASSERT_EQ(m.stateUpdates.size(), 4u);
  EXPECT_EQ(m.stateUpdates[0].variable, named(m, "b/moving_mean").id);
  EXPECT_EQ(m.stateUpdates[1].variable, named(m, "b/moving_variance").id);
  EXPECT_EQ(m.stateUpdates[3].variable, named(m, "b_1/moving_variance").id);
  for (const VariableUpdate& u : m.stateUpdates) EXPECT_EQ(m.graph.node(u.next).shape, (Shape{4}));
  EXPECT_EQ(m.graph.variables(true).size(), 4u);  // gamma and beta of each
  const Node& out = named(m, "b");
  EXPECT_EQ(out.op, Op::BatchNorm);
  EXPECT_DOUBLE_EQ(out.attrs.getFloat("epsilon"), 1e-3);
  EXPECT_EQ(named(m, kTrainingFlagName).attrs.getFloat("default", -1), 0.0);
}

TEST(DropoutLayer, UsesTheSessionScalarsAndStableSeeds) {
  std::string source = "x = placeholder(f32, [?, 8])\nr1 = Dropout(x, 0.2)\nr2 = Dropout(r1, 0.2)\n";
  Model m = lower(source), again = lower(source);
  const Node &r1 = named(m, "r1"), &r2 = named(m, "r2");
  ASSERT_EQ(r1.op, Op::Dropout);
  EXPECT_DOUBLE_EQ(m.graph.node(r1.inputs[1]).attrs.getFloat("value"), 0.8);
  EXPECT_EQ(r1.inputs[2], named(m, kTrainingFlagName).id);
  EXPECT_EQ(r1.inputs[3], named(m, kStepName).id);
  EXPECT_EQ(named(m, kStepName).dtype, DType::I32);
  EXPECT_NE(r1.attrs.getInt("seed"), r2.attrs.getInt("seed"));
  EXPECT_EQ(r2.attrs.getInt("seed"), named(again, "r2").attrs.getInt("seed"));
  // The TF1 form: keep_prob is a graph value, fed or defaulted.
  Model tf = lower("x = placeholder(f32, [?, 8])\nk = placeholder(f32, [], default = 1.0)\nd = dropout(x, k)\n");
  EXPECT_EQ(named(tf, "d").inputs[1], named(tf, "k").id);
}

TEST(StableRewrites, ExamplesComputeLossesFromLogits) {
  Model deep = lowerExample("mnist_deep");
  EXPECT_EQ(rewriteStableLosses(deep.graph), 1);
  const Node& product = deep.graph.node(deep.graph.node(named(deep, "cross_entropy").inputs[0]).inputs[0]);
  ASSERT_EQ(product.op, Op::Mul);
  EXPECT_EQ(deep.graph.node(product.inputs[1]).op, Op::LogSoftmax);
  Model small = lowerExample("small_cnn");  // categorical_crossentropy, with Keras' renormalization
  EXPECT_EQ(rewriteStableLosses(small.graph), 1);
  EXPECT_EQ(named(small, "loss").op, Op::SoftmaxCrossEntropy);
  EXPECT_EQ(small.graph.node(named(small, "loss").inputs[0]).op, Op::Add);  // the logits
}

TEST(Calls, ComparisonsAndSelectionsTakeTheOperandDtype) {
  Model m = lower(R"(
y = placeholder(i32, [?])
x = placeholder(f32, [?, 3])
small = less(y, 3)
kept = where(greater_equal(y, 0), y, 0)
bounded = clip(x, 0, 6)
leaky = leaky_relu(x, alpha = 0.1)
ne = not_equal(y, 1)
le = less_equal(x, 0.5)
gt = greater(x, x)
hot = one_hot(y, 10)
t = transpose(hot)
j = concat([x, hot], 1)
mse = mean_squared_error(x, x * 2)
pool = avg_pool(reshape(x, [-1, 1, 3, 1]), [1, 2], padding = same)
lsm = log_softmax(x)
bn = batch_norm(x, 1, 0, 0, 1)
sp = softplus(x)
)");
  EXPECT_EQ(named(m, "small").dtype, DType::Bool);
  EXPECT_EQ(m.graph.node(named(m, "small").inputs[1]).dtype, DType::I32);
  EXPECT_EQ(named(m, "kept").dtype, DType::I32);
  EXPECT_EQ(named(m, "bounded").op, Op::Clip);
  EXPECT_DOUBLE_EQ(named(m, "leaky").attrs.getFloat("alpha"), 0.1);
  EXPECT_EQ(named(m, "hot").shape, (Shape{kBatch, 10}));
  EXPECT_EQ(named(m, "t").shape, (Shape{10, kBatch}));
  EXPECT_EQ(named(m, "j").shape, (Shape{kBatch, 13}));
  EXPECT_EQ(named(m, "mse").shape, Shape{});
  EXPECT_EQ(named(m, "mse").op, Op::ReduceMean);
  EXPECT_EQ(named(m, "pool").shape, (Shape{kBatch, 1, 2, 1}));
  EXPECT_EQ(named(m, "lsm").op, Op::LogSoftmax);
  EXPECT_EQ(named(m, "bn").op, Op::BatchNorm);
  EXPECT_EQ(named(m, "sp").op, Op::Softplus);
}

TEST(Calls, EveryInitializerOfTheLanguageIsAccepted) {
  Model m = lower(R"(
a = variable([2, 3], init = zeros())
b = variable([2, 3], init = ones())
c = variable([2, 3], init = constant(0.1))
d = variable([2, 3], init = truncated_normal(stddev = 0.1))
e = variable([2, 3], init = random_normal(0.5, mean = 1))
f = variable([2, 3], init = random_uniform(-1, 1))
g = variable([2, 3], init = glorot_uniform())
h = variable([2, 3], init = he_normal())
i = variable([2, 3], init = 0.25, trainable = false)
)");
  EXPECT_EQ(named(m, "e").attrs.getFloat("mean"), 1.0);
  EXPECT_EQ(named(m, "f").attrs.getFloat("min"), -1.0);
  EXPECT_EQ(named(m, "i").attrs.getString("init"), "constant");
  EXPECT_EQ(named(m, "i").attrs.getInt("trainable"), 0);
}

// Each bad program fails with a UserError whose message contains the given words.
TEST(Calls, UserErrors) {
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"x = placeholder(f32, [?, 8])\nr = Dropout(x, 1.5)\n", "rate in [0, 1)"},
      {"x = placeholder(f32, [?, 8])\nr = dropout(x, 0)\n", "keep_prob in (0, 1]"},
      {"x = placeholder(f32, [?, 8])\nj = concat(x, 1)\n", "list of values"},
      {"x = placeholder(f32, [?, 8])\nj = concat([x, x], 0)\n", "batch dimension"},
      {"x = placeholder(f32, [?, 8])\ny = placeholder(f32, [?, 4])\nl = mean_squared_error(x, y)\n", "one shape"},
      {"x = placeholder(f32, [?, 8])\nb = BatchNorm(x, momentom = 0.9)\n", "no argument 'momentom'"},
      {"x = placeholder(f32, [?, 8])\nb = LayerNorm(x)\n", "BatchNorm, Dropout"},
      {"x = placeholder(f32, [?, 8])\nw = where(x, x, x)\n", "bool condition"},
      {"x = placeholder(f32, [?, 8])\nt = transpose(x, [0, 0])\n", "permutation"},
      {"x = placeholder(f32, [?, 8])\nh = one_hot(x, 3)\n", "i32 labels"},
  };
  expectLoweringErrors(cases);
}

}  // namespace
}  // namespace graphc
