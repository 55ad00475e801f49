// \file Simplification: the graph a program computes, without the work that does not change its
// values (`graphc dump --stage opt`; every compiled program is built from it).
//
// Rewrites, in one pass in topological order:
//  - dead code: only nodes the roots depend on are kept (autodiff leaves gradients nobody reads,
//    such as the one for the labels);
//  - constant folding: neg, add, sub, mul, div, cast of scalar constants become one constant;
//  - identities: x * 1, 1 * x, x / 1, x + 0, 0 + x, x - 0, neg(neg(x)), a cast or reshape to
//    x's own type, and a transpose by the identity permutation are x itself (only when x already
//    has the result's type, so broadcasting never changes);
//  - broadcasts an op does itself: add, sub, mul or div of x and broadcast_like(s, like), s a
//    scalar and x of the op's type, reads s instead (the broadcast is then dead unless other
//    nodes read it);
//  - common subexpressions: two nodes with the same op, inputs and attributes are one (sources
//    excepted: every placeholder and variable is its own value).
// Assumes a type-checked graph (the verifier's invariants, ir/verifier.h); the original is not
// changed (the result is a new graph).
// Guarantees: the values of the roots are bit for bit what the original graph computes (no
// reassociation, no x * 0 -> 0, which is NaN for an infinite x); node order stays topological;
// names, source locations and gradient marks are kept.
#pragma once

#include <vector>

#include "ir/graph.h"

namespace graphc {

struct SimplifiedGraph {
  Graph graph;
  std::vector<int> newId;     // by original id: the node of graph computing its value, -1 if dead
  std::vector<int> original;  // by new id: the original node it came from (the first, if merged)
  int dead = 0, folded = 0, identities = 0, merged = 0, unbroadcast = 0;
};

SimplifiedGraph simplifyGraph(const Graph& graph, const std::vector<int>& roots);

}  // namespace graphc
