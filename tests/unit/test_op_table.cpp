// \file Walks the op table (ir/ops.def): every op must have a type rule, a doc line, a gradient
// decision that the gradient rules agree with, a Halide lowering and a reference (sources aside),
// a gradient check when it has a rule, and a TOSA decision; plus the type rules' shape arithmetic
// and their user errors.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "codegen/lowering.h"
#include "ir/op_table.h"
#include "kernels/gradcheck.h"
#include "passes/gradient_rules.h"
#include "support/diagnostics.h"
#include "testing/harness.h"
#include "testing/reference_ops.h"

namespace graphc {
namespace {

TEST(OpTable, SpellingsAreUniqueAndParseBack) {
  std::set<std::string> seen;
  for (const OpDef& op : allOps()) {
    EXPECT_TRUE(seen.insert(op.name).second) << op.name << " is spelled twice";
    EXPECT_EQ(parseOp(op.name), op.op) << op.name;
    EXPECT_EQ(&opDef(op.op), &op) << op.name << ": the table is not in the enum's order";
  }
  EXPECT_EQ(allOps().size(), kNumOps);
  EXPECT_FALSE(parseOp("no_such_op").has_value());
}

TEST(OpTable, EveryOpHasATypeRuleAndADocLine) {
  for (const OpDef& op : allOps()) {
    EXPECT_NE(op.inferType, nullptr) << op.name << " has no type rule";
    EXPECT_FALSE(op.doc.empty()) << op.name << " has no doc line";
    EXPECT_EQ(op.doc.find('\n'), std::string::npos) << op.name << ": the doc is one line";
  }
}

TEST(OpTable, InputNamesMatchTheArity) {
  for (const OpDef& op : allOps()) {
    bool variadic = op.inputs.size() == 1 && op.inputs[0].size() > 3 &&
                    op.inputs[0].compare(op.inputs[0].size() - 3, 3, "...") == 0;
    if (variadic) continue;
    EXPECT_EQ(op.minInputs, op.maxInputs) << op.name << ": only a variadic op (`values...`) has a range of inputs";
    EXPECT_EQ(static_cast<int>(op.inputs.size()), op.maxInputs) << op.name << ": one name per input";
  }
}

// What frontend/lower_calls.cpp's generic builtin lowering can read.
TEST(OpTable, BuiltinsTakeArgumentsTheFrontEndReads) {
  for (const OpDef& op : allOps()) {
    if (!op.has(trait::Builtin)) continue;
    EXPECT_EQ(static_cast<int>(op.inputs.size()), op.minInputs) << op.name;
    bool defaults = false;
    for (const AttrDef& a : op.attrs) {
      if (a.use == AttrDef::Use::Optional || a.use == AttrDef::Use::Inferred) continue;
      EXPECT_NE(a.type, AttrType::Ints) << op.name << "." << a.name << ": a builtin reads no lists";
      if (a.use == AttrDef::Use::Default)
        defaults = true;
      else
        EXPECT_FALSE(defaults) << op.name << "." << a.name << ": required attributes come before defaulted ones";
    }
  }
}

TEST(OpTable, EveryComputedOpHasALoweringAndAReference) {
  for (const OpDef& op : allOps()) {
    if (op.has(trait::Source)) {
      EXPECT_EQ(findLowering(op.op), nullptr) << op.name << " is a source: bound to a buffer, not lowered";
      continue;
    }
    EXPECT_NE(findLowering(op.op), nullptr) << op.name << " has no Halide lowering (codegen/lower_*.cpp)";
    EXPECT_NE(findReference(op.op), nullptr) << op.name << " has no reference (tests/testing/reference_*.cpp)";
  }
}

TEST(OpTable, GradientDecisionsMatchTheRules) {
  for (const OpDef& op : allOps()) {
    bool rule = findGradient(op.op) != nullptr;
    if (op.gradient == Gradient::Rule) {
      EXPECT_TRUE(rule) << op.name << " says it has a gradient rule, but passes/gradient_rules.cpp has none";
    } else {
      EXPECT_FALSE(rule) << op.name << " has a gradient rule, but ops.def says it has none";
    }
    if (op.has(trait::GradientHelper)) {
      EXPECT_NE(op.gradient, Gradient::Rule) << op.name << ": gradient helpers are never differentiated";
    }
  }
}

// The cases of tests/kernels/gradcheck_cases*.cpp (building their graphs compiles nothing).
TEST(OpTable, EveryGradientRuleHasAGradientCheck) {
  std::set<Op> checked;
  for (const GradCase& c : allGradCases()) {
    GradGraph gg;
    checked.insert(gg.g.node(c.build(gg)).op);
  }
  for (const OpDef& op : allOps()) {
    if (op.gradient != Gradient::Rule) continue;
    EXPECT_TRUE(checked.count(op.op)) << op.name << " has a gradient rule but no case in gradcheck_cases*.cpp";
  }
}

// Every op has a TOSA decision; export/mlir_export.cpp's switch over Op has a case for each (-Wswitch
// enforces it) and throws an internal error where it lacks the translation the table promises.
TEST(OpTable, EveryOpHasATosaDecision) {
  for (const OpDef& op : allOps()) EXPECT_TRUE(op.tosa == Tosa::Translated || op.tosa == Tosa::None) << op.name;
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
  return g.node(g.add(Op::Conv2d, {x, w}, convAttrs(stride, padding, dilation)));
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
  EXPECT_THROW(g.add(Op::Conv2d, {x, w}, convAttrs(1, "same")), UserError);
}

TEST(ShapeInference, MaxPoolSizes) {
  Graph g;
  int x = addPlaceholder(g, "x", {2, 7, 7, 3});
  auto pool = [&](int64_t k, int64_t s, const std::string& padding) {
    return g.node(g.add(Op::MaxPool, {x},
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
  EXPECT_EQ(g.node(g.add(Op::Matmul, {a, b})).shape, (Shape{2, 4}));
  EXPECT_EQ(g.node(g.add(Op::Matmul, {a, bt}, Attrs().set("transpose_b", int64_t(1)))).shape, (Shape{2, 4}));
  EXPECT_EQ(
      g.node(g.add(Op::Matmul, {b, bt}, Attrs().set("transpose_a", int64_t(1)).set("transpose_b", int64_t(1)))).shape,
      (Shape{4, 4}));
  EXPECT_THROW(g.add(Op::Matmul, {a, bt}), UserError);
  EXPECT_THROW(g.add(Op::Matmul, {a, a}), UserError);
}

TEST(ShapeInference, Broadcasting) {
  Graph g;
  int a = addPlaceholder(g, "a", {2, 3, 4});
  int row = addPlaceholder(g, "row", {4});
  int b = addPlaceholder(g, "b", {2, 1, 4});
  int c = addPlaceholder(g, "c", {3, 1});
  int bad = addPlaceholder(g, "bad", {3});
  int ids = addPlaceholder(g, "ids", {4}, DType::I32);
  EXPECT_EQ(g.node(g.add(Op::Add, {a, row})).shape, (Shape{2, 3, 4}));
  EXPECT_EQ(g.node(g.add(Op::Mul, {b, c})).shape, (Shape{2, 3, 4}));
  Node cmp = g.node(g.add(Op::Less, {c, row}));
  EXPECT_EQ(cmp.shape, (Shape{3, 4}));
  EXPECT_EQ(cmp.dtype, DType::Bool);
  EXPECT_THROW(g.add(Op::Add, {a, bad}), UserError);
  EXPECT_THROW(g.add(Op::Add, {row, ids}), UserError);  // one dtype for both operands
}

TEST(ShapeInference, ReshapeInfersMinusOneAndKeepsTheBatch) {
  Graph g;
  int x = addPlaceholder(g, "x", {-2, 4, 4, 16});
  EXPECT_EQ(g.node(x).shape, (Shape{kBatch, 4, 4, 16}));
  auto reshape = [&](int in, std::vector<int64_t> target) {
    return g.node(g.add(Op::Reshape, {in}, Attrs().set("target", target))).shape;
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
  auto reduce = [&](Op op, std::vector<int64_t> axes, int64_t keep) {
    return g.node(g.add(op, {x}, Attrs().set("axes", axes).set("keepdims", keep)));
  };
  Node last = reduce(Op::ReduceSum, {-1}, 0);
  EXPECT_EQ(last.shape, (Shape{2, 3}));
  EXPECT_EQ(last.attrs.getInts("axes"), (std::vector<int64_t>{2}));
  EXPECT_EQ(reduce(Op::ReduceMean, {0, 2}, 1).shape, (Shape{1, 3, 1}));
  Node all = reduce(Op::ReduceMax, {}, 0);
  EXPECT_EQ(all.shape, Shape{});
  EXPECT_EQ(all.attrs.getInts("axes"), (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(reduce(Op::Argmax, {1}, 0).dtype, DType::I32);
  EXPECT_THROW(reduce(Op::ReduceSum, {3}, 0), UserError);
}

TEST(ShapeInference, ClassificationLabels) {
  Graph g;
  int logits = addPlaceholder(g, "logits", {4, 10});
  int ids = addPlaceholder(g, "ids", {4}, DType::I32);
  int hot = addPlaceholder(g, "hot", {4, 10});
  int wrongIds = addPlaceholder(g, "wrong", {5}, DType::I32);
  int floatIds = addPlaceholder(g, "fids", {4});
  EXPECT_EQ(g.node(g.add(Op::SoftmaxCrossEntropy, {logits, ids})).shape, Shape{});
  EXPECT_EQ(g.node(g.add(Op::ProbsCrossEntropy, {logits, hot})).shape, Shape{});
  EXPECT_THROW(g.add(Op::Accuracy, {logits, wrongIds}), UserError);
  EXPECT_THROW(g.add(Op::Accuracy, {logits, floatIds}), UserError);
}

TEST(ShapeInference, SelectionOpsBroadcastAndCheckDtypes) {
  Graph g;
  int x = addPlaceholder(g, "x", {-2, 4});
  int row = addPlaceholder(g, "row", {4});
  int col = addPlaceholder(g, "col", {3, 1});
  int ids = addPlaceholder(g, "ids", {4}, DType::I32);
  int cond = g.add(Op::Greater, {x, row});
  Node w = g.node(g.add(Op::Where, {cond, x, row}));
  EXPECT_EQ(w.shape, (Shape{kBatch, 4}));
  EXPECT_EQ(w.dtype, DType::F32);
  EXPECT_EQ(g.node(g.add(Op::Where, {g.add(Op::Less, {col, addConstant(g, 0)}), row, addConstant(g, 1)})).shape,
            (Shape{3, 4}));
  EXPECT_THROW(g.add(Op::Where, {x, x, row}), UserError);     // the condition must be bool
  EXPECT_THROW(g.add(Op::Where, {cond, x, ids}), UserError);  // branches of one dtype
  EXPECT_EQ(g.node(g.add(Op::Clip, {row, col, addConstant(g, 1)})).shape, (Shape{3, 4}));
  EXPECT_THROW(g.add(Op::Clip, {row, addConstant(g, 0), ids}), UserError);
  EXPECT_THROW(g.add(Op::Clip, {x, col, row}), UserError);  // [?,4] and [3,1] do not broadcast
  EXPECT_THROW(g.add(Op::LeakyRelu, {ids}), UserError);
}

TEST(ShapeInference, BatchNormAndDropoutInputs) {
  Graph g;
  int x = addPlaceholder(g, "x", {-2, 5, 5, 8});
  int c = addVariable(g, "c", {8});
  int wrong = addVariable(g, "wrong", {5});
  int keep = addPlaceholder(g, "keep", {});
  int step = addPlaceholder(g, "step", {}, DType::I32);
  EXPECT_EQ(g.node(g.add(Op::BatchNorm, {x, c, c, c, c})).shape, (Shape{kBatch, 5, 5, 8}));
  EXPECT_THROW(g.add(Op::BatchNorm, {x, c, wrong, c, c}), UserError);
  EXPECT_EQ(g.node(g.add(Op::Dropout, {x, keep, keep, step})).shape, (Shape{kBatch, 5, 5, 8}));
  EXPECT_THROW(g.add(Op::Dropout, {x, c, keep, step}), UserError);     // keep_prob must be a scalar
  EXPECT_THROW(g.add(Op::Dropout, {x, keep, keep, keep}), UserError);  // the step is i32
}

TEST(ShapeInference, ShapeOps) {
  Graph g;
  int x = addPlaceholder(g, "x", {-2, 3, 4});
  int y = addPlaceholder(g, "y", {-2, 3, 2});
  int ids = addPlaceholder(g, "ids", {-2}, DType::I32);
  auto transpose = [&](std::vector<int64_t> perm) {
    return g.node(g.add(Op::Transpose, {x}, Attrs().set("perm", perm)));
  };
  Node reversed = transpose({});
  EXPECT_EQ(reversed.shape, (Shape{4, 3, kBatch}));
  EXPECT_EQ(reversed.attrs.getInts("perm"), (std::vector<int64_t>{2, 1, 0}));
  EXPECT_EQ(transpose({0, -1, 1}).shape, (Shape{kBatch, 4, 3}));
  EXPECT_THROW(transpose({0, 0, 1}), UserError);
  EXPECT_THROW(transpose({1, 0}), UserError);
  Node joined = g.node(g.add(Op::Concat, {x, y, x}, Attrs().set("axis", int64_t(-1))));
  EXPECT_EQ(joined.shape, (Shape{kBatch, 3, 10}));
  EXPECT_EQ(joined.attrs.getInt("axis"), 2);
  EXPECT_THROW(g.add(Op::Concat, {x, y}, Attrs().set("axis", int64_t(1))), UserError);  // 4 vs 2 on axis 2
  EXPECT_THROW(g.add(Op::Concat, {x, x}, Attrs().set("axis", int64_t(0))), UserError);  // the batch
  EXPECT_EQ(g.node(g.add(Op::SliceAxis, {x},
                         Attrs().set("axis", int64_t(2)).set("begin", int64_t(1)).set("size", int64_t(3))))
                .shape,
            (Shape{kBatch, 3, 3}));
  EXPECT_THROW(
      g.add(Op::SliceAxis, {x}, Attrs().set("axis", int64_t(2)).set("begin", int64_t(2)).set("size", int64_t(3))),
      UserError);
  Node hot = g.node(g.add(Op::OneHot, {ids}, Attrs().set("depth", int64_t(10))));
  EXPECT_EQ(hot.shape, (Shape{kBatch, 10}));
  EXPECT_EQ(hot.dtype, DType::F32);
  EXPECT_THROW(g.add(Op::OneHot, {x}, Attrs().set("depth", int64_t(10))), UserError);
  Node count = g.node(g.add(Op::ElementCount, {x}, Attrs().set("axes", std::vector<int64_t>{0, -1})));
  EXPECT_EQ(count.shape, Shape{});
  EXPECT_EQ(count.attrs.getInts("axes"), (std::vector<int64_t>{0, 2}));
}

TEST(ShapeInference, AvgPoolAndLogSoftmax) {
  Graph g;
  int x = addPlaceholder(g, "x", {2, 7, 7, 3});
  Node pool = g.node(g.add(Op::AvgPool, {x},
                           Attrs()
                               .set("size", std::vector<int64_t>{3, 3})
                               .set("strides", std::vector<int64_t>{2, 2})
                               .set("padding", std::string("same"))));
  EXPECT_EQ(pool.shape, (Shape{2, 4, 4, 3}));
  EXPECT_EQ(pool.attrs.getInt("pad_top"), 1);
  EXPECT_EQ(g.node(g.add(Op::LogSoftmax, {x})).shape, (Shape{2, 7, 7, 3}));
  EXPECT_THROW(g.add(Op::LogSoftmax, {addConstant(g, 1)}), UserError);
}

TEST(ShapeInference, ArityIsChecked) {
  Graph g;
  int x = addPlaceholder(g, "x", {2});
  EXPECT_THROW(g.add(Op::Add, {x}), UserError);
  EXPECT_THROW(g.add(Op::Neg, {x, x}), UserError);
}

}  // namespace
}  // namespace graphc
