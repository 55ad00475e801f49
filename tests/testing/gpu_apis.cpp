// \file The GPU APIs of the kernel tests (testing/gpu_apis.h).
#include "testing/gpu_apis.h"

#include <cstdlib>
#include <map>

#include "codegen/host_target.h"
#include "kernels/device_runtime.h"

namespace graphc {

std::vector<std::string> gpuApis() { return {"opencl", "cuda"}; }

Halide::Target gpuTarget(const std::string& api) {
  if (api == "cuda")
    return jitTarget().with_feature(Halide::Target::CUDA).with_feature(Halide::Target::CUDACapability80);
  return jitTarget().with_feature(Halide::Target::OpenCL);
}

std::string gpuMissing(const std::string& api) {
  // Probed once per process: Halide's probe allocates a buffer in the CUDA context of its runtime's
  // default handlers and frees it in the current handlers' one, which differ once a test has moved
  // Halide to the primary context (runtime/nccl_exchange.h).
  static std::map<std::string, std::string> missing;
  if (auto known = missing.find(api); known != missing.end()) return known->second;
  if (api == "opencl") {
    // PoCL compiles kernels into its cache: a fresh folder per process, as on a clean CI machine.
    static std::string cache = [] {
      char dir[] = "/tmp/graphc-pocl-XXXXXX";
      return std::string(mkdtemp(dir) ? dir : "");
    }();
    if (!cache.empty()) setenv("POCL_CACHE_DIR", cache.c_str(), 0);
  }
  Halide::Target target = gpuTarget(api);
  prepareDeviceRuntime(target);
  if (Halide::host_supports_target_device(target)) return missing[api] = "";
  return missing[api] = api == "cuda" ? "no CUDA device (a GPU test: scripts/gpu_check.sh runs it on an NVIDIA machine)"
                                      : "no OpenCL device (scripts/setup.sh installs pocl-opencl-icd)";
}

}  // namespace graphc
