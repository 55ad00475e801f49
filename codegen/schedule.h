// \file CPU schedules for the Funcs a lowering produces: vectorized inner dimension, parallel outer one.
#pragma once

#include "codegen/lowering.h"

namespace graphc {

// Schedules a node's Func that is computed at root, given its batch-bound output shape. Without
// parallel its loops are all serial: it is then computed inside another kernel's parallel loop
// over images (passes/fusion.h, per-image fusion), for one image at a time. Custom schedules
// (hint Custom) choose their own parallel loops.
void scheduleRoot(LoweredNode& lowered, const Shape& outShape, bool parallel);

// Whether a plain map of this shape (a pooling kernel) runs its images in parallel.
bool imagesInParallel(const Shape& shape);

// Schedules the stored Funcs of a kernel's siblings (passes/fusion.h), plain maps of the shape of
// the kernel's pointwise root, in the root's loop nest: one loop body stores each vector of the
// root and of every sibling.
void scheduleSiblings(Halide::Func& root, std::vector<Halide::Func>& siblings, const Shape& shape);

}  // namespace graphc
