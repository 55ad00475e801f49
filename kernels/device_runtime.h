// \file What a GPU target needs from the process before its first kernel runs.
#pragma once

#include <Halide.h>

namespace graphc {

// Prepares the process for running kernels on target; does nothing for host targets.
// For OpenCL it loads PoCL's library with its own symbol scope first: PoCL 3 is built on LLVM 15
// and, loaded the ordinary way into a process that holds Halide's LLVM 14, binds to LLVM 14's
// symbols and crashes when it compiles a kernel. The OpenCL ICD loader later finds the library
// already loaded and uses it. Without PoCL, whatever OpenCL platform the loader finds is used.
void prepareDeviceRuntime(const Halide::Target& target);

}  // namespace graphc
