// \file loadModel: text -> AST -> graph -> stable-loss rewrite.
#include "driver/pipeline.h"

#include "frontend/lower_program.h"
#include "frontend/parser.h"
#include "passes/optimizer.h"
#include "passes/stable_losses.h"

namespace graphc {

namespace {

Model lowerAndRewrite(const Program& program) {
  Model model = lowerProgram(program);
  rewriteStableLosses(model.graph);
  return model;
}

}  // namespace

Model loadModel(const std::string& path) { return lowerAndRewrite(parseFile(path)); }

Model loadModelSource(const std::string& file, const std::string& source) {
  return lowerAndRewrite(parseProgram(file, source));
}

void checkTrainable(const Model& model) {
  if (!model.train.present || model.train.minimize < 0) return;
  Graph copy = model.graph;
  buildTrainGraph(copy, model.train.minimize, model.train.optimizer, model.train.minimizeLoc);
}

}  // namespace graphc
