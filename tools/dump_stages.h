// \file The dump stages that need the compiled train step: fused, halide, stmt, asm.
#pragma once

#include <Halide.h>

#include <string>

namespace graphc {

bool isTrainStepStage(const std::string& stage);

// The train step of the model at `path` (loss, metrics and every update, at the train block's
// batch unless batch > 0) shown at one stage: the fusion plan, Halide's loop nests, Halide's
// lowered statement, the host assembly, or the PTX of its CUDA kernels; scheduled and compiled
// for target (a CUDA target for ptx).
std::string dumpTrainStepStage(const std::string& path, const std::string& stage, int64_t batch,
                               const Halide::Target& target);

}  // namespace graphc
