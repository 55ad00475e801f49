// \file Keras' default optimizer settings.
#include "ir/optimizer_spec.h"

namespace graphc {

OptimizerSpec defaultOptimizer(const std::string& kind) {
  OptimizerSpec spec;
  spec.kind = kind;
  spec.learningRate = kind == "sgd" ? 0.01 : 0.001;
  return spec;
}

}  // namespace graphc
