// \file Kernel correctness: every lowered op run through the Halide pipeline and compared with
// the naive double-precision reference loops, on shapes chosen to hit broadcasting, padding,
// strides, ties and the schedules' vector tails.
#include <gtest/gtest.h>

#include <random>

#include "codegen/lowering.h"
#include "codegen/schedule.h"
#include "kernels/kernel_fixture.h"
#include "passes/fusion.h"

namespace graphc {

// a op b for every arithmetic op, b kept away from 0 for div; also b op a, broadcast operand first.
void KernelTest::checkArithmetic(const Shape& a, const Shape& b) {
  int x = input("a", randomTensor(a, rng, -2, 2));
  int y = input("b", randomSigned(b, rng, 0.5, 2));
  std::vector<int> outs;
  for (Op name : {Op::Add, Op::Sub, Op::Mul, Op::Div, Op::Maximum, Op::Minimum}) {
    outs.push_back(op(name, {x, y}));
    outs.push_back(op(name, {y, x}));
  }
  check(outs);
}

// The four matmuls of an [m, k] by [k, n] product: a and b each given as is or transposed.
std::vector<int> KernelTest::allTransposes(int64_t m, int64_t k, int64_t n) {
  int a = input("a", randomTensor({m, k}, rng)), at = input("at", randomTensor({k, m}, rng));
  int b = input("b", randomTensor({k, n}, rng)), bt = input("bt", randomTensor({n, k}, rng));
  auto mm = [&](int x, int y, int64_t ta, int64_t tb) {
    return op(Op::Matmul, {x, y}, Attrs().set("transpose_a", ta).set("transpose_b", tb));
  };
  return {mm(a, b, 0, 0), mm(at, b, 1, 0), mm(a, bt, 0, 1), mm(at, bt, 1, 1)};
}

namespace {

TEST_F(KernelTest, ArithmeticSameShape) { checkArithmetic({3, 5}, {3, 5}); }
TEST_F(KernelTest, ArithmeticBroadcastTrailingVector) { checkArithmetic({2, 3, 4}, {4}); }
TEST_F(KernelTest, ArithmeticBroadcastBothOperands) { checkArithmetic({2, 1, 4}, {3, 1}); }
TEST_F(KernelTest, ArithmeticWithScalar) { checkArithmetic({3, 9}, {}); }

TEST_F(KernelTest, ComparisonsWithTies) {
  // Small integers make equal elements common, so equal/less_equal/greater_equal are exercised.
  std::uniform_int_distribution<int> pick(-1, 1);
  RefTensor a = zeros({3, 4}), b = zeros({4});
  for (double& v : a.data) v = pick(rng);
  for (double& v : b.data) v = pick(rng);
  int x = input("a", a), y = input("b", b);
  std::vector<int> outs;
  for (Op name : {Op::Equal, Op::NotEqual, Op::Less, Op::LessEqual, Op::Greater, Op::GreaterEqual})
    outs.push_back(op(name, {x, y}));
  outs.push_back(op(Op::Cast, {outs[2]}, Attrs().set("dtype", std::string("f32"))));
  check(outs);
}

TEST_F(KernelTest, IntegerArithmetic) {
  RefTensor a{{2, 5}, {7, -7, 0, 13, -1, 5, -6, 9, 2, -12}, DType::I32};
  RefTensor b{{2, 5}, {2, 2, 3, -4, 3, -2, 4, 3, -5, 5}, DType::I32};
  int x = input("a", a), y = input("b", b);
  std::vector<int> outs;
  for (Op name : {Op::Add, Op::Sub, Op::Mul, Op::Div, Op::Maximum, Op::Minimum, Op::Less})
    outs.push_back(op(name, {x, y}));
  outs.push_back(op(Op::Neg, {x}));
  check(outs);
}

TEST_F(KernelTest, UnaryMath) {
  int positive = input("p", randomTensor({4, 9}, rng, 0.1, 3));
  int any = input("x", randomTensor({4, 9}, rng, -3, 3));
  std::vector<int> outs;
  for (Op name : {Op::Log, Op::Sqrt, Op::Rsqrt}) outs.push_back(op(name, {positive}));
  for (Op name : {Op::Neg, Op::Exp, Op::Square, Op::Abs, Op::Relu, Op::Sigmoid, Op::Tanh, Op::Softplus})
    outs.push_back(op(name, {any}));
  check(outs);
}

TEST_F(KernelTest, SaturatingUnaryMath) {
  // Large magnitudes: sigmoid and tanh must saturate to 0/1 and -1/1 without NaNs; softplus must
  // neither overflow at 80 nor lose e^-20 at -20.
  int x = input("x", RefTensor{{8}, {-80, -20, -5, -0.5, 0.5, 5, 20, 80}});
  check({op(Op::Sigmoid, {x}), op(Op::Tanh, {x}), op(Op::Relu, {x}), op(Op::Abs, {x}), op(Op::Softplus, {x})});
}

TEST_F(KernelTest, Casts) {
  int f = input("f", RefTensor{{6}, {-3.75, -0.5, 0, 0.25, 2.5, 7}});
  int i = input("i", RefTensor{{6}, {-3, -1, 0, 1, 2, 100}, DType::I32});
  auto cast = [&](int x, const char* to) { return op(Op::Cast, {x}, Attrs().set("dtype", std::string(to))); };
  int asBool = cast(f, "bool");
  check({cast(f, "i32"), cast(f, "f32"), asBool, cast(asBool, "f32"), cast(i, "f32"), cast(i, "bool")});
}

TEST_F(KernelTest, ReluGradAndSgdUpdate) {
  RefTensor x = randomTensor({3, 10}, rng, -1, 1);
  x.data[0] = 0;  // relu's subgradient at 0 is 0
  x.data[7] = 0;
  int xs = input("x", x);
  int g = input("g", randomTensor({3, 10}, rng, -1, 1));
  int var = input("var", randomTensor({3, 10}, rng, -1, 1));
  int lr = input("lr", RefTensor{{}, {0.125}});
  int lrConst = addConstant(this->g, 0.01);
  check({op(Op::ReluGrad, {xs, g}), op(Op::SgdUpdate, {var, g, lr}), op(Op::SgdUpdate, {var, g, lrConst})});
}

// Autodiff often returns one node as the gradient of several variables (x + y with equal shapes):
// each output buffer must receive the value, not just the first.
TEST_F(KernelTest, RepeatedOutputFillsEveryBuffer) {
  int x = input("x", randomTensor({3, 4}, rng));
  int y = op(Op::Exp, {x});
  check({y, y, op(Op::Neg, {x}), y});
}

TEST_F(KernelTest, MatmulAllTransposes) { check(allTransposes(5, 7, 9)); }

TEST_F(KernelTest, MatmulRegisterTiles) {
  // n = 20 (a 16-lane tile and a shifted tail) and m = 13 (rows not a multiple of the unroll).
  std::vector<int> outs = allTransposes(13, 40, 20);
  int narrow = input("narrow", randomTensor({40, 3}, rng));
  int a = g.node(outs[0]).inputs[0];  // [13, 40]
  outs.push_back(op(Op::Matmul, {a, narrow}));
  checkBothVectorWidths(outs);
}

TEST_F(KernelTest, MatmulPackedPanels) {
  // b of 520 x 516 floats (over 1 MB) and 25 rows: the schedule copies b's column panels (or,
  // transposed, packs them in 8x8 blocks) into dense buffers; n = 516 ends in a shifted tail.
  ASSERT_TRUE(packsMatmulPanels({13, 516}, 520, 8));
  ASSERT_TRUE(packsMatmulPanels({25, 516}, 520, 16));
  checkBothVectorWidths(allTransposes(25, 520, 516));
}

// A dense layer at batch 1 or 2 (a matrix-vector product): the register tile widens to the
// vectors its few rows leave (16 or 12 of 16 lanes, 8 of 8), each row one long run of loads.
TEST_F(KernelTest, MatmulFewRowsWidenTheTile) {
  EXPECT_EQ(registerTile(256, 1, 16, false).vectorTile, 256);
  EXPECT_EQ(registerTile(192, 2, 16, false).vectorTile, 192);
  EXPECT_EQ(registerTile(256, 1, 8, false).vectorTile, 64);
  EXPECT_EQ(registerTile(256, 13, 16, false).vectorTile, 32);  // enough rows: two vectors
  int v = input("v", randomTensor({1, 70}, rng)), pair = input("pair", randomTensor({2, 70}, rng));
  int w = input("w", randomTensor({70, 256}, rng)), w2 = input("w2", randomTensor({70, 192}, rng));
  checkBothVectorWidths({op(Op::Matmul, {v, w}), op(Op::Matmul, {pair, w2})});
}

// a times b transposed, b over 1 MB (a dense layer's input gradient dY @ W^T): dot products of
// rows dense along k, each register's lanes summed at the end (lowerMatmulDot). k = 4100 leaves
// a tail of 4 terms past the vectors at either width; 50 rows are 13 shifted-inward tiles of 4;
// 1 and 2 rows take more rows of b; 3 rows of b are fewer than a tile's; the last product's tiles
// apply a fused relu mask. Smaller operands keep the transposed copy (lenet5's layers).
TEST_F(KernelTest, MatmulTransposedOperandDotProducts) {
  EXPECT_EQ(dotTile(50, 3136, 16).rows, 4);
  EXPECT_EQ(dotTile(50, 3136, 16).columns, 6);
  EXPECT_EQ(dotTile(25, 3136, 16).rows, 4);
  EXPECT_EQ(dotTile(1, 3136, 16).columns, 24);
  EXPECT_EQ(dotTile(5, 3, 8).rows, 3);
  EXPECT_EQ(dotTile(5, 3, 8).columns, 3);
  EXPECT_TRUE(dotProductMatmul({50, 3136}, 1024, 16));
  EXPECT_FALSE(dotProductMatmul({32, 400}, 120, 16));
  for (int lanes : {8, 16}) {
    EXPECT_TRUE(dotProductMatmul({50, 64}, 4100, lanes));
    EXPECT_TRUE(dotProductMatmul({5, 3}, 90000, lanes));
  }
  int a = input("a", randomTensor({50, 4100}, rng)), b = input("b", randomTensor({64, 4100}, rng));
  int one = input("one", randomTensor({1, 4100}, rng)), two = input("two", randomTensor({2, 4100}, rng));
  int a5 = input("a5", randomTensor({5, 90000}, rng)), b3 = input("b3", randomTensor({3, 90000}, rng));
  int mask = input("mask", randomTensor({50, 64}, rng));
  Attrs tb = Attrs().set("transpose_a", int64_t{0}).set("transpose_b", int64_t{1});
  checkBothVectorWidths({op(Op::Matmul, {a, b}, tb), op(Op::Matmul, {one, b}, tb), op(Op::Matmul, {two, b}, tb),
                         op(Op::Matmul, {a5, b3}, tb), op(Op::ReluGrad, {mask, op(Op::Matmul, {a, b}, tb)})});
}

TEST_F(KernelTest, MatmulVectorShapes) {
  int row = input("row", randomTensor({1, 16}, rng)), col = input("col", randomTensor({16, 1}, rng));
  check({op(Op::Matmul, {row, col}), op(Op::Matmul, {col, row})});
}

// Producer fusion (passes/fusion.h): the tiles of a convolution or matmul apply the elementwise
// chain that reads them (bias, relu; a gradient's relu mask) before they are stored.
TEST_F(KernelTest, FusedTiledProducers) {
  int x = input("x", randomTensor({2, 9, 9, 3}, rng)), w = input("w", randomTensor({3, 3, 3, 20}, rng));
  int bias = input("bias", randomTensor({20}, rng));
  int conv = op(Op::Conv2d, {x, w},
                Attrs()
                    .set("strides", std::vector<int64_t>{1, 1})
                    .set("dilation", std::vector<int64_t>{1, 1})
                    .set("padding", std::string("same")));
  int activated = op(Op::Relu, {op(Op::Add, {conv, bias})});
  int a = input("a", randomTensor({13, 40}, rng)), b = input("b", randomTensor({40, 20}, rng));
  int mask = input("mask", randomTensor({13, 20}, rng));
  int maskedGrad = op(Op::ReluGrad, {mask, op(Op::Matmul, {a, b})});
  checkBothVectorWidths({activated, maskedGrad});
}

// Reductions and broadcasts read their elementwise producers inline (passes/fusion.h): BatchNorm's
// variance and a normalization by a broadcast per-channel scale, against the naive reference.
TEST_F(KernelTest, ReductionsAndBroadcastsOfFusedProducers) {
  int x = input("x", randomTensor({5, 7, 9, 19}, rng));
  Attrs overImages = Attrs().set("axes", std::vector<int64_t>{0, 1, 2}).set("keepdims", int64_t{0});
  int mean = op(Op::ReduceMean, {x}, overImages);
  int deviation = op(Op::Sub, {x, mean});
  int variance = op(Op::ReduceMean, {op(Op::Square, {deviation})}, overImages);
  int scale = op(Op::Rsqrt, {variance});
  int spread = op(Op::BroadcastLike, {scale, x}, Attrs().set("axes", std::vector<int64_t>{0, 1, 2}));
  int normalized = op(Op::Mul, {spread, deviation});
  int summed = op(Op::SumLike, {op(Op::Mul, {normalized, x}), scale});
  checkBothVectorWidths({variance, normalized, summed});
}

// Per-image fusion (passes/fusion.h): with 16 images, a convolution kernel read only by a max or
// average pooling is computed inside the pool's loop over images, one image at a time.
TEST_F(KernelTest, ConvolutionsComputedPerImageInsideTheirPooling) {
  Attrs same = Attrs()
                   .set("strides", std::vector<int64_t>{1, 1})
                   .set("dilation", std::vector<int64_t>{1, 1})
                   .set("padding", std::string("same"));
  Attrs window = Attrs()
                     .set("size", std::vector<int64_t>{2, 2})
                     .set("strides", std::vector<int64_t>{2, 2})
                     .set("padding", std::string("valid"));
  // Pooled outputs large enough for the pools to run their images in parallel.
  ASSERT_TRUE(imagesInParallel({16, 19, 19, 6}));
  int x = input("x", randomTensor({16, 38, 38, 3}, rng)), w = input("w", randomTensor({3, 3, 3, 16}, rng));
  int bias = input("bias", randomTensor({16}, rng)), narrow = input("narrow", randomTensor({3, 3, 3, 6}, rng));
  int activated = op(Op::Relu, {op(Op::Add, {op(Op::Conv2d, {x, w}, same), bias})});
  int maxPooled = op(Op::MaxPool, {activated}, window);
  int fewChannels = op(Op::Conv2d, {x, narrow}, same);
  int avgPooled = op(Op::AvgPool, {fewChannels}, window);
  FusionPlan plan = planFusion(g, {maxPooled, avgPooled}, 1);
  std::map<int, int> perImage;
  for (const Kernel& k : plan.kernels) perImage[k.root] = k.perImageIn;
  EXPECT_EQ(perImage[activated], maxPooled);
  EXPECT_EQ(perImage[fewChannels], avgPooled);
  checkBothVectorWidths({maxPooled, avgPooled});
}

// The per-image schedule's own shapes (codegen/lower_graph.cpp): 64 channels, whose register tile
// is refitted to the columns the pool reads (10 of 11 by 2x2 windows: 4 vectors by 5 columns at
// 16 lanes, 2 by 5 at 8), computed per pooled row (disjoint windows), and with overlapping 3x3
// windows at stride 2, per image (11 of 12 columns read).
TEST_F(KernelTest, PerImageConvolutionTilesFittedToThePool) {
  Attrs valid = Attrs()
                    .set("strides", std::vector<int64_t>{1, 1})
                    .set("dilation", std::vector<int64_t>{1, 1})
                    .set("padding", std::string("valid"));
  auto window = [](int64_t size) {
    return Attrs()
        .set("size", std::vector<int64_t>{size, size})
        .set("strides", std::vector<int64_t>{2, 2})
        .set("padding", std::string("valid"));
  };
  ASSERT_TRUE(imagesInParallel({24, 5, 5, 64}));
  int x = input("x", randomTensor({24, 13, 13, 4}, rng)), w = input("w", randomTensor({3, 3, 4, 64}, rng));
  int x2 = input("x2", randomTensor({24, 14, 14, 4}, rng)), w2 = input("w2", randomTensor({3, 3, 4, 64}, rng));
  int bias = input("bias", randomTensor({64}, rng));
  int activated = op(Op::Relu, {op(Op::Add, {op(Op::Conv2d, {x, w}, valid), bias})});
  int disjoint = op(Op::MaxPool, {activated}, window(2));
  int overlapping = op(Op::MaxPool, {op(Op::Conv2d, {x2, w2}, valid)}, window(3));
  FusionPlan plan = planFusion(g, {disjoint, overlapping}, 1);
  std::map<int, int> perImage;
  for (const Kernel& k : plan.kernels) perImage[k.root] = k.perImageIn;
  EXPECT_EQ(perImage[activated], disjoint);
  EXPECT_EQ(perImage[g.node(overlapping).inputs[0]], overlapping);
  checkBothVectorWidths({disjoint, overlapping});
}

// One convolution geometry: conv2d and both of its gradients, compared in one pipeline.
struct ConvCase {
  const char* name;
  Shape x;  // NHWC
  Shape w;  // HWIO
  std::vector<int64_t> strides, dilation;
  const char* padding;
};

void PrintTo(const ConvCase& c, std::ostream* os) { *os << c.name; }

class ConvKernelTest : public KernelTest, public ::testing::WithParamInterface<ConvCase> {};

TEST_P(ConvKernelTest, ForwardAndBothGradients) {
  const ConvCase& c = GetParam();
  int x = input("x", randomTensor(c.x, rng));
  int w = input("w", randomTensor(c.w, rng));
  int y = op(Op::Conv2d, {x, w},
             Attrs().set("strides", c.strides).set("dilation", c.dilation).set("padding", std::string(c.padding)));
  int dy = input("dy", randomTensor(g.node(y).shape, rng));
  // The gradient ops take the forward node's attributes, pads included, as the gradient rule does.
  Attrs attrs = g.node(y).attrs;
  int dx = op(Op::Conv2dBackpropInput, {dy, w, x}, attrs);
  int dw = op(Op::Conv2dBackpropFilter, {x, dy, w}, attrs);
  checkBothVectorWidths({y, dx, dw});
}

const ConvCase kConvCases[] = {
    {"Same3x3", {1, 7, 7, 2}, {3, 3, 2, 3}, {1, 1}, {1, 1}, "same"},
    {"Valid3x3", {2, 7, 7, 2}, {3, 3, 2, 3}, {1, 1}, {1, 1}, "valid"},
    {"Same3x3Stride2", {1, 7, 7, 2}, {3, 3, 2, 3}, {2, 2}, {1, 1}, "same"},
    {"Valid3x3Stride2", {1, 7, 7, 2}, {3, 3, 2, 3}, {2, 2}, {1, 1}, "valid"},
    {"Same4x4", {1, 7, 7, 2}, {4, 4, 2, 3}, {1, 1}, {1, 1}, "same"},
    {"Same4x4Stride2", {1, 7, 7, 1}, {4, 4, 1, 2}, {2, 2}, {1, 1}, "same"},
    {"Valid4x4", {1, 7, 7, 2}, {4, 4, 2, 3}, {1, 1}, {1, 1}, "valid"},
    {"SameDilation2", {1, 7, 7, 2}, {3, 3, 2, 3}, {1, 1}, {2, 2}, "same"},
    {"ValidDilation2Stride2", {1, 9, 9, 1}, {3, 3, 1, 2}, {2, 2}, {2, 2}, "valid"},
    {"NonSquareMixedStrides", {2, 6, 9, 3}, {3, 2, 3, 4}, {2, 1}, {1, 2}, "same"},
    // 16 output channels: the schedule vectorizes channels instead of width.
    {"WideChannels", {2, 8, 8, 3}, {5, 5, 3, 16}, {1, 1}, {1, 1}, "same"},
    {"OneByOne", {1, 5, 5, 8}, {1, 1, 8, 12}, {1, 1}, {1, 1}, "valid"},
    // The schedules' register tiles: 16 or 8 lanes over channels (or width when there are fewer
    // than 8 channels) times up to 12 rows, with shifted-inward tails; these shapes hit each path.
    {"LeNetFirstLayer", {2, 28, 28, 1}, {5, 5, 1, 6}, {1, 1}, {1, 1}, "same"},
    {"LeNetSecondLayer", {2, 14, 14, 6}, {5, 5, 6, 16}, {1, 1}, {1, 1}, "valid"},
    {"WideInputStride2", {1, 11, 19, 3}, {3, 3, 3, 5}, {2, 2}, {1, 1}, "same"},
    {"NineChannelsDilated", {1, 10, 13, 9}, {3, 3, 9, 9}, {1, 1}, {2, 2}, "same"},
    // With AVX-512, 32-lane tiles (two registers) by 12 rows and 16-lane tiles by 24 rows.
    {"FortyChannels", {1, 5, 30, 4}, {3, 3, 4, 40}, {1, 1}, {1, 1}, "same"},
    {"TwentyFourChannelsWide", {1, 4, 27, 20}, {3, 3, 20, 24}, {1, 1}, {1, 1}, "same"},
    {"NarrowChannelsWidth37", {1, 5, 37, 3}, {3, 3, 3, 5}, {1, 1}, {1, 1}, "same"},
    // Width 13 with fewer than 8 channels: one 16-lane register, its last 3 lanes' stores guarded.
    {"NarrowChannelsWidth13", {2, 6, 13, 3}, {3, 3, 3, 5}, {1, 1}, {1, 1}, "same"},
    // A 3x3 output map of 13 images: with 16 lanes the forward tile's rows are 7 images (two
    // tiles, the second shifted inward), not the 3 columns of the map.
    {"SmallMapManyImages", {13, 5, 5, 8}, {3, 3, 8, 32}, {1, 1}, {1, 1}, "valid"},
};

INSTANTIATE_TEST_SUITE_P(Geometries, ConvKernelTest, ::testing::ValuesIn(kConvCases),
                         [](const auto& info) { return std::string(info.param.name); });

struct PoolCase {
  const char* name;
  Shape x;
  int64_t size, stride;
  const char* padding;
  bool ties;  // small integers, so windows hold several maxima
};

void PrintTo(const PoolCase& c, std::ostream* os) { *os << c.name; }

class PoolKernelTest : public KernelTest, public ::testing::WithParamInterface<PoolCase> {};

TEST_P(PoolKernelTest, ForwardAndGradient) {
  const PoolCase& c = GetParam();
  RefTensor xv = randomTensor(c.x, rng, -3, -1);  // all negative: padding must not read as 0
  if (c.ties) {
    std::uniform_int_distribution<int> pick(-2, 0);
    for (double& v : xv.data) v = pick(rng);
  }
  int x = input("x", xv);
  int y = op(Op::MaxPool, {x},
             Attrs()
                 .set("size", std::vector<int64_t>{c.size, c.size})
                 .set("strides", std::vector<int64_t>{c.stride, c.stride})
                 .set("padding", std::string(c.padding)));
  int dy = input("dy", randomTensor(g.node(y).shape, rng, 0.5, 1.5));
  check({y, op(Op::MaxPoolGrad, {x, dy}, g.node(y).attrs)});
}

const PoolCase kPoolCases[] = {
    {"Size2Stride2", {2, 8, 8, 3}, 2, 2, "valid", false},
    {"Size2Stride2Ties", {1, 8, 8, 2}, 2, 2, "valid", true},
    {"Size2Stride2OddSame", {1, 7, 7, 2}, 2, 2, "same", false},
    {"Size3Stride2Same", {2, 7, 7, 3}, 3, 2, "same", false},
    {"Size3Stride2SameTies", {1, 7, 7, 2}, 3, 2, "same", true},
    {"Size3Stride1Valid", {1, 6, 6, 9}, 3, 1, "valid", true},
    {"Size2Stride3Gaps", {1, 8, 8, 2}, 2, 3, "valid", false},  // some inputs are in no window
    {"Size2Stride3GapsSame", {1, 8, 8, 2}, 2, 3, "same", true},
};

INSTANTIATE_TEST_SUITE_P(Windows, PoolKernelTest, ::testing::ValuesIn(kPoolCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST_F(KernelTest, Reshape) {
  int x = input("x", randomTensor({2, 3, 4}, rng));
  auto reshape = [&](std::vector<int64_t> target) { return op(Op::Reshape, {x}, Attrs().set("target", target)); };
  int flat = reshape({24});
  check({reshape({4, -1}), flat, reshape({2, 12}), reshape({3, 2, 2, 2}),
         op(Op::Reshape, {flat}, Attrs().set("target", std::vector<int64_t>{6, 4}))});
}

TEST_F(KernelTest, ReshapeOfIntegers) {
  int x = input("x", RefTensor{{2, 3}, {1, 2, 3, 4, 5, 6}, DType::I32});
  check({op(Op::Reshape, {x}, Attrs().set("target", std::vector<int64_t>{3, 2}))});
}

TEST_F(KernelTest, Reductions) {
  RefTensor xv = randomTensor({2, 3, 5}, rng, -2, 2);
  int x = input("x", xv);
  std::vector<int> outs;
  const std::vector<std::vector<int64_t>> axesList = {{0}, {1}, {-1}, {0, 2}, {}};
  for (Op name : {Op::ReduceSum, Op::ReduceMean, Op::ReduceMax})
    for (const auto& axes : axesList)
      for (int64_t keep : {0, 1}) outs.push_back(op(name, {x}, Attrs().set("axes", axes).set("keepdims", keep)));
  check(outs);
}

TEST_F(KernelTest, ReductionsOfScalarsAndUnitAxes) {
  // reduce_mean(loss) of an already scalar loss, and axes of extent 1, are legal programs.
  int scalar = input("scalar", RefTensor{{}, {2.5}});
  int unit = input("unit", randomTensor({3, 1, 2}, rng));
  std::vector<int> outs;
  for (Op name : {Op::ReduceSum, Op::ReduceMean, Op::ReduceMax}) {
    outs.push_back(op(name, {scalar}, Attrs().set("axes", std::vector<int64_t>{})));
    outs.push_back(op(name, {unit}, Attrs().set("axes", std::vector<int64_t>{1})));
  }
  check(outs);
}

TEST_F(KernelTest, ArgmaxTakesTheFirstMaximum) {
  RefTensor xv = zeros({3, 4, 5});
  std::uniform_int_distribution<int> pick(0, 2);
  for (double& v : xv.data) v = pick(rng);
  int x = input("x", xv);
  int ints = input("ints", RefTensor{{2, 3}, {4, 9, 9, 1, 0, 1}, DType::I32});
  auto argmax = [&](int in, int64_t axis, int64_t keep) {
    return op(Op::Argmax, {in}, Attrs().set("axes", std::vector<int64_t>{axis}).set("keepdims", keep));
  };
  check({argmax(x, 0, 0), argmax(x, 1, 0), argmax(x, -1, 0), argmax(x, 2, 1), argmax(ints, 1, 0),
         op(Op::ReduceMax, {ints}, Attrs().set("axes", std::vector<int64_t>{1})),
         op(Op::ReduceSum, {ints}, Attrs().set("axes", std::vector<int64_t>{0}))});
}

TEST_F(KernelTest, BroadcastLike) {
  int big = input("big", randomTensor({2, 3, 4}, rng));
  int reduced = input("reduced", randomTensor({2, 4}, rng));  // reduce over axis 1, no keepdims
  int kept = input("kept", randomTensor({2, 1, 4}, rng));     // the same with keepdims
  int row = input("row", randomTensor({4}, rng));
  int column = input("column", randomTensor({3, 1}, rng));
  int scalar = input("scalar", randomTensor({}, rng));
  auto axes = [](std::vector<int64_t> a) { return Attrs().set("axes", a); };
  check({op(Op::BroadcastLike, {reduced, big}, axes({1})), op(Op::BroadcastLike, {kept, big}, axes({1})),
         op(Op::BroadcastLike, {scalar, big}, axes({0, 1, 2})), op(Op::BroadcastLike, {row, big}),
         op(Op::BroadcastLike, {column, big}), op(Op::BroadcastLike, {scalar, big})});
}

TEST_F(KernelTest, SumLike) {
  int big = input("big", randomTensor({2, 3, 4}, rng));
  std::vector<int> outs;
  for (Shape like : {Shape{4}, Shape{3, 1}, Shape{2, 1, 4}, Shape{1}, Shape{}, Shape{2, 3, 4}, Shape{1, 3, 1}})
    outs.push_back(
        op(Op::SumLike, {big, input("like" + std::to_string(outs.size()), zeros(like))}));  // names are unique
  check(outs);
}

TEST_F(KernelTest, SoftmaxAndItsGradient) {
  RefTensor logits = randomTensor({4, 10}, rng, -3, 3);
  logits.data[3] = 80;  // large logits must not overflow: softmax subtracts the row maximum
  logits.data[12] = -80;
  int z2 = input("z2", logits);
  int z3 = input("z3", randomTensor({2, 3, 5}, rng, -3, 3));
  int y2 = op(Op::Softmax, {z2}), y3 = op(Op::Softmax, {z3});
  int g2 = input("g2", randomTensor({4, 10}, rng)), g3 = input("g3", randomTensor({2, 3, 5}, rng));
  int p3 = input("p3", randomTensor({2, 3, 5}, rng, 0, 1));
  int z1 = input("z1", randomTensor({7}, rng, -3, 3));
  int y1 = op(Op::Softmax, {z1});
  check({y2, y3, y1, op(Op::SoftmaxGrad, {y2, g2}), op(Op::SoftmaxGrad, {p3, g3}),
         op(Op::SoftmaxGrad, {y1, input("g1", randomTensor({7}, rng))})});
}

// Rows of probabilities [n, classes] (positive, each row sums to 1).
RefTensor randomProbabilities(int64_t n, int64_t classes, std::mt19937& rng) {
  RefTensor p = randomTensor({n, classes}, rng, 0.05, 1);
  for (int64_t r = 0; r < n; ++r) {
    double total = 0;
    for (int64_t j = 0; j < classes; ++j) total += p.data[static_cast<size_t>(r * classes + j)];
    for (int64_t j = 0; j < classes; ++j) {
      double& v = p.data[static_cast<size_t>(r * classes + j)];
      v = static_cast<float>(v / total);
    }
  }
  return p;
}

TEST_F(KernelTest, SoftmaxCrossEntropyWithIdsAndOneHot) {
  RefTensor logits = randomTensor({6, 10}, rng, -4, 4);
  logits.data[5] = 60;  // a confident row: the log-sum-exp must stay finite
  RefTensor ids = randomIds(6, 10, rng);
  int z = input("z", logits), y = input("ids", ids), hot = input("hot", oneHot(ids, 10));
  // Soft labels: the one-hot path is a general cross-entropy against any target rows.
  int soft = input("soft", randomProbabilities(6, 10, rng));
  int g = input("g", RefTensor{{}, {0.75}});
  check({op(Op::SoftmaxCrossEntropy, {z, y}), op(Op::SoftmaxCrossEntropy, {z, hot}),
         op(Op::SoftmaxCrossEntropy, {z, soft}), op(Op::SoftmaxCrossEntropyGrad, {z, y, g}),
         op(Op::SoftmaxCrossEntropyGrad, {z, hot, g}), op(Op::SoftmaxCrossEntropyGrad, {z, soft, g})});
}

TEST_F(KernelTest, ProbsCrossEntropyWithIdsAndOneHot) {
  RefTensor probs = randomProbabilities(5, 7, rng);
  RefTensor ids{{5}, {0, 3, 6, 2, 1}, DType::I32};
  // Row 1 puts 0 on its label and row 2 puts 1 on it: the clip to [1e-7, 1 - 1e-7] must hold.
  probs.data[1 * 7 + 3] = 0;
  for (int j = 0; j < 7; ++j) probs.data[2 * 7 + j] = j == 6 ? 1 : 0;
  int p = input("p", probs), y = input("ids", ids), hot = input("hot", oneHot(ids, 7));
  int g = input("g", RefTensor{{}, {1.5}});
  check({op(Op::ProbsCrossEntropy, {p, y}), op(Op::ProbsCrossEntropy, {p, hot}),
         op(Op::ProbsCrossEntropyGrad, {p, y, g}), op(Op::ProbsCrossEntropyGrad, {p, hot, g})});
}

TEST_F(KernelTest, AccuracyWithIdsAndOneHot) {
  // Integer scores tie often: the prediction is the first maximum of the row.
  RefTensor scores = zeros({12, 4});
  std::uniform_int_distribution<int> pick(0, 2);
  for (double& v : scores.data) v = pick(rng);
  RefTensor ids = randomIds(12, 4, rng);
  for (int r = 0; r < 6; ++r) {  // make some rows correct so the metric is neither 0 nor 1
    size_t best = 0;
    for (size_t j = 1; j < 4; ++j)
      if (scores.data[static_cast<size_t>(r) * 4 + j] > scores.data[static_cast<size_t>(r) * 4 + best]) best = j;
    ids.data[static_cast<size_t>(r)] = static_cast<double>(best);
  }
  int s = input("scores", scores), y = input("ids", ids), hot = input("hot", oneHot(ids, 4));
  check({op(Op::Accuracy, {s, y}), op(Op::Accuracy, {s, hot})});
}

}  // namespace
}  // namespace graphc
