// \file Gradient-check cases of the selection ops, dropout, the normalizations (batch_norm,
// log_softmax, the BatchNorm layer's graph, the stable rewrites), transpose, concat and
// average pooling. Inputs stay away from kinks by more than the central-difference step.
#include "frontend/layers.h"
#include "kernels/gradcheck.h"
#include "passes/stable_losses.h"

namespace graphc {
namespace {

RefTensor scalarValue(double v, DType dtype = DType::F32) { return {{}, {v}, dtype}; }

RefTensor randomBools(const Shape& shape, std::mt19937& rng) {
  std::bernoulli_distribution coin(0.5);
  RefTensor t = zeros(shape, DType::Bool);
  for (double& v : t.data) v = coin(rng);
  return t;
}

Attrs axes(std::vector<int64_t> a, int64_t keep) { return Attrs().set("axes", a).set("keepdims", keep); }

int dropoutCase(GradGraph& gg, double flag) {
  int x = gg.variable("x", randomTensor({4, 30}, gg.rng));
  int keep = gg.input("keep", scalarValue(0.6));
  int training = gg.input("training", scalarValue(flag));
  int step = gg.input("step", scalarValue(5, DType::I32));
  return gg.op(Op::Dropout, {x, keep, training, step}, Attrs().set("seed", int64_t(9)));
}

// The BatchNorm layer's graph on x [4, 2, 3] (statistics over two axes).
int batchNormLayerCase(GradGraph& gg, double flag) {
  int x = gg.variable("x", randomTensor({4, 2, 3}, gg.rng, -2, 2));
  BatchNormVariables v;
  v.gamma = gg.variable("gamma", randomTensor({3}, gg.rng, 0.5, 1.5));
  v.beta = gg.variable("beta", randomTensor({3}, gg.rng));
  v.movingMean = gg.input("moving_mean", randomTensor({3}, gg.rng));
  v.movingVariance = gg.input("moving_variance", randomTensor({3}, gg.rng, 0.5, 2));
  std::vector<VariableUpdate> updates;
  return buildBatchNorm(gg.g, x, v, gg.input("training", scalarValue(flag)), 0.9, 1e-3, {}, &updates);
}

}  // namespace

void addSelectionCases(std::vector<GradCase>& cases) {
  cases.push_back({"leaky_relu", [](GradGraph& gg) {
                     int x = gg.variable("x", randomSigned({3, 5}, gg.rng, 0.1, 2));
                     return gg.op(Op::LeakyRelu, {x}, Attrs().set("alpha", 0.2));
                   }});
  // x on even multiples of 0.01, the bounds on odd ones: no element sits on a bound.
  cases.push_back(
      {"clip_scalar_bounds", [](GradGraph& gg) {
         int x = gg.variable("x", distinctTensor({3, 5}, gg.rng, -0.3, 0.04));
         return gg.op(Op::Clip, {x, gg.variable("lo", scalarValue(-0.11)), gg.variable("hi", scalarValue(0.17))});
       }});
  cases.push_back({"clip_broadcast_bounds", [](GradGraph& gg) {
                     int x = gg.variable("x", distinctTensor({3, 5}, gg.rng, -0.3, 0.02));
                     int lo = gg.variable("lo", distinctTensor({5}, gg.rng, -0.29, 0.02));
                     int hi = gg.variable("hi", distinctTensor({3, 1}, gg.rng, -0.13, 0.04));
                     return gg.op(Op::Clip, {x, lo, hi});
                   }});
  cases.push_back({"where_same_shape", [](GradGraph& gg) {
                     int c = gg.input("c", randomBools({3, 4}, gg.rng));
                     return gg.op(Op::Where, {c, gg.variable("a", randomTensor({3, 4}, gg.rng)),
                                              gg.variable("b", randomTensor({3, 4}, gg.rng))});
                   }});
  cases.push_back(
      {"where_broadcast", [](GradGraph& gg) {
         int c = gg.input("c", randomBools({3, 1}, gg.rng));
         return gg.op(Op::Where, {c, gg.variable("a", randomTensor({4}, gg.rng)), gg.variable("b", scalarValue(0.3))});
       }});
  cases.push_back({"dropout_training", [](GradGraph& gg) { return dropoutCase(gg, 1); }});
  cases.push_back({"dropout_evaluation", [](GradGraph& gg) { return dropoutCase(gg, 0); }});
}

void addNormalizationCases(std::vector<GradCase>& cases) {
  cases.push_back({"batch_norm_channels", [](GradGraph& gg) {
                     std::vector<int> in = {gg.variable("x", randomTensor({2, 3, 4}, gg.rng, -2, 2)),
                                            gg.variable("gamma", randomTensor({4}, gg.rng, 0.5, 1.5)),
                                            gg.variable("beta", randomTensor({4}, gg.rng)),
                                            gg.variable("mean", randomTensor({4}, gg.rng)),
                                            gg.variable("var", randomTensor({4}, gg.rng, 0.5, 2))};
                     return gg.op(Op::BatchNorm, in, Attrs().set("epsilon", 1e-3));
                   }});
  cases.push_back({"batch_norm_scalar_statistics", [](GradGraph& gg) {
                     std::vector<int> in = {
                         gg.variable("x", randomTensor({3, 5}, gg.rng, -2, 2)), gg.variable("gamma", scalarValue(1.3)),
                         gg.variable("beta", scalarValue(-0.2)), gg.variable("mean", scalarValue(0.1)),
                         gg.variable("var", scalarValue(0.8))};
                     return gg.op(Op::BatchNorm, in, Attrs().set("epsilon", 0.01));
                   }});
  for (Shape shape : {Shape{3, 5}, Shape{2, 3, 4}})
    cases.push_back({"log_softmax_rank" + std::to_string(shape.size()), [shape](GradGraph& gg) {
                       return gg.op(Op::LogSoftmax, {gg.variable("z", randomTensor(shape, gg.rng, -2, 2))});
                     }});
  // A mean over the batch `?` divides by the batch size bound at compile time (here 1), not by the
  // static shape's placeholder for it.
  cases.push_back({"reduce_mean_over_the_batch", [](GradGraph& gg) {
                     int x = addPlaceholder(gg.g, "x", {kBatch, 3});
                     gg.sources[x] = randomTensor({1, 3}, gg.rng);
                     int w = gg.variable("w", randomTensor({3}, gg.rng));
                     return gg.op(Op::ReduceMean, {gg.op(Op::Mul, {x, w})}, axes({0, 1}, 0));
                   }});
  cases.push_back({"composite_batch_norm_layer_training", [](GradGraph& gg) { return batchNormLayerCase(gg, 1); }});
  cases.push_back({"composite_batch_norm_layer_evaluation", [](GradGraph& gg) { return batchNormLayerCase(gg, 0); }});
  // TF1's -reduce_sum(y_ * log(softmax(z))), rewritten to log_softmax before differentiation.
  cases.push_back({"composite_log_softmax_rewrite", [](GradGraph& gg) {
                     int z = gg.variable("z", randomTensor({4, 6}, gg.rng, -2, 2));
                     int labels = gg.input("labels", oneHot(randomIds(4, 6, gg.rng), 6));
                     int logp = gg.op(Op::Log, {gg.op(Op::Softmax, {z})});
                     int loss = gg.op(Op::Neg, {gg.op(Op::ReduceSum, {gg.op(Op::Mul, {labels, logp})}, axes({}, 0))});
                     rewriteStableLosses(gg.g);
                     return loss;
                   }});
  // Keras' categorical_crossentropy renormalizes rows that do not sum to 1.
  cases.push_back({"composite_normalized_probs_cross_entropy", [](GradGraph& gg) {
                     int p = gg.variable("p", randomTensor({4, 6}, gg.rng, 0.1, 0.5));
                     int labels = gg.input("labels", oneHot(randomIds(4, 6, gg.rng), 6));
                     int normalized = gg.op(Op::Div, {p, gg.op(Op::ReduceSum, {p}, axes({1}, 1))});
                     return gg.op(Op::ProbsCrossEntropy, {normalized, labels});
                   }});
}

void addShapeOpCases(std::vector<GradCase>& cases) {
  cases.push_back({"transpose_default", [](GradGraph& gg) {
                     return gg.op(Op::Transpose, {gg.variable("x", randomTensor({3, 5}, gg.rng))},
                                  Attrs().set("perm", std::vector<int64_t>{}));
                   }});
  cases.push_back({"transpose_rank3", [](GradGraph& gg) {
                     return gg.op(Op::Transpose, {gg.variable("x", randomTensor({2, 3, 4}, gg.rng))},
                                  Attrs().set("perm", std::vector<int64_t>{2, 0, 1}));
                   }});
  cases.push_back(
      {"concat_axis0_three_inputs", [](GradGraph& gg) {
         int a = gg.variable("a", randomTensor({2, 3}, gg.rng)), b = gg.variable("b", randomTensor({1, 3}, gg.rng));
         return gg.op(Op::Concat, {a, b, a}, Attrs().set("axis", int64_t(0)));
       }});
  cases.push_back({"concat_last_axis", [](GradGraph& gg) {
                     int a = gg.variable("a", randomTensor({2, 2, 3}, gg.rng)),
                         b = gg.variable("b", randomTensor({2, 2, 5}, gg.rng));
                     return gg.op(Op::Concat, {a, b}, Attrs().set("axis", int64_t(-1)));
                   }});
}

void addAvgPoolCases(std::vector<GradCase>& cases) {
  for (const PoolGeometry& p : poolGeometries())
    cases.push_back({std::string("avg_pool_") + p.name, [p](GradGraph& gg) {
                       return gg.op(Op::AvgPool, {gg.variable("x", randomTensor(p.x, gg.rng))},
                                    Attrs()
                                        .set("size", std::vector<int64_t>{p.size, p.size})
                                        .set("strides", std::vector<int64_t>{p.stride, p.stride})
                                        .set("padding", std::string(p.padding)));
                     }});
}

}  // namespace graphc
