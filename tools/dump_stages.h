// \file The dump stages that need the compiled train step: fused, halide, stmt, asm.
#pragma once

#include <string>

namespace graphc {

bool isTrainStepStage(const std::string& stage);

// The train step of the model at `path` (loss, metrics and every update, at the train block's
// batch unless batch > 0) shown at one stage: the fusion plan, Halide's loop nests, Halide's
// lowered statement, or the host assembly.
std::string dumpTrainStepStage(const std::string& path, const std::string& stage, int64_t batch);

}  // namespace graphc
