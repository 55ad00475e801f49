// \file A cache of the scratch buffers Halide allocates for kernels computed at root, so that a
// training step allocates nothing once the first step has run.
#pragma once

#include <Halide.h>

namespace graphc {

// Installs the pool as the pipeline's allocator (before compile_jit). A freed block goes back to
// a free list of its size and the next request of that size takes it: every step of a program
// asks for the same sizes, so after the first step no memory is mapped, touched for the first
// time or returned to the system.
void usePooledAllocator(Halide::Pipeline& pipeline);

// The same pool with the signatures of halide_set_custom_malloc/free, for the Halide runtime of
// an ahead-of-time compiled program (kernels/loaded_kernel.cpp).
void* pooledAllocate(void* userContext, size_t size);
void pooledRelease(void* userContext, void* block);

}  // namespace graphc
