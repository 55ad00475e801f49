// \file GPU schedules (CUDA, OpenCL) for the Funcs a lowering produces: every Func computed at
// root, and every update definition of one, runs as a GPU kernel, so no stage falls back to the
// host (which would copy buffers between host and device in the middle of a step).
#pragma once

#include "codegen/lowering.h"

namespace graphc {

// Schedules a node's Func that is computed at root (and its helpers and stages) for a GPU target,
// given its batch-bound output shape.
void scheduleRootGpu(LoweredNode& lowered, const Shape& outShape);

// Computes f at root as GPU kernels: each definition's pure variables are fused into one index
// split into blocks of threads; reduction variables run serially inside a thread. A definition
// without pure variables (a scalar) runs on a single GPU thread. elements: f's element count when
// its realized region is known to be exactly that (a root node, a pipeline output), else 0.
void scheduleFuncGpu(Halide::Func f, int64_t elements);

}  // namespace graphc
