// \file The forward graph as an MLIR module in the TOSA dialect (`graphc dump --stage mlir`): one
// function from the image placeholder to the class scores, variables inlined as tosa.const.
//
// export/mlir_export.cpp builds the module with MLIR's C++ API (the only file that includes MLIR's
// headers) and verifies it; export/mlir_export_forward.cpp chooses, from a model's train block, what
// the function takes and returns.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "ir/graph.h"
#include "ir/model.h"

namespace graphc {

// What to export and with which values.
struct MlirExportOptions {
  int input = -1;     // the placeholder that becomes the function's argument (f32, batch dimension first)
  int output = -1;    // the value the function returns
  int64_t batch = 1;  // every `?` dimension becomes this
  // Placeholders held at a fixed scalar value (the training flag at 0, keep_prob at its default):
  // they and everything computed only from them fold to constants.
  std::map<int, double> fixedPlaceholders;
  // The values of a variable, row-major in the graph's order, numElements(shape) floats, alive
  // for the whole export. Every variable the output needs must have one.
  std::function<const float*(int variable)> variableData;
  std::string functionName = "forward";
  std::string comment;  // printed above the module as `// ` lines (empty: none)
};

// The forward (inference) graph of a model: from the placeholder the train block feeds with
// images to the class scores `graphc predict` reports (walking back from the first metric, else
// the minimize value: the first softmax over [?, K], else the first f32 [?, K]). Placeholders
// with a default take it, the others fed a constant take the eval_feed's or feed's constant, so
// the training flag is 0 (dropout is the identity, BatchNorm uses its moving statistics).
// Without a train block the input is the graph's only f32 placeholder with a batch dimension.
// A model that has none of these is a UserError. variableData is left to the caller.
MlirExportOptions forwardExportOptions(const Model& model);

// The module's text: `func @NAME(%arg0: tensor<BATCHx...xf32>) -> tensor<...>` in the TOSA
// dialect (MLIR 14: builtin func, std.return), every op carrying its source location. The module
// is checked with mlir::verify before printing; a failure is an InternalError. An op of the
// forward graph that has no TOSA translation, or a placeholder that is neither the input nor
// fixed, is a UserError at its node.
std::string exportMlir(const Graph& graph, const MlirExportOptions& options);

}  // namespace graphc
