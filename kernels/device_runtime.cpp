// \file Loading PoCL in a private symbol scope (see device_runtime.h for why).
#include "kernels/device_runtime.h"

#include <dlfcn.h>

#include <mutex>

namespace graphc {

void prepareDeviceRuntime(const Halide::Target& target) {
  if (!target.has_feature(Halide::Target::OpenCL)) return;
  static std::once_flag once;
  std::call_once(once, [] {
    // Kept loaded for the life of the process; a missing PoCL is not an error (another OpenCL
    // platform may be installed).
    dlopen("libpocl.so.2", RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
  });
}

}  // namespace graphc
