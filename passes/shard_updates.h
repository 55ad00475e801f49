// \file The optimizer's update of some rows of each variable: a data-parallel run shards the
// optimizer (docs/distributed.md), each rank updating only its rows of the weights and of their
// optimizer state, and then gathering the weights of the others.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "ir/graph.h"
#include "passes/optimizer.h"

namespace graphc {

// Rows [first, first + count) along a variable's outermost axis (the whole value of a scalar).
struct RowRange {
  int64_t first = 0, count = 0;
};

// The update program of a rank's rows, a graph of its own whose sources are all placeholders.
struct UpdateShard {
  Graph graph;
  // Each placeholder of graph takes `rows` of the value of `original` (a node of the model's
  // graph): a variable, a slot, the fed gradient, or (rows.count 0) a scalar taken whole. A fed
  // gradient summed from parts (below) has a placeholder per part, `part` its index (else 0).
  struct View {
    int placeholder, original;
    RowRange rows;
    int part = 0;
  };
  std::vector<View> inputs;
  // Each fetch of graph is the next value of `rows` of `variable` (count 0: a scalar, whole).
  struct Output {
    int fetch, variable;
    RowRange rows;
  };
  std::vector<Output> outputs;
};

// For each of train.updates, the trainable variable whose (fed) gradient it reads, or -1 for an
// update that reads none (the step counter, Nadam's product: scalars). nullopt when the updates
// cannot be split by rows: a value computed from a gradient that is not elementwise or not shaped
// like its variable, or an update reading several gradients (clipnorm and global_clipnorm take
// norms over whole gradients), or no fed gradients.
std::optional<std::vector<int>> rowSplitOwners(const Graph& graph, const TrainGraph& train);

// The updates of `rows` (by trainable variable; a variable absent or with count 0 is not updated
// here) and every update that reads no gradient, which every rank computes. owners: what
// rowSplitOwners returned. gradientParts > 1: each fed gradient is the sum of that many parts
// (every rank's gradients, read where they lie), added in part order.
UpdateShard shardUpdates(const Graph& graph, const TrainGraph& train, const std::vector<int>& owners,
                         const std::map<int, RowRange>& rows, int gradientParts = 1);

}  // namespace graphc
