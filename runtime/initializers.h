// \file Initial values of variables from their `init` attributes, reproducible from the seed.
#pragma once

#include <Halide.h>

#include <cstdint>

#include "ir/graph.h"

namespace graphc {

// Fills buf (the variable's buffer) as the variable's init attribute says. The random stream of
// each variable depends only on the seed and the variable's name, so adding a layer does not
// change the others' initial values. Keras' formulas: glorot_uniform limit sqrt(6/(fan_in+fan_out)),
// he_normal truncated normal with stddev sqrt(2/fan_in); truncated normals redraw beyond 2 stddev.
// Also glorot_normal (stddev sqrt(2/(fan_in+fan_out))), he_uniform (limit sqrt(6/fan_in)),
// lecun_normal (stddev sqrt(1/fan_in)) and orthogonal (gain 1); fans as Keras' compute_fans.
void initializeVariable(const Node& variable, uint64_t seed, Halide::Buffer<float>& buf);

}  // namespace graphc
