// \file Which part of a model `dump --stage mlir` exports: the image placeholder, the class scores
// and the inference values of the other placeholders (see forwardExportOptions in mlir_export.h).
#include <set>
#include <vector>

#include "export/mlir_export.h"
#include "passes/class_scores.h"
#include "support/diagnostics.h"

namespace graphc {
namespace {

int findImagePlaceholder(const Model& model) {
  for (const auto* feeds : {&model.train.evalFeeds, &model.train.feeds})
    for (const FeedSpec& f : *feeds)
      if (f.kind == FeedSpec::Kind::Image) return f.placeholder;
  if (model.train.present)
    throw UserError(model.train.loc, "dump --stage mlir needs a placeholder fed with `image` in the train block");
  int found = -1;
  for (const Node& n : model.graph.nodes()) {
    if (n.op != Op::Placeholder || n.dtype != DType::F32 || !hasBatch(n.shape) || n.attrs.has("default")) continue;
    if (found >= 0)
      throw UserError(n.loc,
                      "dump --stage mlir cannot tell the input: without a train block the graph must have one "
                      "f32 placeholder with a batch dimension, and it has '" +
                          model.graph.node(found).name + "' and '" + n.name + "'");
    found = n.id;
  }
  if (found < 0)
    throw UserError({}, "dump --stage mlir finds no f32 placeholder with a batch dimension to take images");
  return found;
}

}  // namespace

MlirExportOptions forwardExportOptions(const Model& model) {
  const Graph& g = model.graph;
  MlirExportOptions options;
  options.input = findImagePlaceholder(model);
  options.output = findClassScores(model);
  if (options.output < 0)
    throw UserError(model.train.loc,
                    "dump --stage mlir cannot find the class scores: the train block's first metric "
                    "and its minimize value depend on no f32 [?, K] value");
  // As in an evaluation (runtime/trainer.cpp, evaluationFeeds): a default wins over a constant
  // feed, an eval_feed constant over a feed constant.
  for (const Node& n : g.nodes()) {
    if (n.op != Op::Placeholder || n.id == options.input) continue;
    if (n.attrs.has("default")) {
      options.fixedPlaceholders[n.id] = n.attrs.getFloat("default");
      continue;
    }
    for (const auto* feeds : {&model.train.feeds, &model.train.evalFeeds})
      for (const FeedSpec& f : *feeds)
        if (f.placeholder == n.id && f.kind == FeedSpec::Kind::Constant) options.fixedPlaceholders[n.id] = f.value;
  }
  options.functionName = g.modelName.empty() || g.modelName == "main" ? "forward" : g.modelName;
  return options;
}

}  // namespace graphc
