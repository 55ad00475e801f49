// \file `graphc dump`: the program's text at each compiler stage, from one pass through the
// pipeline (driver/pipeline.h), for one stage or (`--stage all`) every one.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace graphc {

// Every dump stage in pipeline order; `--stage all` writes stage i to NN-STAGE.txt, NN = i + 1
// (01-ast.txt, 02-graph.txt, 03-grad.txt...). The last two are views rather than stages: the
// forward graph in MLIR's TOSA dialect and the train step in Graphviz.
const std::vector<std::string>& dumpStageNames();

// What `graphc dump` was asked for besides the stages.
struct DumpRequest {
  std::string path;                   // the .mnn file
  std::optional<int64_t> batch;       // default: the train block's (mlir: 1)
  std::optional<std::string> target;  // default: host (ptx: cuda)
  std::optional<int64_t> seed;        // mlir's variables: default the train block's seed
  std::optional<std::string> load;    // mlir's variables from a checkpoint instead
};

// The text of each stage asked for, by name, each exactly what `dump --stage NAME` prints. The
// stages that show the train step need a train block with `minimize` (a UserError otherwise);
// with skipUnavailable they are left out instead, and so are mlir when the model has no class
// scores to export and ptx unless the target can be CUDA.
std::map<std::string, std::string> dumpStages(const DumpRequest& request, const std::vector<std::string>& stages,
                                              bool skipUnavailable = false);

// `dump --stage all -o DIR`: every stage the model has into DIR (created if missing), each file
// equal to what `dump --stage NAME` prints. The Halide stages (halide, stmt, asm, ptx) are each
// made in a child process of their own: Halide numbers the names it generates process-wide, so
// only a fresh process names them as a single-stage dump does. Returns the exit code.
int writeAllStages(const DumpRequest& request, const std::string& dir);

}  // namespace graphc
