// \file The fusion plan's producer fusion: a register-tiled op is fused into the elementwise chain
// that reads it only when the chain has one reader per link, keeps its shape and ends at a
// kernel with no other tiled producer; otherwise the op stays a kernel of its own.
#include <gtest/gtest.h>

#include <set>

#include "driver/pipeline.h"
#include "passes/fusion.h"
#include "passes/optimizer.h"
#include "testing/harness.h"

namespace graphc {
namespace {

const Kernel* kernelOf(const FusionPlan& plan, int root) {
  for (const Kernel& k : plan.kernels)
    if (k.root == root) return &k;
  return nullptr;
}

Attrs convAttrs() {
  return Attrs()
      .set("strides", std::vector<int64_t>{1, 1})
      .set("dilation", std::vector<int64_t>{1, 1})
      .set("padding", std::string("same"));
}

TEST(Fusion, ConvBiasReluIsOneKernel) {
  Graph g;
  int x = addPlaceholder(g, "x", {2, 8, 8, 3});
  int w = addPlaceholder(g, "w", {3, 3, 3, 16});
  int b = addPlaceholder(g, "b", {16});
  int conv = g.add(Op::Conv2d, {x, w}, convAttrs());
  int biased = g.add(Op::Add, {conv, b});
  int y = g.add(Op::Relu, {biased});
  int pooled = g.add(Op::MaxPool, {y},
                     Attrs()
                         .set("size", std::vector<int64_t>{2, 2})
                         .set("strides", std::vector<int64_t>{2, 2})
                         .set("padding", std::string("valid")));
  FusionPlan plan = planFusion(g, {pooled}, 2);
  EXPECT_FALSE(plan.isRoot[static_cast<size_t>(conv)]);
  const Kernel* k = kernelOf(plan, y);
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->anchor, conv);
  EXPECT_EQ(k->nodes, (std::vector<int>{conv, biased, y}));
  EXPECT_EQ(plan.kernels.size(), 2u);  // relu(conv + b) and the pooling
}

TEST(Fusion, AProducerWithTwoReadersOrAnOutputStaysAKernel) {
  Graph g;
  int a = addPlaceholder(g, "a", {4, 8});
  int b = addPlaceholder(g, "b", {8, 16});
  int mm = g.add(Op::Matmul, {a, b});
  int r1 = g.add(Op::Relu, {mm});
  int r2 = g.add(Op::Exp, {mm});
  FusionPlan twoReaders = planFusion(g, {r1, r2}, 1);
  EXPECT_TRUE(twoReaders.isRoot[static_cast<size_t>(mm)]);  // fusing would compute it twice
  FusionPlan asOutput = planFusion(g, {mm, r1}, 1);
  EXPECT_TRUE(asOutput.isRoot[static_cast<size_t>(mm)]);
  for (const Kernel& k : asOutput.kernels) EXPECT_EQ(k.anchor, -1);
}

// BatchNorm's pieces in training: the squared deviations are summed where they are computed, the
// per-channel gradient is broadcast where it is read, and element_count reads only a shape.
TEST(Fusion, ReductionsAndBroadcastsReadTheirElementwiseProducersInline) {
  Graph g;
  int x = addPlaceholder(g, "x", {4, 6, 6, 8});
  Attrs overImages = Attrs().set("axes", std::vector<int64_t>{0, 1, 2}).set("keepdims", int64_t{0});
  int mean = g.add(Op::ReduceMean, {x}, overImages);
  int deviation = g.add(Op::Sub, {x, mean});
  int squared = g.add(Op::Square, {deviation});
  int variance = g.add(Op::ReduceMean, {squared}, overImages);
  int count = g.add(Op::ElementCount, {squared}, Attrs().set("axes", std::vector<int64_t>{0, 1, 2}));
  int scale = g.add(Op::Rsqrt, {variance});
  int spread = g.add(Op::BroadcastLike, {scale, x}, Attrs().set("axes", std::vector<int64_t>{0, 1, 2}));
  int normalized = g.add(Op::Mul, {spread, deviation});
  FusionPlan plan = planFusion(g, {normalized, count}, 4);
  for (int inlined : {deviation, squared, spread}) EXPECT_FALSE(plan.isRoot[static_cast<size_t>(inlined)]) << inlined;
  EXPECT_TRUE(plan.isRoot[static_cast<size_t>(scale)]);  // read by the broadcast: once per channel
  const Kernel* sums = kernelOf(plan, variance);
  ASSERT_NE(sums, nullptr);
  EXPECT_EQ(sums->nodes, (std::vector<int>{deviation, squared, variance}));
  const Kernel* out = kernelOf(plan, normalized);
  ASSERT_NE(out, nullptr);
  EXPECT_EQ(out->nodes, (std::vector<int>{deviation, spread, normalized}));
  EXPECT_EQ(plan.kernels.size(), 5u);  // mean, variance, scale, count and the normalized values
}

TEST(Fusion, OneTiledProducerPerKernelAndNoBroadcastingReader) {
  Graph g;
  int a = addPlaceholder(g, "a", {4, 8});
  int b = addPlaceholder(g, "b", {8, 16});
  int c = addPlaceholder(g, "c", {8, 16});
  int m1 = g.add(Op::Matmul, {a, b});
  int m2 = g.add(Op::Matmul, {a, c});
  int sum = g.add(Op::Add, {m1, m2});
  FusionPlan plan = planFusion(g, {sum}, 1);
  const Kernel* k = kernelOf(plan, sum);
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->anchor, m1);
  EXPECT_TRUE(plan.isRoot[static_cast<size_t>(m2)]);

  Graph h;
  int v = addPlaceholder(h, "v", {4, 1});
  int row = addPlaceholder(h, "row", {1, 6});
  int outer = h.add(Op::Matmul, {v, addPlaceholder(h, "one", {1, 1})});  // [4, 1]
  int wide = h.add(Op::Mul, {outer, row});                               // broadcasts to [4, 6]
  FusionPlan widened = planFusion(h, {wide}, 1);
  EXPECT_TRUE(widened.isRoot[static_cast<size_t>(outer)]);  // its tiles are not the reader's
}

// Adam's update of one variable w with gradient g: its slots' next values m' and v' are read
// only by w's update, so the three are one loop nest that stores m' and v' beside w'.
TEST(Fusion, AVariablesSlotUpdatesAreSiblingsOfItsUpdate) {
  Graph g;
  int grad = addPlaceholder(g, "g", {64, 32});
  int w = addVariable(g, "w", {64, 32});
  int m = addVariable(g, "m", {64, 32});
  int v = addVariable(g, "v", {64, 32});
  int half = addPlaceholder(g, "half", {});
  int nextM = g.add(Op::Add, {g.add(Op::Mul, {m, half}), g.add(Op::Mul, {grad, half})});
  int nextV = g.add(Op::Add, {g.add(Op::Mul, {v, half}), g.add(Op::Square, {grad})});
  int nextW = g.add(Op::Sub, {w, g.add(Op::Div, {nextM, g.add(Op::Sqrt, {nextV})})});
  FusionPlan plan = planFusion(g, {nextM, nextV, nextW}, 1);
  ASSERT_EQ(plan.kernels.size(), 1u);
  EXPECT_EQ(plan.kernels[0].root, nextW);
  EXPECT_EQ(plan.kernels[0].siblings, (std::vector<int>{nextM, nextV}));
  EXPECT_EQ(plan.kernels[0].nodes.back(), nextW);
  // Read: g, w, m, v and the scalar; written: w', m', v'.
  EXPECT_DOUBLE_EQ(plan.kernels[0].bytes, 4.0 * (7 * 64 * 32 + 1));
}

TEST(Fusion, AValueReadOutsideTheLoopNestOrOfAnotherShapeIsNoSibling) {
  Graph g;
  int a = addPlaceholder(g, "a", {16, 8});
  int doubled = g.add(Op::Add, {a, a});
  int total = g.add(Op::ReduceSum, {doubled}, Attrs().set("axes", std::vector<int64_t>{}).set("keepdims", int64_t(0)));
  int out = g.add(Op::Mul, {doubled, total});  // doubled is also read by the reduction
  FusionPlan plan = planFusion(g, {doubled, out}, 1);
  for (const Kernel& k : plan.kernels) EXPECT_TRUE(k.siblings.empty());

  Graph h;
  int b = addPlaceholder(h, "b", {16, 8});
  int r = addPlaceholder(h, "r", {8});
  int small = h.add(Op::Exp, {r});        // [8], broadcast by its reader
  int wide = h.add(Op::Mul, {b, small});  // [16, 8]
  FusionPlan broadcast = planFusion(h, {small, wide}, 1);
  EXPECT_EQ(broadcast.kernels.size(), 2u);
  for (const Kernel& k : broadcast.kernels) EXPECT_TRUE(k.siblings.empty());
}

// Every optimizer's update of a variable is one kernel: its slots' next values (momentum's
// velocity, Adam's m and v, RMSprop's v, Adagrad's accumulator) are stored by the loop nest of
// the variable's update, which also computes the weight decay. Two variables, a matrix and a
// vector, through the compiler's own stages (simplify, then fusion).
TEST(Fusion, EveryOptimizerUpdatesEachVariableInOneKernel) {
  struct Case {
    std::string kind;
    double momentum = 0;
    bool nesterov = false;
    double weightDecay = 0;
  };
  for (const Case& c : {Case{"sgd", 0.9}, Case{"sgd", 0.9, true}, Case{"sgd", 0, false, 0.01}, Case{"adam"},
                        Case{"adamw", 0, false, 0.004}, Case{"nadam"}, Case{"rmsprop"}, Case{"adagrad"}}) {
    SCOPED_TRACE(c.kind + (c.nesterov ? " nesterov" : "") + (c.weightDecay > 0 ? " weight decay" : ""));
    Graph g;
    int x = addPlaceholder(g, "x", {4, 16});
    int w = addVariable(g, "w", {16, 8});
    int b = addVariable(g, "b", {8});
    int y = g.add(Op::Add, {g.add(Op::Matmul, {x, w}), b});
    int loss = g.add(Op::ReduceSum, {g.add(Op::Square, {y})},
                     Attrs().set("axes", std::vector<int64_t>{}).set("keepdims", int64_t(0)));
    OptimizerSpec spec = defaultOptimizer(c.kind);
    spec.momentum = c.momentum;
    spec.nesterov = c.nesterov;
    spec.weightDecay = c.weightDecay;
    TrainGraph train = buildTrainGraph(g, loss, spec, {});
    std::vector<int> outputs{loss};
    for (const VariableUpdate& u : train.updates) outputs.push_back(u.next);
    SimplifiedGraph simple = simplify(g, outputs);
    FusionPlan plan = fuse(simple, outputs, 4);
    for (int v : {w, b}) {
      // The next values of v and of its slots (named KIND/SLOT/NAME), as ids of the plan's graph.
      const std::string& name = g.node(v).name;
      std::set<int> values;
      int own = -1;
      for (const VariableUpdate& u : train.updates) {
        const std::string& updated = g.node(u.variable).name;
        int next = simple.newId[static_cast<size_t>(u.next)];
        if (u.variable == v) own = next;
        if (u.variable == v ||
            (updated.size() > name.size() && updated.substr(updated.size() - name.size() - 1) == "/" + name))
          values.insert(next);
      }
      bool adamFamily = c.kind == "adam" || c.kind == "adamw" || c.kind == "nadam";
      size_t slots = adamFamily ? 2 : c.momentum > 0 || c.kind == "rmsprop" || c.kind == "adagrad" ? 1 : 0;
      EXPECT_EQ(values.size(), 1 + slots) << name;
      // Plain momentum on the matrix is the exception: the velocity's kernel computes the tiles of
      // the gradient's matmul (producer fusion) and stores the velocity from them, so the gradient
      // is never stored, and the variable's update reads the velocity back: 5 streams of w's size,
      // where one loop nest for both would read a stored gradient (6).
      bool anchoredVelocity = c.kind == "sgd" && c.momentum > 0 && !c.nesterov && v == w;
      std::vector<const Kernel*> storing;
      for (const Kernel& k : plan.kernels) {
        std::set<int> stored(k.siblings.begin(), k.siblings.end());
        stored.insert(k.root);
        for (int id : values)
          if (stored.count(id)) {
            storing.push_back(&k);
            break;
          }
      }
      if (anchoredVelocity) {
        ASSERT_EQ(storing.size(), 2u) << name;
        const Kernel* velocity = storing[0]->root == own ? storing[1] : storing[0];
        const Kernel* update = storing[0]->root == own ? storing[0] : storing[1];
        EXPECT_EQ(simple.graph.node(velocity->anchor).op, Op::Matmul) << name;
        EXPECT_EQ(update->root, own) << name;
        EXPECT_TRUE(update->siblings.empty()) << name;
        continue;
      }
      ASSERT_EQ(storing.size(), 1u) << name << ": kernels storing its update and slots";
      std::set<int> stored(storing[0]->siblings.begin(), storing[0]->siblings.end());
      stored.insert(storing[0]->root);
      EXPECT_EQ(stored, values) << name;
      EXPECT_EQ(storing[0]->root, own) << name << ": the variable's update reads the slots' next values";
    }
  }
}

}  // namespace
}  // namespace graphc
