// \file The optimizer of a data-parallel run, sharded (docs/distributed.md): the averaged
// gradients are reduce-scattered, so that each rank receives the sum of its rows only, each rank
// applies the optimizer to its rows of the weights (and of their optimizer state), and the
// updated weights are gathered on every rank. The communication is one allreduce's (a reduce-
// scatter and an allgather) and the optimizer's work is divided by the ranks (ZeRO stage 1).
#pragma once

#include <Halide.h>

#include <map>
#include <memory>
#include <vector>

#include "passes/shard_updates.h"
#include "runtime/distributed.h"
#include "runtime/session.h"

namespace graphc {

class ShardedOptimizer {
 public:
  // nullptr when the optimizer's updates do not split by rows (clipnorm, global_clipnorm) or the
  // target is a GPU; the run then applies the whole update on every rank. The gradients lie in
  // the trainer's fused buffer from `firstGradient` on, in train.fedGradients' order.
  static std::unique_ptr<ShardedOptimizer> create(const Graph& graph, const TrainGraph& train, Communicator& comm,
                                                  const CompileOptions& options, size_t firstGradient);

  // Compiles this rank's update program.
  void compile();
  // Starts summing the floats [begin, end) of the fused buffer (a bucket, begin >= firstGradient),
  // this rank receiving its rows of the sum.
  void startReduce(const float* fused, size_t begin, size_t end);
  // Once every reduction has finished (Communicator::finishExchanges): applies the optimizer to
  // this rank's rows and gathers every rank's rows of the weights.
  void update(Session& session, const Halide::Buffer<float>& learningRate);
  // Gathers every rank's rows of the optimizer state, which each rank only updates for its own
  // rows: after it every rank holds the whole state (for a checkpoint, a checksum, a snapshot).
  void gatherState(Session& session);

  ShardedOptimizer(const Graph& graph, const TrainGraph& train, Communicator& comm, const CompileOptions& options,
                   size_t firstGradient, std::vector<int> owners);

 private:
  // Offsets of the ranks' parts of a variable's elements (size() + 1 of them).
  std::vector<size_t> partsOf(int variable) const;

  const Graph& graph_;
  const TrainGraph train_;
  Communicator& comm_;
  std::vector<int> owners_;           // of each of train_.updates (rowSplitOwners)
  std::vector<size_t> bounds_;        // the ranks' parts of the fused buffer
  std::map<int, size_t> start_;       // each trainable variable's first gradient in the fused buffer
  std::map<int, size_t> rowSize_;     // elements per row (along the outermost axis)
  std::map<int, int> variableOfFed_;  // each fed gradient's variable
  std::vector<float> mine_;           // this rank's rows of the summed gradients
  UpdateShard shard_;
  std::unique_ptr<Session> session_;  // runs shard_.graph
  std::vector<int> fetches_;
  std::map<int, Halide::Buffer<>> next_;  // per updated variable: its next value (this rank's rows)
};

}  // namespace graphc
