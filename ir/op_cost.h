// \file Cost estimates of one node (the FLOP rule ops.def gives each op) and of one stored value,
// which the fusion plan sums per kernel (`graphc dump --stage fused`, `graphc bench`).
#pragma once

#include <cstdint>

#include "ir/graph.h"

namespace graphc {

// Floating-point operations of computing node n at this batch size: multiply-adds count two,
// other ops one per element produced or read, as the op's FlopRule says.
double estimateFlops(const Graph& graph, const Node& n, int64_t batch);

// Bytes a kernel moves to read or write value id: 4 per element, nothing for a constant (its
// value is compiled into the code).
double valueBytes(const Graph& graph, int id, int64_t batch);

}  // namespace graphc
