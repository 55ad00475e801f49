// \file The simplification pass: each rewrite happens where it may and not where it may not, and
// the compiled program (which runs the simplified graph) computes what a naive loop says the
// original graph means, bit for bit.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "passes/simplify.h"
#include "runtime/session.h"
#include "testing/harness.h"

namespace graphc {
namespace {

int constant(Graph& g, double value) {
  return g.add(Op::Constant, {}, Attrs().set("value", value).set("dtype", std::string("f32")));
}

int countOp(const Graph& g, Op op) {
  int n = 0;
  for (const Node& node : g.nodes()) n += node.op == op;
  return n;
}

// out = (sqrt(x) * 1 + 0 + neg(neg(sqrt(x)))) * (neg(2) * 3): identities, a duplicate sqrt (IEEE
// exact in Halide and C++ alike), a folded
// factor; plus a dead node and a multiplication by 0 that this pass keeps (inf * 0 is NaN; Halide's
// own simplifier does fold it, so the compiled check below avoids infinities).
struct Example {
  Graph g;
  int x = -1, out = -1, zeroed = -1;
  Example() {
    x = addPlaceholder(g, "x", {2, 3});
    int e1 = g.add(Op::Sqrt, {x});
    int e2 = g.add(Op::Sqrt, {x});
    int a = g.add(Op::Add, {g.add(Op::Mul, {e1, constant(g, 1)}), constant(g, 0)});
    int b = g.add(Op::Neg, {g.add(Op::Neg, {e2})});
    int k = g.add(Op::Mul, {g.add(Op::Neg, {constant(g, 2)}), constant(g, 3)});
    out = g.add(Op::Mul, {g.add(Op::Add, {a, b}), k});
    g.add(Op::Exp, {x});  // dead: nothing reads it
    zeroed = g.add(Op::Mul, {x, constant(g, 0)});
  }
};

TEST(Simplify, RemovesDeadCodeFoldsConstantsIdentitiesAndDuplicates) {
  Example e;
  SimplifiedGraph s = simplifyGraph(e.g, {e.out, e.zeroed});
  EXPECT_GE(s.dead, 2);        // exp, the inner neg once the outer one is seen through, the folded constants
  EXPECT_EQ(s.folded, 2);      // neg(2), then * 3
  EXPECT_EQ(s.identities, 3);  // * 1, + 0, neg(neg)
  EXPECT_GE(s.merged, 1);      // the second exp (and equal constants)
  EXPECT_EQ(countOp(s.graph, Op::Sqrt), 1);
  EXPECT_EQ(countOp(s.graph, Op::Neg), 0);
  EXPECT_EQ(countOp(s.graph, Op::Exp), 0);
  EXPECT_EQ(countOp(s.graph, Op::Constant), 2);  // 0 for the product that stays, -6
  // The product with 0 stays: it is not 0 for an infinite x.
  int zeroed = s.newId[static_cast<size_t>(e.zeroed)];
  EXPECT_EQ(s.graph.node(zeroed).op, Op::Mul);
  // The folded factor is the constant -6.
  const Node& out = s.graph.node(s.newId[static_cast<size_t>(e.out)]);
  const Node& factor = s.graph.node(out.inputs[1]);
  EXPECT_EQ(factor.op, Op::Constant);
  EXPECT_EQ(factor.attrs.getFloat("value"), -6.0);
  // Sources keep their identity; the mapping back is exact.
  EXPECT_EQ(s.original[static_cast<size_t>(s.newId[static_cast<size_t>(e.x)])], e.x);
}

TEST(Simplify, CompiledProgramMatchesANaiveLoopOfTheOriginalGraph) {
  Example e;
  Session session(e.g, 1);
  Halide::Buffer<float> x(3, 2);
  const float inputs[6] = {0.5f, 1.0f, 2.0f, 10.0f, 0.0f, 3.0f};
  for (int i = 0; i < 6; ++i) x(i % 3, i / 3) = inputs[i];
  session.feed(e.x, x);
  auto& outs = session.run({e.out, e.zeroed}, 1);
  Halide::Buffer<float> out(outs[0]), zeroed(outs[1]);
  for (int i = 0; i < 6; ++i) {
    float ex = std::sqrt(inputs[i]);
    float want = ((ex * 1.0f + 0.0f) + ex) * ((-2.0f) * 3.0f);
    float got = out(i % 3, i / 3);
    EXPECT_EQ(std::memcmp(&got, &want, sizeof got), 0) << "x = " << inputs[i] << ": " << got << " vs " << want;
    EXPECT_EQ(zeroed(i % 3, i / 3), inputs[i] * 0.0f);
  }
}

TEST(Simplify, KeepsDistinctSourcesAndConstantsApart) {
  Graph g;
  int a = addPlaceholder(g, "a", {4});
  int b = addPlaceholder(g, "b", {4});  // same type as a, another value
  int c1 = constant(g, 0.1);
  int c2 = constant(g, 0.1000001);  // prints like c1 at six digits, but differs
  int sum = g.add(Op::Add, {g.add(Op::Mul, {a, c1}), g.add(Op::Mul, {b, c2})});
  SimplifiedGraph s = simplifyGraph(g, {sum});
  EXPECT_EQ(countOp(s.graph, Op::Placeholder), 2);
  EXPECT_EQ(countOp(s.graph, Op::Constant), 2);
  EXPECT_EQ(countOp(s.graph, Op::Mul), 2);
  EXPECT_EQ(s.merged, 0);
}

// The gradient of a sum is its scalar gradient broadcast to the summed value's shape: a product
// with that broadcast reads the scalar instead, and the broadcast, unread, is gone (an L2
// regularizer's gradient stored a w-sized copy of its constant). The values stay bit for bit.
TEST(Simplify, AnElementwiseOpBroadcastsAScalarItself) {
  Graph g;
  int x = addPlaceholder(g, "x", {2, 3});
  int scale = addPlaceholder(g, "scale", {});
  int broadcast = g.add(Op::BroadcastLike, {scale, x}, Attrs().set("axes", std::vector<int64_t>{0, 1}));
  int out = g.add(Op::Mul, {broadcast, x});
  int narrower = addPlaceholder(g, "narrower", {3});
  int widened = g.add(Op::Add, {narrower, broadcast});  // the broadcast gives the shape: kept
  SimplifiedGraph s = simplifyGraph(g, {out, widened});
  EXPECT_EQ(s.unbroadcast, 1);
  const Node& product = s.graph.node(s.newId[static_cast<size_t>(out)]);
  EXPECT_EQ(product.inputs[0], s.newId[static_cast<size_t>(scale)]);
  EXPECT_EQ(countOp(s.graph, Op::BroadcastLike), 1);
  SimplifiedGraph alone = simplifyGraph(g, {out});
  EXPECT_EQ(countOp(alone.graph, Op::BroadcastLike), 0);

  Session session(g, 1);
  Halide::Buffer<float> xs(3, 2), wide(3);
  Halide::Buffer<float> k = Halide::Buffer<float>::make_scalar();
  k() = 0.3f;
  for (int i = 0; i < 6; ++i) xs(i % 3, i / 3) = 1.7f * static_cast<float>(i) - 2.1f;
  for (int i = 0; i < 3; ++i) wide(i) = static_cast<float>(i) + 0.5f;
  session.feed(x, xs);
  session.feed(scale, k);
  session.feed(narrower, wide);
  auto& outs = session.run({out, widened}, 1);
  Halide::Buffer<float> got(outs[0]), sums(outs[1]);
  for (int i = 0; i < 6; ++i) {
    float want = 0.3f * xs(i % 3, i / 3), have = got(i % 3, i / 3);
    EXPECT_EQ(std::memcmp(&have, &want, sizeof have), 0) << i;
    EXPECT_EQ(sums(i % 3, i / 3), wide(i % 3) + 0.3f) << i;
  }
}

}  // namespace
}  // namespace graphc
