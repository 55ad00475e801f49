// \file Kernel correctness of the v2 activations, math ops and losses (docs/language.md section 4)
// against the naive double-precision references: ordinary ranges, saturating magnitudes, small
// arguments that must keep their digits, ties of round, zeros of sign and of products, reductions
// long enough to be chunked; and the losses the front end composes, lowered from DSL source,
// against their formulas written out here.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>

#include "frontend/lower_program.h"
#include "frontend/parser.h"
#include "kernels/kernel_fixture.h"

namespace graphc {
namespace {

const Op kActivations[] = {Op::Elu,  Op::Selu,        Op::Gelu,  Op::Swish, Op::Softsign,
                           Op::Mish, Op::HardSigmoid, Op::Relu6, Op::Erf};

std::vector<int> allActivations(Graph& g, int x) {
  std::vector<int> outs;
  for (Op op : kActivations) outs.push_back(g.add(op, {x}));
  outs.push_back(g.add(Op::Elu, {x}, Attrs().set("alpha", 0.5)));
  outs.push_back(g.add(Op::Gelu, {x}, Attrs().set("approximate", int64_t(1))));
  return outs;
}

using MathKernelTest = KernelTest;

TEST_F(MathKernelTest, Activations) {
  std::vector<int> outs = allActivations(g, input("x", randomTensor({4, 9}, rng, -7, 7)));
  checkBothVectorWidths(outs);
}

TEST_F(MathKernelTest, SaturatingActivations) {
  int x = input("x", RefTensor{{10}, {-80, -20, -5, -2.5, -0.5, 0.5, 2.5, 5, 20, 80}});
  check(allActivations(g, x));
}

// Near 0 the activations are about x (or x / 2): a relative error of 2e-5 must hold where the
// absolute tolerance of the other checks would hide any error (elu's e^x - 1 in particular).
TEST_F(MathKernelTest, SmallArgumentsKeepTheirDigits) {
  int x = input("x", RefTensor{{6}, {-1e-3, -1e-5, -1e-7, 1e-7, 1e-5, 1e-3}});
  std::vector<int> outs;
  for (Op name : {Op::Elu, Op::Selu, Op::Gelu, Op::Swish, Op::Softsign, Op::Erf}) outs.push_back(op(name, {x}));
  expectMatchesReference(g, outs, feeds, 2e-5, 1e-12);
}

TEST_F(MathKernelTest, UnaryMath) {
  int nonzero = input("nz", randomSigned({4, 9}, rng, 0.2, 3));
  // Ties of round (to even, as tf.round), exact integers, zeros of both signs for sign.
  int special = input("s", RefTensor{{12}, {-2.5, -1.5, -0.5, -0.0, 0.0, 0.5, 1.5, 2.5, 3.0, -3.0, 0.49999997, 7.25}});
  int any = input("x", randomTensor({4, 9}, rng, -5, 5));
  std::vector<int> outs = {op(Op::Reciprocal, {nonzero})};
  for (int x : {special, any})
    for (Op name : {Op::Sign, Op::Floor, Op::Round, Op::StopGradient}) outs.push_back(op(name, {x}));
  check(outs);
}

TEST_F(MathKernelTest, Pow) {
  int base = input("x", randomTensor({3, 7}, rng, 0.1, 3));
  int exponent = input("y", randomTensor({7}, rng, -2.5, 2.5));
  // A negative base with integer exponents, as C's pow and TensorFlow define it.
  int negative = input("n", RefTensor{{6}, {-2, -1.5, -3, -0.5, -2, -1.25}});
  int integers = input("k", RefTensor{{6}, {2, 3, -1, -2, 0, 1}});
  check({op(Op::Pow, {base, exponent}), op(Op::Pow, {exponent, addConstant(g, 2)}), op(Op::Pow, {negative, integers})});
}

// Axes like reduce_sum's, and rows of 300 (chunked by longReduction: more than 64 terms).
TEST_F(MathKernelTest, ReduceMinAndProd) {
  int x = input("x", randomTensor({2, 3, 4}, rng, -2, 2));
  RefTensor nearOne = randomTensor({3, 300}, rng, 0.99, 1.01);
  nearOne.data[17] = -nearOne.data[17];
  int wide = input("wide", nearOne);
  RefTensor withZero = randomTensor({2, 5}, rng, -2, 2);
  withZero.data[3] = 0;
  int zero = input("zero", withZero);
  std::vector<int> outs;
  for (Op kind : {Op::ReduceMin, Op::ReduceProd}) {
    for (std::vector<int64_t> axes : {std::vector<int64_t>{1}, {0, 2}, {}})
      for (int64_t keep : {0, 1}) outs.push_back(op(kind, {x}, Attrs().set("axes", axes).set("keepdims", keep)));
    for (std::vector<int64_t> axes : {std::vector<int64_t>{1}, {}})
      outs.push_back(op(kind, {wide}, Attrs().set("axes", axes).set("keepdims", int64_t(0))));
    outs.push_back(op(kind, {zero}, Attrs().set("axes", std::vector<int64_t>{1}).set("keepdims", int64_t(0))));
  }
  checkBothVectorWidths(outs);
}

TEST_F(MathKernelTest, ElementwiseLosses) {
  // Probabilities at and beyond the clip (0, 1e-9, 1) and inside it; logits up to +-80.
  int p = input("p", RefTensor{{8}, {0, 1e-9, 0.01, 0.3, 0.5, 0.9, 0.999, 1}});
  int y = input("y", RefTensor{{8}, {1, 0, 1, 0.25, 1, 0, 1, 0}});
  int logits = input("z", RefTensor{{8}, {-80, -20, -3, -0.1, 0.1, 3, 20, 80}});
  int row = input("r", randomTensor({3, 8}, rng, -4, 4));
  check({op(Op::BinaryCrossentropy, {p, y}), op(Op::SigmoidCrossEntropy, {logits, y}),
         op(Op::SigmoidCrossEntropy, {row, y})});
}

// A DSL loss lowered by the front end and compiled; inputs by placeholder name.
RefTensor runDsl(const std::string& source, const std::map<std::string, RefTensor>& values, const std::string& out) {
  Model m = lowerProgram(parseProgram("losses.mnn", source));
  std::map<int, RefTensor> feeds;
  for (const auto& [name, value] : values) feeds[m.graph.findByName(name)] = value;
  return runHalide(m.graph, {m.graph.findByName(out)}, feeds)[0];
}

double sumOf(const RefTensor& t, const std::function<double(size_t)>& term) {
  double total = 0;
  for (size_t i = 0; i < t.data.size(); ++i) total += term(i);
  return total;
}

TEST(ComposedLosses, MatchTheirKerasFormulas) {
  std::mt19937 rng(5);
  RefTensor a = randomTensor({6, 4}, rng, -3, 3), b = randomTensor({6, 4}, rng, -3, 3);
  std::string pair = "a = placeholder(f32, [6, 4])\nb = placeholder(f32, [6, 4])\n";
  auto loss = [&](const std::string& call) {
    return runDsl(pair + "loss = " + call + "\n", {{"a", a}, {"b", b}}, "loss");
  };
  double n = 24;
  EXPECT_NEAR(loss("mean_absolute_error(a, b)").data[0],
              sumOf(a, [&](size_t i) { return std::fabs(a.data[i] - b.data[i]); }) / n, 1e-5);
  for (double delta : {1.0, 0.4}) {
    double want = sumOf(a,
                        [&](size_t i) {
                          double e = std::fabs(a.data[i] - b.data[i]);
                          return e <= delta ? 0.5 * e * e : delta * e - 0.5 * delta * delta;
                        }) /
                  n;
    EXPECT_NEAR(loss("huber(a, b, delta = " + std::to_string(delta) + ")").data[0], want, 1e-5) << delta;
  }
  EXPECT_NEAR(loss("l2_loss(a)").data[0], sumOf(a, [&](size_t i) { return a.data[i] * a.data[i]; }) / 2, 1e-4);
  // Keras' KLD: both clipped to [1e-7, 1] (negative entries and zeros hit the clip), summed over
  // the last axis, averaged over the rows.
  double kl = sumOf(a,
                    [&](size_t i) {
                      double p = std::clamp(a.data[i], 1e-7, 1.0), q = std::clamp(b.data[i], 1e-7, 1.0);
                      return p * std::log(p / q);
                    }) /
              6;
  EXPECT_NEAR(loss("kl_divergence(a, b)").data[0], kl, 1e-4 * std::max(1.0, std::fabs(kl)));
  // The means of the elementwise ops: b as probabilities and labels in [0, 1].
  RefTensor probs = randomTensor({6, 4}, rng, 0, 1), labels = randomTensor({6, 4}, rng, 0, 1);
  double bce = sumOf(probs,
                     [&](size_t i) {
                       double p = std::clamp(probs.data[i], 1e-7, 1 - 1e-7), y = labels.data[i];
                       return -(y * std::log(p + 1e-7) + (1 - y) * std::log(1 - p + 1e-7));
                     }) /
               n;
  double sce = sumOf(a,
                     [&](size_t i) {
                       double x = a.data[i], z = labels.data[i], s = 1 / (1 + std::exp(-x));
                       return -(z * std::log(s) + (1 - z) * std::log(1 - s));
                     }) /
               n;
  EXPECT_NEAR(runDsl(pair + "loss = binary_crossentropy(a, b)\n", {{"a", probs}, {"b", labels}}, "loss").data[0], bce,
              1e-5);
  EXPECT_NEAR(runDsl(pair + "loss = sigmoid_cross_entropy(a, b)\n", {{"a", a}, {"b", labels}}, "loss").data[0], sce,
              1e-5);
}

TEST(ComposedLosses, LabelSmoothingFollowsKeras) {
  std::mt19937 rng(6);
  RefTensor logits = randomTensor({4, 5}, rng, -2, 2), ids = randomIds(4, 5, rng);
  double s = 0.2, want = 0;
  for (size_t r = 0; r < 4; ++r) {
    const double* row = logits.data.data() + r * 5;
    double mx = *std::max_element(row, row + 5), total = 0;
    for (size_t j = 0; j < 5; ++j) total += std::exp(row[j] - mx);
    for (size_t j = 0; j < 5; ++j) {
      double target = (static_cast<size_t>(ids.data[r]) == j ? 1.0 : 0.0) * (1 - s) + s / 5;
      want -= target * (row[j] - mx - std::log(total));
    }
  }
  want /= 4;
  std::string source = "s = placeholder(f32, [4, 5])\ny = placeholder(i32, [4])\nh = placeholder(f32, [4, 5])\n";
  std::map<std::string, RefTensor> feeds = {{"s", logits}, {"y", ids}, {"h", oneHot(ids, 5)}};
  for (const char* call :
       {"softmax_cross_entropy(s, y, label_smoothing = 0.2)", "softmax_cross_entropy(s, h, label_smoothing = 0.2)",
        "sparse_categorical_crossentropy(softmax(s), y, label_smoothing = 0.2)",
        "categorical_crossentropy(softmax(s), h, label_smoothing = 0.2)"})
    EXPECT_NEAR(runDsl(source + "loss = " + call + "\n", feeds, "loss").data[0], want, 1e-5) << call;
}

// split's parts are the consecutive blocks of the axis, written out here element by element.
TEST(ComposedCalls, SplitGivesConsecutiveBlocks) {
  std::mt19937 rng(11);
  RefTensor x = randomTensor({2, 7, 3}, rng, -2, 2);
  std::string source = "x = placeholder(f32, [2, 7, 3])\np = split(x, [2, -1, 1], axis = 1)\n";
  const int64_t begins[] = {0, 2, 6}, sizes[] = {2, 4, 1};
  for (int part = 0; part < 3; ++part) {
    RefTensor got = runDsl(source, {{"x", x}}, "p/" + std::to_string(part));
    ASSERT_EQ(got.shape, (Shape{2, sizes[part], 3}));
    for (int64_t n = 0; n < 2; ++n)
      for (int64_t r = 0; r < sizes[part]; ++r)
        for (int64_t c = 0; c < 3; ++c)
          EXPECT_EQ(got.data[static_cast<size_t>((n * sizes[part] + r) * 3 + c)],
                    x.data[static_cast<size_t>((n * 7 + begins[part] + r) * 3 + c)]);
  }
}

TEST(ComposedLosses, MomentsAreTheMeanAndTheBiasedVariance) {
  std::mt19937 rng(7);
  RefTensor x = randomTensor({3, 2, 4}, rng, -2, 2);
  std::string source = "x = placeholder(f32, [3, 2, 4])\nm = moments(x, [0, 2])\nv = moments(x, 1).variance\n";
  RefTensor mean = runDsl(source, {{"x", x}}, "m/mean"), variance = runDsl(source, {{"x", x}}, "m/variance");
  RefTensor inline1 = runDsl(source, {{"x", x}}, "v");
  ASSERT_EQ(mean.shape, Shape{2});
  ASSERT_EQ(inline1.shape, (Shape{3, 4}));
  for (int64_t c = 0; c < 2; ++c) {
    double sum = 0, squares = 0;
    for (int64_t i = 0; i < 3; ++i)
      for (int64_t k = 0; k < 4; ++k) sum += x.data[static_cast<size_t>((i * 2 + c) * 4 + k)];
    double mu = sum / 12;
    for (int64_t i = 0; i < 3; ++i)
      for (int64_t k = 0; k < 4; ++k) squares += std::pow(x.data[static_cast<size_t>((i * 2 + c) * 4 + k)] - mu, 2);
    EXPECT_NEAR(mean.data[static_cast<size_t>(c)], mu, 1e-5);
    EXPECT_NEAR(variance.data[static_cast<size_t>(c)], squares / 12, 1e-5);
  }
  double a = x.data[0], b = x.data[4];  // x[0, :, 0]
  EXPECT_NEAR(inline1.data[0], std::pow((a - b) / 2, 2), 1e-5);
}

}  // namespace
}  // namespace graphc
