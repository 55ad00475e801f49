// \file The forward graph as an MLIR module in the TOSA dialect (`graphc dump --stage mlir`): one
// function from the image placeholder to the class scores, variables inlined as tosa.const.
//
// export/mlir_export.cpp builds the module with MLIR's C++ API (the only file that includes MLIR's
// headers) and verifies it; export/forward_graph.h chooses, from a model's train block, what the
// function takes and returns.
#pragma once

#include <string>

#include "export/forward_graph.h"

namespace graphc {

// What to export (forward_graph.h) and how the function is named and introduced.
struct MlirExportOptions : ForwardGraphOptions {
  std::string functionName = "forward";
  std::string comment;  // printed above the module as `// ` lines (empty: none)
};

// forwardGraphOptions for `dump --stage mlir`, the function named after the model.
MlirExportOptions forwardExportOptions(const Model& model);

// The module's text: `func @NAME(%arg0: tensor<BATCHx...xf32>) -> tensor<...>` in the TOSA
// dialect (MLIR 14: builtin func, std.return), every op carrying its source location. The module
// is checked with mlir::verify before printing; a failure is an InternalError. An op of the
// forward graph that has no TOSA translation, or a placeholder that is neither the input nor
// fixed, is a UserError at its node.
std::string exportMlir(const Graph& graph, const MlirExportOptions& options);

}  // namespace graphc
