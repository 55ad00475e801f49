// \file Data-parallel training over MPI (docs/distributed.md): the processes of `mpirun -np N
// graphc run` and what they exchange. Builds without MPI (CMake's GRAPHC_MPI off) compile the
// same interface for one process, so the trainer has a single code path.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "support/diagnostics.h"

namespace graphc {

// Whether this graphc was built with MPI (`graphc --version` says so).
bool builtWithMpi();

// The processes of one run. Constructed once per process: under mpirun (Open MPI's environment
// says so) it initialises MPI; otherwise, or without MPI, it is rank 0 of 1 and every exchange
// is the identity.
class Communicator {
 public:
  // useMpi false: rank 0 of 1 whatever the environment (a caller that runs no exchange).
  explicit Communicator(bool useMpi = true);
  // Finalises MPI. Left by an exception that not every rank throws (see agreeToExit), it aborts
  // the job instead when the process exits (after the error is printed), so that no other rank
  // waits forever in an exchange with this one.
  ~Communicator();
  Communicator(const Communicator&) = delete;
  Communicator& operator=(const Communicator&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool distributed() const { return size_ > 1; }

  // Sums `count` floats in place over every rank, without waiting: a non-blocking
  // MPI_Iallreduce per bucket of at most bucketFloats(). A caller packing many tensors into one
  // buffer (Horovod's tensor fusion) starts each bucket as soon as it is filled, so that it
  // travels while the next is packed; finishExchanges waits for every sum started.
  void startSum(float* data, size_t count);
  // Sums floats over every rank, each rank receiving only its part of the sum (MPI's reduce-
  // scatter): rank r gets the floats [bounds[r], bounds[r + 1]) of the sum (bounds: size() + 1
  // offsets into data), written to `mine` (which holds that range, from bounds[rank()] on). This
  // call sends the bucket [begin, end) of data, without waiting, so that a caller can start
  // each bucket as soon as it is filled.
  void startReduceScatter(const float* data, size_t begin, size_t end, const std::vector<size_t>& bounds, float* mine);
  // Gathers in place, without waiting: every rank's floats [bounds[r], bounds[r + 1]) of data
  // reach every rank (MPI's allgather).
  void startGather(float* data, const std::vector<size_t>& bounds);
  // Waits for every exchange started.
  void finishExchanges();
  // startSum then finishExchanges.
  void allreduceSum(float* data, size_t count);
  // The time spent in the exchanges (starting them and waiting for them).
  double allreduceSeconds() const { return allreduceSeconds_; }

  // Whether every rank runs on this machine, so that they can share memory (unless
  // $GRAPHC_SHARE_MEMORY is 0).
  bool onOneMachine() const { return oneMachine_; }
  // Memory that every rank reads and writes directly (an MPI shared-memory window), for ranks on
  // one machine: this rank's part holds `floats` floats; returns every rank's part, in rank order.
  // Called by every rank at the same point; it lives as long as the Communicator.
  std::vector<float*> shareMemory(size_t floats);
  // Waits for every rank; what any rank wrote to shared memory before it, every rank reads after.
  void synchronizeShared();

  // Every rank's value of a string (rank order). The identity for one process.
  std::vector<std::string> allgather(const std::string& value);

  // The ranks whose `value` differs from rank 0's; every rank gets the same answer.
  std::vector<int> ranksDiffering(const std::string& value);

  // Waits for every rank (a rank saving a checkpoint before the others stop).
  void barrier();

  // Called on every rank before an exception that every rank throws alike (a mismatch all of
  // them found, an interruption they agreed on): the destructor then finalises MPI normally and
  // the process exits with the exception's code.
  void agreeToExit() { agreedExit_ = true; }

  // Floats per bucket: 4 Mi (16 MiB, a quarter of Horovod's 64 MiB fusion buffer: several buckets
  // are in flight at once), or $GRAPHC_FUSION_FLOATS (as HOROVOD_FUSION_THRESHOLD, in floats).
  size_t bucketFloats() const { return bucketFloats_; }

 private:
  struct Pending;                     // the requests of the sums started
  std::unique_ptr<Pending> pending_;  // (MPI's types stay out of this header)
  int rank_ = 0, size_ = 1;
  size_t bucketFloats_ = size_t(4) << 20;
  bool initialised_ = false, agreedExit_ = false, oneMachine_ = true;
  double allreduceSeconds_ = 0;
};

// Thrown when the ranks disagree (the model and flags at start-up, the weights after an epoch);
// exits 2 on every rank.
class RanksDisagree : public InputError {
 public:
  using InputError::InputError;
};

}  // namespace graphc
