// \file Walks the op table: every op must have a Halide lowering, a reference and a gradient
// story; plus the type rules' shape arithmetic and their user errors.
#include <gtest/gtest.h>

#include <set>

#include "codegen/lowering.h"
#include "support/diagnostics.h"
#include "ir/op_table.h"
#include "passes/gradient_rules.h"
#include "testing/harness.h"
#include "testing/reference_ops.h"

namespace graphc {
namespace {

// Ops that are themselves pieces of gradients (or of the optimizer): autodiff never
// differentiates through them, so they need neither a rule nor a non-differentiable mark.
const std::set<std::string> kGradientHelpers = {"relu_grad",
                                                "conv2d_backprop_input",
                                                "conv2d_backprop_filter",
                                                "max_pool_grad",
                                                "softmax_grad",
                                                "softmax_cross_entropy_grad",
                                                "probs_cross_entropy_grad",
                                                "sgd_update",
                                                "leaky_relu_grad",
                                                "avg_pool_grad",
                                                "log_softmax_grad",
                                                "slice_axis"};

TEST(OpTable, EveryComputedOpHasALoweringAndAReference) {
  for (const OpDef& op : allOps()) {
    if (op.kind == OpKind::Source) continue;
    EXPECT_NE(findLowering(op.name), nullptr) << op.name << " has no Halide lowering";
    EXPECT_NE(findReference(op.name), nullptr) << op.name << " has no reference implementation";
  }
}

TEST(OpTable, EveryOpHasAGradientStory) {
  for (const OpDef& op : allOps()) {
    bool helper = kGradientHelpers.count(op.name) > 0;
    bool rule = findGradient(op.name) != nullptr;
    bool none = isNonDifferentiable(op.name);
    EXPECT_TRUE(helper || rule || none) << op.name << " has no gradient rule and is not marked non-differentiable";
    EXPECT_FALSE(rule && none) << op.name << " has a gradient rule but is marked non-differentiable";
  }
}

TEST(OpTable, HelperListNamesRealOps) {
  for (const std::string& name : kGradientHelpers) EXPECT_NE(findOp(name), nullptr) << name;
}

TEST(OpTable, EveryOpIsDocumented) {
  for (const OpDef& op : allOps()) EXPECT_FALSE(op.doc.empty()) << op.name;
}

Attrs convAttrs(int64_t stride, const std::string& padding, int64_t dilation = 1) {
  return Attrs()
      .set("strides", std::vector<int64_t>{stride, stride})
      .set("dilation", std::vector<int64_t>{dilation, dilation})
      .set("padding", padding);
}

// The output node of a conv2d of an [1, size, size, 1] input with a k x k filter.
Node conv(int64_t size, int64_t k, int64_t stride, const std::string& padding, int64_t dilation = 1) {
  Graph g;
  int x = addPlaceholder(g, "x", {1, size, size, 1});
  int w = addVariable(g, "w", {k, k, 1, 4});
  return g.node(g.add("conv2d", {x, w}, convAttrs(stride, padding, dilation)));
}

TEST(ShapeInference, ConvOutputSizes) {
  EXPECT_EQ(conv(28, 5, 1, "same").shape, (Shape{1, 28, 28, 4}));
  EXPECT_EQ(conv(28, 5, 1, "valid").shape, (Shape{1, 24, 24, 4}));
  EXPECT_EQ(conv(28, 5, 2, "same").shape, (Shape{1, 14, 14, 4}));
  EXPECT_EQ(conv(28, 5, 2, "valid").shape, (Shape{1, 12, 12, 4}));
  EXPECT_EQ(conv(7, 3, 1, "valid", 2).shape, (Shape{1, 3, 3, 4}));
  EXPECT_EQ(conv(7, 3, 1, "same", 2).shape, (Shape{1, 7, 7, 4}));
}

TEST(ShapeInference, ConvSamePaddingPutsTheOddPadAfter) {
  Node n = conv(7, 3, 2, "same");  // out 4, total pad (4-1)*2+3-7 = 2
  EXPECT_EQ(n.shape, (Shape{1, 4, 4, 4}));
  EXPECT_EQ(n.attrs.getInt("pad_top"), 1);
  EXPECT_EQ(n.attrs.getInt("pad_left"), 1);
  Node even = conv(28, 4, 1, "same");  // total pad 3: 1 before, 2 after
  EXPECT_EQ(even.shape, (Shape{1, 28, 28, 4}));
  EXPECT_EQ(even.attrs.getInt("pad_top"), 1);
  EXPECT_EQ(conv(8, 2, 2, "same").attrs.getInt("pad_top"), 0);
  EXPECT_EQ(conv(28, 5, 1, "valid").attrs.getInt("pad_top"), 0);
}

TEST(ShapeInference, ConvRejectsAFilterLargerThanTheInput) { EXPECT_THROW(conv(3, 5, 1, "valid"), UserError); }

TEST(ShapeInference, ConvRejectsAChannelMismatch) {
  Graph g;
  int x = addPlaceholder(g, "x", {1, 8, 8, 3});
  int w = addVariable(g, "w", {3, 3, 2, 4});
  EXPECT_THROW(g.add("conv2d", {x, w}, convAttrs(1, "same")), UserError);
}

TEST(ShapeInference, MaxPoolSizes) {
  Graph g;
  int x = addPlaceholder(g, "x", {2, 7, 7, 3});
  auto pool = [&](int64_t k, int64_t s, const std::string& padding) {
    return g.node(g.add("max_pool", {x},
                        Attrs()
                            .set("size", std::vector<int64_t>{k, k})
                            .set("strides", std::vector<int64_t>{s, s})
                            .set("padding", padding)));
  };
  EXPECT_EQ(pool(2, 2, "valid").shape, (Shape{2, 3, 3, 3}));
  EXPECT_EQ(pool(2, 2, "same").shape, (Shape{2, 4, 4, 3}));
  Node overlapping = pool(3, 2, "same");
  EXPECT_EQ(overlapping.shape, (Shape{2, 4, 4, 3}));
  EXPECT_EQ(overlapping.attrs.getInt("pad_top"), 1);
}

TEST(ShapeInference, MatmulTransposesAndMismatch) {
  Graph g;
  int a = addPlaceholder(g, "a", {2, 3});
  int b = addPlaceholder(g, "b", {3, 4});
  int bt = addPlaceholder(g, "bt", {4, 3});
  EXPECT_EQ(g.node(g.add("matmul", {a, b})).shape, (Shape{2, 4}));
  EXPECT_EQ(g.node(g.add("matmul", {a, bt}, Attrs().set("transpose_b", int64_t(1)))).shape, (Shape{2, 4}));
  EXPECT_EQ(
      g.node(g.add("matmul", {b, bt}, Attrs().set("transpose_a", int64_t(1)).set("transpose_b", int64_t(1)))).shape,
      (Shape{4, 4}));
  EXPECT_THROW(g.add("matmul", {a, bt}), UserError);
  EXPECT_THROW(g.add("matmul", {a, a}), UserError);
}

TEST(ShapeInference, Broadcasting) {
  Graph g;
  int a = addPlaceholder(g, "a", {2, 3, 4});
  int row = addPlaceholder(g, "row", {4});
  int b = addPlaceholder(g, "b", {2, 1, 4});
  int c = addPlaceholder(g, "c", {3, 1});
  int bad = addPlaceholder(g, "bad", {3});
  int ids = addPlaceholder(g, "ids", {4}, DType::I32);
  EXPECT_EQ(g.node(g.add("add", {a, row})).shape, (Shape{2, 3, 4}));
  EXPECT_EQ(g.node(g.add("mul", {b, c})).shape, (Shape{2, 3, 4}));
  Node cmp = g.node(g.add("less", {c, row}));
  EXPECT_EQ(cmp.shape, (Shape{3, 4}));
  EXPECT_EQ(cmp.dtype, DType::Bool);
  EXPECT_THROW(g.add("add", {a, bad}), UserError);
  EXPECT_THROW(g.add("add", {row, ids}), UserError);  // one dtype for both operands
}

TEST(ShapeInference, ReshapeInfersMinusOneAndKeepsTheBatch) {
  Graph g;
  int x = addPlaceholder(g, "x", {-2, 4, 4, 16});
  EXPECT_EQ(g.node(x).shape, (Shape{kBatch, 4, 4, 16}));
  auto reshape = [&](int in, std::vector<int64_t> target) {
    return g.node(g.add("reshape", {in}, Attrs().set("target", target))).shape;
  };
  EXPECT_EQ(reshape(x, {-2, 256}), (Shape{kBatch, 256}));
  EXPECT_EQ(reshape(x, {-2, -1}), (Shape{kBatch, 256}));
  EXPECT_EQ(reshape(x, {-1, 256}), (Shape{kBatch, 256}));  // -1 takes the batch
  EXPECT_EQ(reshape(x, {-2, 16, -1}), (Shape{kBatch, 16, 16}));
  int fixed = addPlaceholder(g, "fixed", {2, 3, 4});
  EXPECT_EQ(reshape(fixed, {4, -1}), (Shape{4, 6}));
  EXPECT_THROW(reshape(fixed, {5, -1}), UserError);
  EXPECT_THROW(reshape(fixed, {-1, -1}), UserError);
  EXPECT_THROW(reshape(fixed, {3, 3}), UserError);
  EXPECT_THROW(reshape(x, {256}), UserError);  // the batch cannot disappear
}

TEST(ShapeInference, ReductionsNormalizeAxes) {
  Graph g;
  int x = addPlaceholder(g, "x", {2, 3, 4});
  auto reduce = [&](const std::string& op, std::vector<int64_t> axes, int64_t keep) {
    return g.node(g.add(op, {x}, Attrs().set("axes", axes).set("keepdims", keep)));
  };
  Node last = reduce("reduce_sum", {-1}, 0);
  EXPECT_EQ(last.shape, (Shape{2, 3}));
  EXPECT_EQ(last.attrs.getInts("axes"), (std::vector<int64_t>{2}));
  EXPECT_EQ(reduce("reduce_mean", {0, 2}, 1).shape, (Shape{1, 3, 1}));
  Node all = reduce("reduce_max", {}, 0);
  EXPECT_EQ(all.shape, Shape{});
  EXPECT_EQ(all.attrs.getInts("axes"), (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(reduce("argmax", {1}, 0).dtype, DType::I32);
  EXPECT_THROW(reduce("reduce_sum", {3}, 0), UserError);
}

TEST(ShapeInference, ClassificationLabels) {
  Graph g;
  int logits = addPlaceholder(g, "logits", {4, 10});
  int ids = addPlaceholder(g, "ids", {4}, DType::I32);
  int hot = addPlaceholder(g, "hot", {4, 10});
  int wrongIds = addPlaceholder(g, "wrong", {5}, DType::I32);
  int floatIds = addPlaceholder(g, "fids", {4});
  EXPECT_EQ(g.node(g.add("softmax_cross_entropy", {logits, ids})).shape, Shape{});
  EXPECT_EQ(g.node(g.add("probs_cross_entropy", {logits, hot})).shape, Shape{});
  EXPECT_THROW(g.add("accuracy", {logits, wrongIds}), UserError);
  EXPECT_THROW(g.add("accuracy", {logits, floatIds}), UserError);
}

TEST(ShapeInference, SelectionOpsBroadcastAndCheckDtypes) {
  Graph g;
  int x = addPlaceholder(g, "x", {-2, 4});
  int row = addPlaceholder(g, "row", {4});
  int col = addPlaceholder(g, "col", {3, 1});
  int ids = addPlaceholder(g, "ids", {4}, DType::I32);
  int cond = g.add("greater", {x, row});
  Node w = g.node(g.add("where", {cond, x, row}));
  EXPECT_EQ(w.shape, (Shape{kBatch, 4}));
  EXPECT_EQ(w.dtype, DType::F32);
  EXPECT_EQ(g.node(g.add("where", {g.add("less", {col, addConstant(g, 0)}), row, addConstant(g, 1)})).shape,
            (Shape{3, 4}));
  EXPECT_THROW(g.add("where", {x, x, row}), UserError);     // the condition must be bool
  EXPECT_THROW(g.add("where", {cond, x, ids}), UserError);  // branches of one dtype
  EXPECT_EQ(g.node(g.add("clip", {row, col, addConstant(g, 1)})).shape, (Shape{3, 4}));
  EXPECT_THROW(g.add("clip", {row, addConstant(g, 0), ids}), UserError);
  EXPECT_THROW(g.add("clip", {x, col, row}), UserError);  // [?,4] and [3,1] do not broadcast
  EXPECT_THROW(g.add("leaky_relu", {ids}), UserError);
}

TEST(ShapeInference, BatchNormAndDropoutInputs) {
  Graph g;
  int x = addPlaceholder(g, "x", {-2, 5, 5, 8});
  int c = addVariable(g, "c", {8});
  int wrong = addVariable(g, "wrong", {5});
  int keep = addPlaceholder(g, "keep", {});
  int step = addPlaceholder(g, "step", {}, DType::I32);
  EXPECT_EQ(g.node(g.add("batch_norm", {x, c, c, c, c})).shape, (Shape{kBatch, 5, 5, 8}));
  EXPECT_THROW(g.add("batch_norm", {x, c, wrong, c, c}), UserError);
  EXPECT_EQ(g.node(g.add("dropout", {x, keep, keep, step})).shape, (Shape{kBatch, 5, 5, 8}));
  EXPECT_THROW(g.add("dropout", {x, c, keep, step}), UserError);     // keep_prob must be a scalar
  EXPECT_THROW(g.add("dropout", {x, keep, keep, keep}), UserError);  // the step is i32
}

TEST(ShapeInference, ShapeOps) {
  Graph g;
  int x = addPlaceholder(g, "x", {-2, 3, 4});
  int y = addPlaceholder(g, "y", {-2, 3, 2});
  int ids = addPlaceholder(g, "ids", {-2}, DType::I32);
  auto transpose = [&](std::vector<int64_t> perm) {
    return g.node(g.add("transpose", {x}, Attrs().set("perm", perm)));
  };
  Node reversed = transpose({});
  EXPECT_EQ(reversed.shape, (Shape{4, 3, kBatch}));
  EXPECT_EQ(reversed.attrs.getInts("perm"), (std::vector<int64_t>{2, 1, 0}));
  EXPECT_EQ(transpose({0, -1, 1}).shape, (Shape{kBatch, 4, 3}));
  EXPECT_THROW(transpose({0, 0, 1}), UserError);
  EXPECT_THROW(transpose({1, 0}), UserError);
  Node joined = g.node(g.add("concat", {x, y, x}, Attrs().set("axis", int64_t(-1))));
  EXPECT_EQ(joined.shape, (Shape{kBatch, 3, 10}));
  EXPECT_EQ(joined.attrs.getInt("axis"), 2);
  EXPECT_THROW(g.add("concat", {x, y}, Attrs().set("axis", int64_t(1))), UserError);  // 4 vs 2 on axis 2
  EXPECT_THROW(g.add("concat", {x, x}, Attrs().set("axis", int64_t(0))), UserError);  // the batch
  EXPECT_EQ(
      g.node(g.add("slice_axis", {x}, Attrs().set("axis", int64_t(2)).set("begin", int64_t(1)).set("size", int64_t(3))))
          .shape,
      (Shape{kBatch, 3, 3}));
  EXPECT_THROW(
      g.add("slice_axis", {x}, Attrs().set("axis", int64_t(2)).set("begin", int64_t(2)).set("size", int64_t(3))),
      UserError);
  Node hot = g.node(g.add("one_hot", {ids}, Attrs().set("depth", int64_t(10))));
  EXPECT_EQ(hot.shape, (Shape{kBatch, 10}));
  EXPECT_EQ(hot.dtype, DType::F32);
  EXPECT_THROW(g.add("one_hot", {x}, Attrs().set("depth", int64_t(10))), UserError);
  Node count = g.node(g.add("element_count", {x}, Attrs().set("axes", std::vector<int64_t>{0, -1})));
  EXPECT_EQ(count.shape, Shape{});
  EXPECT_EQ(count.attrs.getInts("axes"), (std::vector<int64_t>{0, 2}));
}

TEST(ShapeInference, AvgPoolAndLogSoftmax) {
  Graph g;
  int x = addPlaceholder(g, "x", {2, 7, 7, 3});
  Node pool = g.node(g.add("avg_pool", {x},
                           Attrs()
                               .set("size", std::vector<int64_t>{3, 3})
                               .set("strides", std::vector<int64_t>{2, 2})
                               .set("padding", std::string("same"))));
  EXPECT_EQ(pool.shape, (Shape{2, 4, 4, 3}));
  EXPECT_EQ(pool.attrs.getInt("pad_top"), 1);
  EXPECT_EQ(g.node(g.add("log_softmax", {x})).shape, (Shape{2, 7, 7, 3}));
  EXPECT_THROW(g.add("log_softmax", {addConstant(g, 1)}), UserError);
}

TEST(ShapeInference, ArityIsChecked) {
  Graph g;
  int x = addPlaceholder(g, "x", {2});
  EXPECT_THROW(g.add("add", {x}), UserError);
  EXPECT_THROW(g.add("neg", {x, x}), UserError);
}

}  // namespace
}  // namespace graphc
