// \file The one lower-and-schedule loop: graph nodes become Halide Funcs in id order, and each
// kernel's root is computed at root with its schedule (its fused anchor's tiles when it has one).
// Programs (program.cpp) and the per-kernel benchmarks of `graphc bench` (kernel_bench.cpp) are
// both built by it, so a benchmarked kernel is the code the program runs.
#pragma once

#include <Halide.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "passes/fusion.h"

namespace graphc {

// The Func of a value the loop does not compute: a placeholder or variable among the nodes, or a
// value a node reads that is not among them (for a benchmarked kernel, another kernel's output).
// boundShape is the value's shape with the batch bound.
using ExternalValue = std::function<Halide::Func(const Node& node, const Shape& boundShape)>;

struct LoweredGraph {
  std::map<int, Halide::Func> funcs;  // by node id: every node lowered, and every value read
  // By node id: the Func that stores a kernel's sibling (passes/fusion.h), computed in its
  // kernel's loop nest; the sibling's entry in funcs is its definition, inlined where it is read.
  std::map<int, Halide::Func> stored;
  std::vector<std::string> kernelNames;  // the kernels' root Funcs, in id order

  // The Func whose buffer holds value id: its stored Func for a sibling, else its Func.
  Halide::Func output(int id) const;
};

// Lowers nodes (in id order; each node's inputs are among them, constants, or external values)
// at this batch size for target, and schedules the root of each of kernels at root, with GPU
// schedules for a GPU target. Constants become constant Funcs wherever they are read.
LoweredGraph lowerAndSchedule(const Graph& graph, const std::vector<int>& nodes, const std::vector<Kernel>& kernels,
                              int64_t batch, const Halide::Target& target, const ExternalValue& external);

}  // namespace graphc
