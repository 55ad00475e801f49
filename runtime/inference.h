// \file Running a model's graph on given arrays: `graphc infer` feeds placeholders with .npy
// files and fetches any named values (how the ONNX backend tests run imported models).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "codegen/program.h"
#include "ir/model.h"
#include "runtime/npy.h"

namespace graphc {

// Feeds each placeholder named in inputs with its array (a `?` dimension takes the array's
// size, the same for every input; fixed dimensions must match), sets the variables from the
// checkpoint (when not empty), and returns the values of the named outputs in inference mode
// (dropout off). Unknown names, placeholders left unfed and shapes that do not fit are
// InputErrors naming them.
std::vector<NpyArray> inferArrays(const Model& model, const std::string& checkpoint,
                                  const std::map<std::string, NpyArray>& inputs,
                                  const std::vector<std::string>& outputs, const CompileOptions& options);

}  // namespace graphc
