// \file The graph verifier: the invariants every pass assumes of its input and must keep in its
// output, checked between the pipeline's stages (driver/pipeline.cpp) in Debug builds and with
// --verify-each.
#pragma once

#include <string>
#include <vector>

#include "ir/graph.h"

namespace graphc {

// Checks, node by node:
//  - ids: node i has id i, so id order is the order the nodes are stored in;
//  - the op is in the op table and has an arity the table allows;
//  - inputs: every input id is in range and smaller than the node's own (a topological order);
//  - types: the op's type rule, re-run on the node's inputs, gives the stored dtype and shape;
//  - names: no two nodes share a non-empty name (checkpoints and dumps find values by name);
//  - gradient marks: a node marked as the gradient of another (gradientOf) is a gradient node and
//    names an earlier forward node; a forward node reads no gradient node.
// Returns one line per problem ("%7 = relu(%3): ..."), empty when the graph is well formed.
std::vector<std::string> verifyGraph(const Graph& graph);

// verifyGraph, throwing InternalError ("the graph after STAGE is malformed: ...") on the first
// problems found: a broken invariant after a pass is a compiler bug, never the user's fault.
void verifyGraphAfter(const Graph& graph, const std::string& stage);

}  // namespace graphc
