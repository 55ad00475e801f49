// \file Which value of a model holds its class scores (what `predict` and the MLIR export output).
// An analysis, not a rewrite: it reads a type-checked model and changes nothing.
#pragma once

#include "ir/model.h"

namespace graphc {

// Walking back from the train block's first metric, then its minimize value (or, without a train
// block, from every value nothing consumes, latest first), inputs in order: the first softmax over
// [?, K], else the first f32 [?, K] value. -1 when there is none.
int findClassScores(const Model& model);

}  // namespace graphc
