// \file The memory plan: what a program's buffers (or a model's variables) take at once, checked
// against what the process can still allocate before anything is allocated, so that a model or
// a batch too large stops with the bytes it needs instead of a crash in an allocation.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "passes/fusion.h"

namespace graphc {

struct BufferNeed {
  std::string what;  // "c1/kernel f32[5,5,1,6]" or "%12 = conv2d(...) f32[60000,28,28,32]"
  uint64_t bytes = 0;
};

// A buffer per variable of the graph (optimizer slots included).
std::vector<BufferNeed> variableBuffers(const Graph& graph);

// A buffer per kernel of the plan (each materialises its root value at the plan's batch); the
// pooled allocator keeps them all, so their sum is what a step holds.
std::vector<BufferNeed> kernelBuffers(const Graph& graph, const FusionPlan& plan);

// Throws InputError when the buffers' total exceeds availableBytes: "WHAT would need N GiB, more than
// the M GiB this process can still allocate (largest: ...)" followed by advice (such as a
// smaller --batch). Does nothing otherwise.
void checkMemoryFits(const std::string& what, const std::vector<BufferNeed>& buffers, uint64_t availableBytes,
                     const std::string& advice);

// The check for a program's kernel buffers ("a step at batch B ..."), advising the largest batch
// (a power of two) whose buffers would fit.
void checkProgramMemory(const Graph& graph, const FusionPlan& plan, uint64_t availableBytes);

}  // namespace graphc
