// \file --target, --threads and --no-cache: where kernels run (cli.md: host, cuda, opencl, or a
// Halide target string such as host-cuda-cuda_capability_80), how many CPU threads Halide uses,
// and whether the kernel cache is used.
#include <cstdlib>
#include <stdexcept>

#include "codegen/host_target.h"
#include "kernels/device_runtime.h"
#include "kernels/kernel_cache.h"
#include "tools/verbs.h"

namespace graphc {

Halide::Target parseTarget(const std::string& text) {
  Halide::Target jit = jitTarget();
  if (text == "host") return jit;
  // Compute capability 8.0 (Ampere): PTX for it runs on every later GPU, H100 (sm_90) included.
  if (text == "cuda") return jit.with_feature(Halide::Target::CUDA).with_feature(Halide::Target::CUDACapability80);
  if (text == "opencl") return jit.with_feature(Halide::Target::OpenCL);
  if (!Halide::Target::validate_target_string(text))
    throw FlagError{
        "--target expects host, cuda, opencl or a Halide target string (such as "
        "host-cuda-cuda_capability_80), found '" +
        text + "'"};
  Halide::Target t = withoutMissingFeatures(Halide::Target(text));
  Halide::Target host = hostTarget();
  if (t.os != host.os || t.arch != host.arch || t.bits != host.bits)
    throw FlagError{"--target " + text + " is not this machine (" + host.to_string() +
                    "): kernels run here, so the target must start with host or this machine's os-arch-bits"};
  return t;
}

std::string targetName(const Halide::Target& target) {
  if (target.has_feature(Halide::Target::CUDA)) return "cuda";
  if (target.has_feature(Halide::Target::OpenCL)) return "opencl";
  if (target.has_gpu_feature()) return target.to_string();
  return "host";
}

const char* const kTargetHelp =
    "where kernels run: host (default), cuda, opencl, or a Halide\ntarget string (host-cuda-cuda_capability_80)";

CompileOptions configureTarget(const TargetFlags& flags) {
  CompileOptions options;
  options.target = parseTarget(flags.target.value_or("host"));
  if (isGpuTarget(options.target)) {
    // Said up front, rather than as the device runtime's error list at the first step.
    prepareDeviceRuntime(options.target);
    if (!Halide::host_supports_target_device(options.target))
      throw std::runtime_error("--target " + targetName(options.target) + ": no " + targetName(options.target) +
                               " device is available on this machine (for opencl on the CPU, install PoCL: "
                               "scripts/setup.sh)");
  }
  if (flags.threads) setenv("HL_NUM_THREADS", std::to_string(*flags.threads).c_str(), 1);
  options.cacheDir = flags.noCache ? "" : defaultCacheDirectory();
  return options;
}

}  // namespace graphc
