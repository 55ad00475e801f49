// \file `graphc summary`: the Keras-style table of layers, output shapes and parameter counts.
#pragma once

#include <string>

#include "ir/model.h"

namespace graphc {

// One row per layer call in source order, then one per scope of variables that no layer owns
// (TF1-style models); totals split into trainable and non-trainable, as Keras prints them.
std::string printSummary(const Model& model);

}  // namespace graphc
