// \file CPU schedules for the Funcs a lowering produces: vectorized inner dimension, parallel outer one.
#pragma once

#include "codegen/lowering.h"

namespace graphc {

// Schedules a node's Func that is computed at root, given its batch-bound output shape.
void scheduleRoot(LoweredNode& lowered, const Shape& outShape);

}  // namespace graphc
