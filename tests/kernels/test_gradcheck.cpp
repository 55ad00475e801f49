// \file Gradient checks: for every differentiable op, autodiff's gradient nodes compiled to Halide
// against central differences of the double-precision reference, on inputs kept away from kinks.
#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <set>

#include "ir/op_table.h"
#include "kernels/gradcheck.h"
#include "passes/autodiff.h"
#include "passes/gradient_rules.h"

namespace graphc {
namespace {

constexpr double kStep = 1e-4;       // central-difference step, on the double reference
constexpr double kTolerance = 2e-3;  // |analytic - numeric| <= kTolerance * max(1, |numeric|)

// loss = sum(out * R) for fixed random R (out * r for a scalar out), so that every output element
// gets a different weight; then each variable's analytic gradient is compared with the numeric one.
void checkGradients(GradGraph& gg, int out) {
  const Shape outShape = gg.g.node(out).shape;
  int weights = gg.input("R", randomTensor(outShape, gg.rng, -1, 1));
  int weighted = gg.op("mul", {out, weights});
  int loss = outShape.empty() ? weighted : gg.op("reduce_sum", {weighted}, Attrs().set("axes", std::vector<int64_t>{}));
  std::map<int, int> grads = autodiff(gg.g, loss, gg.vars);
  std::vector<int> gradNodes;
  for (int v : gg.vars) {
    ASSERT_TRUE(grads.count(v)) << "autodiff gave no gradient for " << gg.g.node(v).name;
    gradNodes.push_back(grads.at(v));
  }
  std::vector<RefTensor> analytic = runHalide(gg.g, gradNodes, gg.sources);
  for (size_t i = 0; i < gg.vars.size(); ++i) {
    RefTensor numeric = centralDifferences(gg.g, loss, gg.sources, gg.vars[i], kStep);
    EXPECT_TRUE(gradientsClose(analytic[i], numeric, kTolerance))
        << "d loss / d " << gg.g.node(gg.vars[i]).name << " through " << gg.g.node(out).op << " "
        << gg.g.node(out).attrs.toString();
  }
}

void addBinaryCases(std::vector<GradCase>& cases) {
  struct Pattern {
    const char* name;
    Shape a, b;
  };
  const Pattern patterns[] = {{"SameShape", {3, 4}, {3, 4}},
                              {"TrailingVector", {2, 3, 4}, {4}},
                              {"BothBroadcast", {2, 1, 4}, {3, 1}},
                              {"Scalar", {2, 3}, {}}};
  for (const char* op : {"add", "sub", "mul", "div", "maximum", "minimum"})
    for (const Pattern& p : patterns)
      cases.push_back({std::string(op) + "_" + p.name, [op, p](GradGraph& gg) {
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
  for (const char* op : {"log", "sqrt", "rsqrt"})
    cases.push_back({op, [op](GradGraph& gg) {
                       return gg.op(op, {gg.variable("x", randomTensor({3, 5}, gg.rng, 0.3, 2))});
                     }});
  for (const char* op : {"neg", "exp", "square", "abs", "relu", "sigmoid", "tanh"})
    cases.push_back({op, [op](GradGraph& gg) {
                       return gg.op(op, {gg.variable("x", randomSigned({3, 5}, gg.rng, 0.1, 2))});
                     }});
  cases.push_back({"cast_f32_to_f32", [](GradGraph& gg) {
                     int x = gg.variable("x", randomTensor({2, 7}, gg.rng));
                     return gg.op("cast", {x}, Attrs().set("dtype", std::string("f32")));
                   }});
}

void addMatmulCases(std::vector<GradCase>& cases) {
  for (int64_t ta : {0, 1})
    for (int64_t tb : {0, 1})
      cases.push_back({"matmul_ta" + std::to_string(ta) + "_tb" + std::to_string(tb), [ta, tb](GradGraph& gg) {
                         Shape a = ta ? Shape{4, 3} : Shape{3, 4}, b = tb ? Shape{5, 4} : Shape{4, 5};
                         int x = gg.variable("a", randomTensor(a, gg.rng)),
                             y = gg.variable("b", randomTensor(b, gg.rng));
                         return gg.op("matmul", {x, y}, Attrs().set("transpose_a", ta).set("transpose_b", tb));
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
               "conv2d", {x, w},
               Attrs().set("strides", c.strides).set("dilation", c.dilation).set("padding", std::string(c.padding)));
         }});
}

void addPoolCases(std::vector<GradCase>& cases) {
  for (const PoolGeometry& p : poolGeometries())
    cases.push_back({std::string("max_pool_") + p.name, [p](GradGraph& gg) {
                       // Distinct values 0.02 apart: each window has one maximum, also after a step.
                       int x = gg.variable("x", distinctTensor(p.x, gg.rng, -1.5, 0.02));
                       return gg.op("max_pool", {x},
                                    Attrs()
                                        .set("size", std::vector<int64_t>{p.size, p.size})
                                        .set("strides", std::vector<int64_t>{p.stride, p.stride})
                                        .set("padding", std::string(p.padding)));
                     }});
}

void addShapeCases(std::vector<GradCase>& cases) {
  cases.push_back({"reshape", [](GradGraph& gg) {
                     int x = gg.variable("x", randomTensor({2, 3, 4}, gg.rng));
                     return gg.op("reshape", {x}, Attrs().set("target", std::vector<int64_t>{4, -1}));
                   }});
  struct Reduce {
    const char* name;
    std::vector<int64_t> axes;
    int64_t keep;
  };
  const Reduce reduces[] = {{"Axis1", {1}, 0}, {"LastAxisKeep", {-1}, 1}, {"Axes02Keep", {0, 2}, 1}, {"All", {}, 0}};
  for (const char* op : {"reduce_sum", "reduce_mean", "reduce_max"})
    for (const Reduce& r : reduces)
      cases.push_back({std::string(op) + "_" + r.name, [op, r](GradGraph& gg) {
                         int x = gg.variable("x", distinctTensor({2, 3, 4}, gg.rng, -0.5, 0.03));
                         return gg.op(op, {x}, Attrs().set("axes", r.axes).set("keepdims", r.keep));
                       }});
  cases.push_back({"reduce_mean_of_a_scalar", [](GradGraph& gg) {
                     int x = gg.variable("x", RefTensor{{}, {0.75}});
                     return gg.op("reduce_mean", {x}, Attrs().set("axes", std::vector<int64_t>{}));
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
                       return gg.op("broadcast_like", {small, like}, attrs);
                     }});
  for (Shape like : {Shape{4}, Shape{3, 1}, Shape{2, 1, 4}, Shape{}})
    cases.push_back({"sum_like_to_" + std::to_string(like.size()) + "d" + std::to_string(elementCount(like)),
                     [like](GradGraph& gg) {
                       int big = gg.variable("big", randomTensor({2, 3, 4}, gg.rng));
                       return gg.op("sum_like", {big, gg.input("like", zeros(like))});
                     }});
}

void addSoftmaxAndLossCases(std::vector<GradCase>& cases) {
  for (Shape shape : {Shape{3, 5}, Shape{2, 3, 4}})
    cases.push_back({"softmax_rank" + std::to_string(shape.size()), [shape](GradGraph& gg) {
                       return gg.op("softmax", {gg.variable("z", randomTensor(shape, gg.rng, -2, 2))});
                     }});
  for (const char* op : {"softmax_cross_entropy", "probs_cross_entropy"})
    for (bool ids : {true, false})
      cases.push_back(
          {std::string(op) + (ids ? "_ids" : "_one_hot"), [op, ids](GradGraph& gg) {
             // Probabilities stay in (0.05, 0.95), far inside the clip range.
             bool probs = std::string(op) == "probs_cross_entropy";
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
                     int sq = gg.op("mul", {x, x});
                     return gg.op("add", {gg.op("div", {sq, gg.op("exp", {x})}), gg.op("log", {x})});
                   }});
  cases.push_back({"composite_small_cnn", [](GradGraph& gg) {
                     int x = gg.input("x", randomTensor({2, 6, 6, 1}, gg.rng));
                     int w = gg.variable("w", randomTensor({3, 3, 1, 2}, gg.rng));
                     Attrs conv = Attrs()
                                      .set("strides", std::vector<int64_t>{1, 1})
                                      .set("dilation", std::vector<int64_t>{1, 1})
                                      .set("padding", std::string("same"));
                     int c = gg.op("conv2d", {x, w}, conv);
                     int bias = gg.variable("bias", randomTensor({2}, gg.rng, 0.1, 0.2));
                     int a = gg.op("tanh", {gg.op("add", {c, bias})});
                     int flat = gg.op("reshape", {a}, Attrs().set("target", std::vector<int64_t>{2, -1}));
                     int dense = gg.variable("dense", randomTensor({72, 3}, gg.rng, -0.3, 0.3));
                     int logits = gg.op("matmul", {flat, dense});
                     return gg.op("softmax_cross_entropy", {logits, gg.input("y", randomIds(2, 3, gg.rng))});
                   }});
}

std::vector<GradCase> allCases() {
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
  return cases;
}

class GradCheck : public ::testing::TestWithParam<GradCase> {};

TEST_P(GradCheck, MatchesCentralDifferences) {
  GradGraph gg;
  int out = GetParam().build(gg);
  checkGradients(gg, out);
}

INSTANTIATE_TEST_SUITE_P(Ops, GradCheck, ::testing::ValuesIn(allCases()),
                         [](const auto& info) { return info.param.name; });

// Every op with a gradient rule is the op under test of some case above (building the graphs
// is cheap: nothing is compiled here).
TEST(GradCheckCoverage, EveryGradientRuleIsChecked) {
  std::set<std::string> checked;
  for (const GradCase& c : allCases()) {
    GradGraph gg;
    checked.insert(gg.g.node(c.build(gg)).op);
  }
  for (const OpDef& op : allOps()) {
    if (!findGradient(op.name)) continue;
    EXPECT_TRUE(checked.count(op.name)) << op.name << " has a gradient rule but no gradient check";
  }
}

}  // namespace
}  // namespace graphc
