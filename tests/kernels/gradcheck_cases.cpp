// \file Gradient-check cases of the arithmetic, unary, matmul, convolution, pooling, shape, softmax
// and loss ops and of composite graphs (the nn ops' cases are in gradcheck_cases_nn.cpp), and the
// list of every case, which test_gradcheck.cpp runs and tests/unit/test_op_table.cpp checks covers
// every op with a gradient rule.
#include <random>
#include <string>

#include "ir/op_table.h"
#include "kernels/gradcheck.h"

namespace graphc {
namespace {

void addBinaryCases(std::vector<GradCase>& cases) {
  struct Pattern {
    const char* name;
    Shape a, b;
  };
  const Pattern patterns[] = {{"SameShape", {3, 4}, {3, 4}},
                              {"TrailingVector", {2, 3, 4}, {4}},
                              {"BothBroadcast", {2, 1, 4}, {3, 1}},
                              {"Scalar", {2, 3}, {}}};
  for (Op op : {Op::Add, Op::Sub, Op::Mul, Op::Div, Op::Maximum, Op::Minimum})
    for (const Pattern& p : patterns)
      cases.push_back({opName(op) + "_" + p.name, [op, p](GradGraph& gg) {
                         // a on even, b on odd multiples of 0.01: no ties for maximum/minimum, and
                         // |b| >= 0.25 keeps div smooth.
                         RefTensor a = distinctTensor(p.a, gg.rng, -1.0, 0.02);
                         RefTensor b = distinctTensor(p.b, gg.rng, 0.25 + 0.01, 0.02);
                         std::bernoulli_distribution flip(0.5);
                         for (double& v : b.data)
                           if (flip(gg.rng)) v = -v;
                         return gg.op(op, {gg.variable("a", a), gg.variable("b", b)});
                       }});
}

void addUnaryCases(std::vector<GradCase>& cases) {
  // log, sqrt and rsqrt need positive inputs; abs and relu stay away from their kink at 0.
  for (Op op : {Op::Log, Op::Sqrt, Op::Rsqrt})
    cases.push_back({opName(op), [op](GradGraph& gg) {
                       return gg.op(op, {gg.variable("x", randomTensor({3, 5}, gg.rng, 0.3, 2))});
                     }});
  for (Op op : {Op::Neg, Op::Exp, Op::Square, Op::Abs, Op::Relu, Op::Sigmoid, Op::Tanh, Op::Softplus})
    cases.push_back({opName(op), [op](GradGraph& gg) {
                       return gg.op(op, {gg.variable("x", randomSigned({3, 5}, gg.rng, 0.1, 2))});
                     }});
  cases.push_back({"cast_f32_to_f32", [](GradGraph& gg) {
                     int x = gg.variable("x", randomTensor({2, 7}, gg.rng));
                     return gg.op(Op::Cast, {x}, Attrs().set("dtype", std::string("f32")));
                   }});
}

void addMatmulCases(std::vector<GradCase>& cases) {
  for (int64_t ta : {0, 1})
    for (int64_t tb : {0, 1})
      cases.push_back({"matmul_ta" + std::to_string(ta) + "_tb" + std::to_string(tb), [ta, tb](GradGraph& gg) {
                         Shape a = ta ? Shape{4, 3} : Shape{3, 4}, b = tb ? Shape{5, 4} : Shape{4, 5};
                         int x = gg.variable("a", randomTensor(a, gg.rng)),
                             y = gg.variable("b", randomTensor(b, gg.rng));
                         return gg.op(Op::Matmul, {x, y}, Attrs().set("transpose_a", ta).set("transpose_b", tb));
                       }});
}

void addConvCases(std::vector<GradCase>& cases) {
  struct Conv {
    const char* name;
    Shape x, w;
    std::vector<int64_t> strides, dilation;
    const char* padding;
  };
  const Conv convs[] = {
      {"Same", {1, 7, 7, 2}, {3, 3, 2, 3}, {1, 1}, {1, 1}, "same"},
      {"Valid", {2, 6, 6, 2}, {3, 3, 2, 2}, {1, 1}, {1, 1}, "valid"},
      {"SameStride2", {1, 7, 7, 2}, {3, 3, 2, 3}, {2, 2}, {1, 1}, "same"},
      {"ValidStride2", {1, 7, 7, 2}, {3, 3, 2, 2}, {2, 2}, {1, 1}, "valid"},
      {"Same4x4Stride2", {1, 7, 7, 1}, {4, 4, 1, 2}, {2, 2}, {1, 1}, "same"},
      {"SameDilation2", {1, 7, 7, 2}, {3, 3, 2, 2}, {1, 1}, {2, 2}, "same"},
      {"ValidDilation2Stride2", {1, 9, 9, 1}, {3, 3, 1, 2}, {2, 2}, {2, 2}, "valid"},
      {"MixedStrides", {1, 6, 7, 2}, {3, 2, 2, 3}, {2, 1}, {1, 2}, "same"},
      // Wide enough for the schedules' vector tiles: over 8 output channels, and over width.
      {"EightOutputChannels", {1, 5, 5, 2}, {3, 3, 2, 8}, {1, 1}, {1, 1}, "same"},
      {"WideRows", {1, 4, 11, 1}, {3, 3, 1, 2}, {1, 1}, {1, 1}, "same"},
  };
  for (const Conv& c : convs)
    cases.push_back(
        {std::string("conv2d_") + c.name, [c](GradGraph& gg) {
           int x = gg.variable("x", randomTensor(c.x, gg.rng)), w = gg.variable("w", randomTensor(c.w, gg.rng));
           return gg.op(
               Op::Conv2d, {x, w},
               Attrs().set("strides", c.strides).set("dilation", c.dilation).set("padding", std::string(c.padding)));
         }});
}

void addPoolCases(std::vector<GradCase>& cases) {
  for (const PoolGeometry& p : poolGeometries())
    cases.push_back({std::string("max_pool_") + p.name, [p](GradGraph& gg) {
                       // Distinct values 0.02 apart: each window has one maximum, also after a step.
                       int x = gg.variable("x", distinctTensor(p.x, gg.rng, -1.5, 0.02));
                       return gg.op(Op::MaxPool, {x},
                                    Attrs()
                                        .set("size", std::vector<int64_t>{p.size, p.size})
                                        .set("strides", std::vector<int64_t>{p.stride, p.stride})
                                        .set("padding", std::string(p.padding)));
                     }});
}

void addShapeCases(std::vector<GradCase>& cases) {
  cases.push_back({"reshape", [](GradGraph& gg) {
                     int x = gg.variable("x", randomTensor({2, 3, 4}, gg.rng));
                     return gg.op(Op::Reshape, {x}, Attrs().set("target", std::vector<int64_t>{4, -1}));
                   }});
  struct Reduce {
    const char* name;
    std::vector<int64_t> axes;
    int64_t keep;
  };
  const Reduce reduces[] = {{"Axis1", {1}, 0}, {"LastAxisKeep", {-1}, 1}, {"Axes02Keep", {0, 2}, 1}, {"All", {}, 0}};
  for (Op op : {Op::ReduceSum, Op::ReduceMean, Op::ReduceMax})
    for (const Reduce& r : reduces)
      cases.push_back({opName(op) + "_" + r.name, [op, r](GradGraph& gg) {
                         int x = gg.variable("x", distinctTensor({2, 3, 4}, gg.rng, -0.5, 0.03));
                         return gg.op(op, {x}, Attrs().set("axes", r.axes).set("keepdims", r.keep));
                       }});
  cases.push_back({"reduce_mean_of_a_scalar", [](GradGraph& gg) {
                     int x = gg.variable("x", RefTensor{{}, {0.75}});
                     return gg.op(Op::ReduceMean, {x}, Attrs().set("axes", std::vector<int64_t>{}));
                   }});
  struct Broadcast {
    const char* name;
    Shape small, big;
    std::vector<int64_t> axes;  // empty: NumPy broadcasting (no attr)
  };
  const Broadcast broadcasts[] = {{"DroppedAxis", {2, 4}, {2, 3, 4}, {1}},
                                  {"KeptAxis", {2, 1, 4}, {2, 3, 4}, {1}},
                                  {"DroppedAxes", {3}, {2, 3, 4}, {0, 2}},
                                  {"NumpyVector", {4}, {2, 3, 4}, {}},
                                  {"NumpyColumn", {3, 1}, {2, 3, 4}, {}}};
  for (const Broadcast& b : broadcasts)
    cases.push_back({std::string("broadcast_like_") + b.name, [b](GradGraph& gg) {
                       int small = gg.variable("small", randomTensor(b.small, gg.rng));
                       int like = gg.input("like", zeros(b.big));
                       Attrs attrs;
                       if (!b.axes.empty()) attrs.set("axes", b.axes);
                       return gg.op(Op::BroadcastLike, {small, like}, attrs);
                     }});
  for (Shape like : {Shape{4}, Shape{3, 1}, Shape{2, 1, 4}, Shape{}})
    cases.push_back({"sum_like_to_" + std::to_string(like.size()) + "d" + std::to_string(elementCount(like)),
                     [like](GradGraph& gg) {
                       int big = gg.variable("big", randomTensor({2, 3, 4}, gg.rng));
                       return gg.op(Op::SumLike, {big, gg.input("like", zeros(like))});
                     }});
}

void addSoftmaxAndLossCases(std::vector<GradCase>& cases) {
  for (Shape shape : {Shape{3, 5}, Shape{2, 3, 4}})
    cases.push_back({"softmax_rank" + std::to_string(shape.size()), [shape](GradGraph& gg) {
                       return gg.op(Op::Softmax, {gg.variable("z", randomTensor(shape, gg.rng, -2, 2))});
                     }});
  for (Op op : {Op::SoftmaxCrossEntropy, Op::ProbsCrossEntropy})
    for (bool ids : {true, false})
      cases.push_back(
          {opName(op) + (ids ? "_ids" : "_one_hot"), [op, ids](GradGraph& gg) {
             // Probabilities stay in (0.05, 0.95), far inside the clip range.
             bool probs = op == Op::ProbsCrossEntropy;
             RefTensor scores = probs ? randomTensor({4, 6}, gg.rng, 0.05, 0.95) : randomTensor({4, 6}, gg.rng, -2, 2);
             RefTensor labels = randomIds(4, 6, gg.rng);
             int x = gg.variable("scores", scores);
             int y = gg.input("labels", ids ? labels : oneHot(labels, 6));
             return gg.op(op, {x, y});
           }});
}

// Graphs where a value has several uses, so autodiff must add the contributions.
void addCompositeCases(std::vector<GradCase>& cases) {
  cases.push_back({"composite_shared_input", [](GradGraph& gg) {
                     int x = gg.variable("x", randomTensor({2, 5}, gg.rng, 0.5, 1.5));
                     int sq = gg.op(Op::Mul, {x, x});
                     return gg.op(Op::Add, {gg.op(Op::Div, {sq, gg.op(Op::Exp, {x})}), gg.op(Op::Log, {x})});
                   }});
  cases.push_back({"composite_small_cnn", [](GradGraph& gg) {
                     int x = gg.input("x", randomTensor({2, 6, 6, 1}, gg.rng));
                     int w = gg.variable("w", randomTensor({3, 3, 1, 2}, gg.rng));
                     Attrs conv = Attrs()
                                      .set("strides", std::vector<int64_t>{1, 1})
                                      .set("dilation", std::vector<int64_t>{1, 1})
                                      .set("padding", std::string("same"));
                     int c = gg.op(Op::Conv2d, {x, w}, conv);
                     int bias = gg.variable("bias", randomTensor({2}, gg.rng, 0.1, 0.2));
                     int a = gg.op(Op::Tanh, {gg.op(Op::Add, {c, bias})});
                     int flat = gg.op(Op::Reshape, {a}, Attrs().set("target", std::vector<int64_t>{2, -1}));
                     int dense = gg.variable("dense", randomTensor({72, 3}, gg.rng, -0.3, 0.3));
                     int logits = gg.op(Op::Matmul, {flat, dense});
                     return gg.op(Op::SoftmaxCrossEntropy, {logits, gg.input("y", randomIds(2, 3, gg.rng))});
                   }});
}

}  // namespace

std::vector<GradCase> allGradCases() {
  std::vector<GradCase> cases;
  addBinaryCases(cases);
  addUnaryCases(cases);
  addMatmulCases(cases);
  addConvCases(cases);
  addPoolCases(cases);
  addShapeCases(cases);
  addSoftmaxAndLossCases(cases);
  addCompositeCases(cases);
  addSelectionCases(cases);
  addNormalizationCases(cases);
  addShapeOpCases(cases);
  addAvgPoolCases(cases);
  addV2MathCases(cases);
  addV2NNCases(cases);
  return cases;
}

}  // namespace graphc
