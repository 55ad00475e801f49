// \file SGD updates appended after autodiff.
#include "passes/optimizer.h"

#include "frontend/diagnostics.h"
#include "passes/autodiff.h"

namespace graphc {

TrainGraph buildTrainGraph(Graph& graph, int loss, const OptimizerSpec& optimizer, SourceLoc where) {
  const Node& l = graph.node(loss);
  if (!l.shape.empty() || l.dtype != DType::F32)
    throw UserError(where, "minimize expects a scalar f32 value, found " + typeToString(l.dtype, l.shape));
  if (optimizer.kind != "sgd")
    throw UserError(where, "optimizer '" + optimizer.kind + "' is not supported yet; expected sgd");
  std::vector<int> vars = graph.variables(true);
  std::map<int, int> grads = autodiff(graph, loss, vars);
  if (grads.empty()) throw UserError(where, "the value to minimize does not depend on any trainable variable");
  TrainGraph train;
  train.loss = loss;
  graph.setBuildingGradient(true);
  train.learningRate = graph.add("placeholder", {}, Attrs().set("dtype", std::string("f32")).set("shape", std::vector<int64_t>{}),
                                 {}, "sgd/lr");
  for (int v : vars) {
    auto it = grads.find(v);
    if (it == grads.end()) continue;
    int next = graph.add("sgd_update", {v, it->second, train.learningRate}, {}, {}, "sgd/update/" + graph.node(v).name);
    train.updates.push_back({v, next});
  }
  graph.setBuildingGradient(false);
  return train;
}

}  // namespace graphc
