// \file The gradients of a data-parallel run on GPUs (`mpirun -np N graphc run --target cuda`,
// docs/distributed.md "On GPUs"): NCCL sums them where Halide's kernels left them, in device
// memory, one GPU per rank. Builds without NCCL (CMake's GRAPHC_NCCL off, or no CUDA toolkit)
// compile the same interface; there such a run sums its gradients on the host through MPI.
#pragma once

#include <Halide.h>

#include <memory>
#include <string>
#include <vector>

#include "runtime/distributed.h"

namespace graphc {

// Whether this graphc was built with NCCL, and the version of the library it runs with ("2.28.9"),
// for `graphc --version`.
bool builtWithNccl();
std::string ncclVersion();

class NcclExchange {
 public:
  // For a run of comm's ranks on target: nullptr unless the target is CUDA and graphc has NCCL.
  // Every rank calls it at the same point, before any kernel runs on the GPU. It gives each rank
  // the GPU of its rank among the ranks on its machine (modulo the GPUs it sees: the first where
  // CUDA_VISIBLE_DEVICES shows each rank its own), makes Halide's CUDA runtime work in that
  // GPU's primary context (the one the CUDA runtime and NCCL use; Halide 14 creates a context of
  // its own otherwise, whose memory NCCL could not read) for the rest of the process, and creates
  // the NCCL communicator from an id that rank 0 draws and sends through comm. Where any rank
  // cannot (two ranks on one GPU, a driver too old for the CUDA runtime), every rank gets
  // nullptr, and rank 0 prints why: the run then sums on the host, as without NCCL. A failure
  // after that agreement throws RunFailure. Probe for the device before
  // (Halide::host_supports_target_device, as --target does), never after: the probe allocates in
  // Halide's own context and would free in the primary one.
  static std::unique_ptr<NcclExchange> create(Communicator& comm, const Halide::Target& target);
  ~NcclExchange();
  NcclExchange(const NcclExchange&) = delete;
  NcclExchange& operator=(const NcclExchange&) = delete;

  // Sums each float buffer over every rank, in place in device memory, each rank's values
  // multiplied by `weight` first (NCCL's PreMulSum), and waits for the sums. A buffer whose newest
  // values are on the host is copied to the device first; afterwards every buffer's values are
  // on the device (device-dirty), where the next program reads them.
  void sumOnDevice(std::vector<Halide::Buffer<>>& buffers, float weight);

  // This rank's CUDA device (its index among the GPUs this process sees).
  int device() const;
  // The time spent in sumOnDevice (waiting for the sums included).
  double seconds() const { return seconds_; }

 private:
  NcclExchange();
  struct State;                   // NCCL's and CUDA's handles
  std::unique_ptr<State> state_;  // (their types stay out of this header)
  double seconds_ = 0;
};

}  // namespace graphc
