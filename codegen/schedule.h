// \file CPU schedules for the Funcs a lowering produces: vectorized inner dimension, parallel outer one.
#pragma once

#include "codegen/lowering.h"

namespace graphc {

// Schedules a node's Func that is computed at root, given its batch-bound output shape.
void scheduleRoot(LoweredNode& lowered, const Shape& outShape);

// Schedules the stored Funcs of a kernel's siblings (passes/fusion.h), plain maps of the shape of
// the kernel's pointwise root, in the root's loop nest: one loop body stores each vector of the
// root and of every sibling.
void scheduleSiblings(Halide::Func& root, std::vector<Halide::Func>& siblings, const Shape& shape);

}  // namespace graphc
