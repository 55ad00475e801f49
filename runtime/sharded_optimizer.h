// \file The optimizer of a data-parallel run, sharded (docs/distributed.md): the averaged
// gradients are reduce-scattered, so that each rank receives the sum of its rows only, each rank
// applies the optimizer to its rows of the weights (and of their optimizer state), and the
// updated weights are gathered on every rank. The communication is one allreduce's (a reduce-
// scatter and an allgather) and the optimizer's work is divided by the ranks (ZeRO stage 1).
// Ranks on one machine share memory instead: every rank's fused buffer and the weights lie in
// MPI shared-memory windows, a rank's update reads its rows of every rank's gradients there
// (their sum is part of the update's kernel) and writes its rows of the next weights, a second
// shared window that every rank then takes as its weights (the two swap every step): a step
// exchanges no data, only two barriers.
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
  // the trainer's fused buffer (`fusedFloats` floats) from `firstGradient` on, in
  // train.fedGradients' order. On one machine the session's weights move to shared memory.
  static std::unique_ptr<ShardedOptimizer> create(const Graph& graph, const TrainGraph& train, Communicator& comm,
                                                  const CompileOptions& options, size_t firstGradient,
                                                  size_t fusedFloats, Session& session);

  // On one machine: this rank's fused buffer, in shared memory, where the trainer packs the
  // gradients instead of its own (nullptr otherwise: the trainer's buffer and startReduce).
  float* sharedFused() const { return shared_ ? fusedParts_[static_cast<size_t>(comm_.rank())] : nullptr; }
  // On one machine, once every rank has packed: waits for them and sums the first `count` floats
  // of every rank's fused buffer (the loss, the metrics, the stop flag) into `sums`.
  void sumShared(size_t count, float* sums);

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
                   size_t firstGradient, size_t fusedFloats, std::vector<int> owners, Session& session);

 private:
  // Offsets of the ranks' parts of a variable's elements (size() + 1 of them).
  std::vector<size_t> partsOf(int variable) const;
  // Moves the weights into one shared window, their values as rank 0 holds them.
  void shareWeights(Session& session);

  const Graph& graph_;
  const TrainGraph train_;
  Communicator& comm_;
  std::vector<int> owners_;           // of each of train_.updates (rowSplitOwners)
  std::vector<size_t> bounds_;        // the ranks' parts of the fused buffer
  std::map<int, size_t> start_;       // each trainable variable's first gradient in the fused buffer
  std::map<int, size_t> rowSize_;     // elements per row (along the outermost axis)
  std::map<int, int> variableOfFed_;  // each fed gradient's variable
  bool shared_ = false;               // on one machine: shared memory, no reduce-scatter or gather
  std::vector<float*> fusedParts_;    // shared: every rank's fused buffer
  std::vector<float> mine_;           // else: this rank's rows of the summed gradients
  UpdateShard shard_;
  std::unique_ptr<Session> session_;  // runs shard_.graph
  std::vector<int> fetches_;
  // Per updated variable, its next value (this rank's rows); shared weights: the spare window.
  std::map<int, Halide::Buffer<>> next_;
};

}  // namespace graphc
