// \file The GPU APIs the kernel tests run the GPU schedules on: OpenCL everywhere (PoCL runs its
// kernels on the CPU; scripts/setup.sh installs it) and CUDA where there is an NVIDIA GPU (CI has
// none: those tests skip there, and scripts/gpu_check.sh runs them on a GPU machine).
#pragma once

#include <Halide.h>

#include <string>
#include <vector>

namespace graphc {

// "opencl" and "cuda", the names --target takes.
std::vector<std::string> gpuApis();
// The JIT target of that API (CUDA: compute capability 8.0, as --target cuda).
Halide::Target gpuTarget(const std::string& api);
// "" when the API has a device on this machine, else why a test that needs one skips. The first
// call per API probes (Halide's host_supports_target_device), later ones repeat its answer.
std::string gpuMissing(const std::string& api);

}  // namespace graphc
