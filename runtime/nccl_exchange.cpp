// \file NCCL on the GPUs of a data-parallel run (runtime/nccl_exchange.h). Without GRAPHC_HAVE_NCCL
// there is no exchange: create() returns nullptr and the trainer sums on the host.
#include "runtime/nccl_exchange.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <exception>
#include <iostream>

#include "support/diagnostics.h"

#ifdef GRAPHC_HAVE_NCCL
// cuda.h for the driver's types only: libcuda is not linked (graphc must start where there is no
// driver), its one function used here comes through the CUDA runtime's cudaGetDriverEntryPoint.
#include <cuda.h>
#include <cuda_runtime_api.h>
#include <nccl.h>
#endif

namespace graphc {

#ifdef GRAPHC_HAVE_NCCL

namespace {

void checkCuda(cudaError_t error, const char* what) {
  if (error != cudaSuccess)
    throw RunFailure(fmt::format("CUDA: {} failed: {} ({})", what, cudaGetErrorString(error), cudaGetErrorName(error)));
}

void checkNccl(ncclResult_t result, const char* what, ncclComm_t comm = nullptr) {
  if (result != ncclSuccess)
    throw RunFailure(fmt::format("NCCL: {} failed: {} ({})", what, ncclGetErrorString(result), ncclGetLastError(comm)));
}

// This machine's name.
std::string hostName() {
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  return name;
}

// This rank's index among the ranks on its machine, in rank order.
int localRank(const std::vector<std::string>& hosts, int rank) {
  int local = 0;
  for (int r = 0; r < rank; ++r) local += hosts[static_cast<size_t>(r)] == hosts[static_cast<size_t>(rank)];
  return local;
}

// The context in which Halide's CUDA runtime works from create() on: kept for the life of the
// process, since Halide frees device buffers in it until the process exits. Halide 14 calls the
// acquire hook around every CUDA call (kernel launches, allocations, copies) and pushes the
// context it returns; without the hook it creates a context of its own (cuCtxCreate).
CUcontext halideContext = nullptr;

int32_t acquireHalideContext(Halide::JITUserContext*, void** context, bool) {
  *context = halideContext;
  return 0;
}
int32_t releaseHalideContext(Halide::JITUserContext*) { return 0; }

// Makes the current thread's primary context (the CUDA runtime's, NCCL's) Halide's.
void shareContextWithHalide() {
  using CtxGetCurrent = CUresult (*)(CUcontext*);
  void* entry = nullptr;
  cudaDriverEntryPointQueryResult found = cudaDriverEntryPointSymbolNotFound;
  checkCuda(cudaGetDriverEntryPointByVersion("cuCtxGetCurrent", &entry, 12000, cudaEnableDefault, &found),
            "cudaGetDriverEntryPointByVersion(cuCtxGetCurrent)");
  if (!entry || found != cudaDriverEntryPointSuccess)
    throw RunFailure(fmt::format("CUDA: the driver has no cuCtxGetCurrent (query result {})", static_cast<int>(found)));
  CUcontext context = nullptr;
  if (reinterpret_cast<CtxGetCurrent>(entry)(&context) != CUDA_SUCCESS || !context)
    throw RunFailure("CUDA: no current context after cudaSetDevice and cudaFree(0)");
  halideContext = context;
  // set_default_handlers replaces every default handler: keep the others as they are.
  Halide::JITHandlers handlers = Halide::Internal::JITSharedRuntime::set_default_handlers(Halide::JITHandlers{});
  handlers.custom_cuda_acquire_context = acquireHalideContext;
  handlers.custom_cuda_release_context = releaseHalideContext;
  Halide::Internal::JITSharedRuntime::set_default_handlers(handlers);
}

}  // namespace

struct NcclExchange::State {
  ncclComm_t comm = nullptr;
  cudaStream_t stream = nullptr;
  int device = 0;
  Halide::Target target;
};

bool builtWithNccl() { return true; }

std::string ncclVersion() {
  int code = 0;
  if (ncclGetVersion(&code) != ncclSuccess) return "unknown";
  // NCCL_VERSION's two encodings: X*1000+Y*100+Z up to 2.8, X*10000+Y*100+Z since 2.9.
  if (code >= 10000) return fmt::format("{}.{}.{}", code / 10000, code % 10000 / 100, code % 100);
  return fmt::format("{}.{}.{}", code / 1000, code % 1000 / 100, code % 100);
}

std::unique_ptr<NcclExchange> NcclExchange::create(Communicator& comm, const Halide::Target& target) {
  if (!target.has_feature(Halide::Target::CUDA)) return nullptr;
  std::string host = hostName();
  int local = localRank(comm.allgather(host), comm.rank());
  // Every rank learns of any rank's problem, so that they all take the host's path alike.
  std::string problem, gpu;
  int devices = 0, device = 0;
  if (cudaError_t error = cudaGetDeviceCount(&devices); error != cudaSuccess || devices == 0) {
    problem = fmt::format("rank {}: no usable CUDA device ({})", comm.rank(),
                          error != cudaSuccess ? cudaGetErrorString(error) : "none found");
  } else {
    // The local rank's device; where a launcher shows each rank only its own GPUs
    // (CUDA_VISIBLE_DEVICES), the first of them.
    device = local % devices;
    char bus[64] = {};
    if (cudaError_t error = cudaDeviceGetPCIBusId(bus, sizeof bus - 1, device); error != cudaSuccess)
      problem = fmt::format("rank {}: cudaDeviceGetPCIBusId failed: {}", comm.rank(), cudaGetErrorString(error));
    else
      gpu = host + " " + bus;
  }
  std::vector<std::string> gpus = comm.allgather(gpu);
  for (int r = 0; r < comm.size() && problem.empty() && !gpu.empty(); ++r)
    if (r != comm.rank() && gpus[static_cast<size_t>(r)] == gpu)
      problem = fmt::format(
          "ranks {} and {} share the GPU {}, and NCCL needs a GPU per rank (mpirun -np at most the GPUs per machine)",
          std::min(r, comm.rank()), std::max(r, comm.rank()), gpu);
  ncclUniqueId id{};
  if (problem.empty() && comm.rank() == 0)
    if (ncclResult_t result = ncclGetUniqueId(&id); result != ncclSuccess)
      problem = fmt::format("rank 0: ncclGetUniqueId failed: {}", ncclGetErrorString(result));
  for (const std::string& p : comm.allgather(problem))
    if (!p.empty()) {
      if (comm.rank() == 0)
        std::cerr << "graphc: warning: " << p << "; the gradients are summed on the host through MPI instead"
                  << std::endl;
      return nullptr;
    }
  std::string idBytes = comm.allgather(comm.rank() == 0 ? std::string(id.internal, sizeof id.internal) : "")[0];
  internalCheck(idBytes.size() == sizeof id.internal, "nccl", "rank 0's NCCL id has the wrong size");
  std::copy(idBytes.begin(), idBytes.end(), id.internal);

  std::unique_ptr<NcclExchange> exchange(new NcclExchange());
  State& s = *exchange->state_;
  s.device = device;
  s.target = target;
  checkCuda(cudaSetDevice(device), "cudaSetDevice");
  checkCuda(cudaFree(nullptr), "cudaFree(0)");  // creates the primary context, current on this thread
  shareContextWithHalide();
  // A blocking stream: it waits for the kernels Halide launched on the legacy default stream, and
  // they wait for it (sumOnDevice synchronizes explicitly all the same).
  checkCuda(cudaStreamCreate(&s.stream), "cudaStreamCreate");
  checkNccl(ncclCommInitRank(&s.comm, comm.size(), id, comm.rank()), "ncclCommInitRank");
  return exchange;
}

NcclExchange::~NcclExchange() {
  if (state_->comm) {
    // Left by an error: pending operations are abandoned rather than waited for.
    if (std::uncaught_exceptions() > 0)
      ncclCommAbort(state_->comm);
    else
      ncclCommDestroy(state_->comm);
  }
  if (state_->stream) cudaStreamDestroy(state_->stream);
}

void NcclExchange::sumOnDevice(std::vector<Halide::Buffer<>>& buffers, float weight) {
  auto start = std::chrono::steady_clock::now();
  State& s = *state_;
  for (Halide::Buffer<>& b : buffers) {
    internalCheck(b.type() == Halide::Float(32) && b.size_in_bytes() == b.number_of_elements() * sizeof(float), "nccl",
                  "a gradient to sum is not a dense float buffer");
    if (!b.device_dirty() && b.copy_to_device(Halide::DeviceAPI::CUDA, s.target) != 0)
      throw RunFailure("CUDA: copying a gradient to the device failed");
    internalCheck(b.raw_buffer()->device != 0, "nccl", "a gradient to sum has no device memory");
  }
  // Every kernel that computed the gradients has finished (Halide launches them asynchronously).
  checkCuda(cudaDeviceSynchronize(), "cudaDeviceSynchronize before the gradients' sum");
  ncclRedOp_t premulSum;
  checkNccl(ncclRedOpCreatePreMulSum(&premulSum, &weight, ncclFloat32, ncclScalarHostImmediate, s.comm),
            "ncclRedOpCreatePreMulSum", s.comm);
  checkNccl(ncclGroupStart(), "ncclGroupStart", s.comm);
  for (Halide::Buffer<>& b : buffers) {
    // Halide's CUDA buffers hold the CUdeviceptr itself (halide_cuda_get_device_ptr returns it).
    auto* data = reinterpret_cast<float*>(static_cast<uintptr_t>(b.raw_buffer()->device));
    checkNccl(ncclAllReduce(data, data, static_cast<size_t>(b.number_of_elements()), ncclFloat32, premulSum, s.comm,
                            s.stream),
              "ncclAllReduce", s.comm);
  }
  checkNccl(ncclGroupEnd(), "ncclGroupEnd (the gradients' allreduce)", s.comm);
  checkCuda(cudaStreamSynchronize(s.stream), "cudaStreamSynchronize after the gradients' sum");
  checkNccl(ncclRedOpDestroy(premulSum, s.comm), "ncclRedOpDestroy", s.comm);
  for (Halide::Buffer<>& b : buffers) b.set_device_dirty(true);
  seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

int NcclExchange::device() const { return state_->device; }

#else

struct NcclExchange::State {};

bool builtWithNccl() { return false; }
std::string ncclVersion() { return ""; }
std::unique_ptr<NcclExchange> NcclExchange::create(Communicator&, const Halide::Target&) { return nullptr; }
NcclExchange::~NcclExchange() = default;
void NcclExchange::sumOnDevice(std::vector<Halide::Buffer<>>&, float) {
  throw InternalError("NcclExchange::sumOnDevice in a build without NCCL");
}
int NcclExchange::device() const { return 0; }

#endif

NcclExchange::NcclExchange() : state_(std::make_unique<State>()) {}

}  // namespace graphc
