// \file `graphc --version`: what a bug report needs to say which graphc ran where: the version and
// the commit it was built from, the Halide and LLVM it generates code with, the host's CPU and the
// vector features Halide compiles kernels for.
#include <Halide.h>
#include <fmt/core.h>

#include <string>
#include <thread>

#include "codegen/host_target.h"
#include "git_commit.h"
#include "runtime/distributed.h"
#include "runtime/nccl_exchange.h"
#include "support/host_cpu.h"
#include "tools/verbs.h"

namespace graphc {
namespace {

// The vector features of Halide's host target, in its names (sse41, avx2, avx512_skylake, fma...).
std::string vectorFeatures(const Halide::Target& host) {
  std::string target = host.to_string(), features;
  // "x86-64-linux-avx-avx2-...": the features follow the architecture, bits and OS.
  size_t at = 0;
  for (int dashes = 0; dashes < 3 && at != std::string::npos; ++dashes) at = target.find('-', at + 1);
  if (at == std::string::npos) return "none";
  for (char c : target.substr(at + 1)) features += c == '-' ? ' ' : c;
  return features;
}

}  // namespace

std::string versionText() {
  Halide::Target host = hostTarget();
  return fmt::format(
      "graphc {} (commit {})\n"
      "Halide {}, LLVM {}\n"
      "host: {}, {} hardware threads\n"
      "vector features: {}\n"
      "data parallelism: {}\n"
      "gpu data parallelism: {}\n",
      GRAPHC_VERSION, GRAPHC_GIT_COMMIT, GRAPHC_HALIDE_VERSION, GRAPHC_LLVM_VERSION, cpuModelName(),
      std::thread::hardware_concurrency(), vectorFeatures(host),
      builtWithMpi() ? "MPI (mpirun -np N graphc run)" : "none (built without MPI)",
      builtWithNccl() ? "NCCL " + ncclVersion() + " (mpirun with --target cuda: gradients summed on the GPUs)"
                      : std::string("none (built without NCCL: gradients of --target cuda are summed on the host)"));
}

}  // namespace graphc
