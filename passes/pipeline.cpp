// \file loadModel: text -> AST -> graph -> stable-loss rewrite.
#include "passes/pipeline.h"

#include "frontend/parser.h"
#include "passes/optimizer.h"
#include "passes/stable_losses.h"

namespace graphc {

Model loadModel(const std::string& path) {
  Program program = parseFile(path);
  Model model = lowerProgram(program);
  rewriteStableLosses(model.graph);
  return model;
}

void checkTrainable(const Model& model) {
  if (!model.train.present || model.train.minimize < 0) return;
  Graph copy = model.graph;
  buildTrainGraph(copy, model.train.minimize, model.train.optimizer, model.train.minimizeLoc);
}

}  // namespace graphc
