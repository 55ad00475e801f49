// \file Splits the optimizer's updates by rows (passes/shard_updates.h). The updates are written
// with elementwise ops (passes/optimizer.cpp), so the update of some rows of a variable is the same
// chain of ops on those rows of the variable, its slots and its gradient: the shard graph copies
// each chain with its sources narrowed to the rows.
#include "passes/shard_updates.h"

#include <set>

#include "ir/op_table.h"

namespace graphc {
namespace {

bool isScalar(const Node& n) { return n.shape.empty(); }

}  // namespace

std::optional<std::vector<int>> rowSplitOwners(const Graph& graph, const TrainGraph& train) {
  if (train.fedGradients.empty()) return std::nullopt;
  std::map<int, int> variableOfFed;
  for (const auto& f : train.fedGradients) variableOfFed[f.placeholder] = f.variable;
  std::map<int, int> ownerOfNode;  // the variable of each non-scalar value
  std::vector<int> owners;
  for (const VariableUpdate& u : train.updates) {
    std::vector<int> nodes = reachableFrom(graph, {u.next});
    int owner = -1;
    for (int id : nodes) {
      const Node& n = graph.node(id);
      if (!isSource(n.op) && !isElementwise(n.op)) return std::nullopt;  // a norm, a reduction
      auto fed = variableOfFed.find(id);
      if (fed == variableOfFed.end()) continue;
      if (owner >= 0 && owner != fed->second) return std::nullopt;  // global_clipnorm reads them all
      owner = fed->second;
    }
    if (owner < 0) {
      if (!isScalar(graph.node(u.variable))) return std::nullopt;  // computed whole on every rank: scalars only
      owners.push_back(owner);
      continue;
    }
    const Shape& shape = graph.node(owner).shape;
    if (graph.node(u.variable).shape != shape) return std::nullopt;
    for (int id : nodes) {
      const Node& n = graph.node(id);
      if (isScalar(n)) continue;
      if (n.shape != shape) return std::nullopt;  // a broadcast: its rows are not the variable's
      auto [it, added] = ownerOfNode.emplace(id, owner);
      if (!added && it->second != owner) return std::nullopt;  // shared by two variables' chains
    }
    owners.push_back(owner);
  }
  return owners;
}

namespace {

// Copies the nodes `next` depends on into shard.graph, the non-scalar ones narrowed to `rows`.
class ShardCopier {
 public:
  ShardCopier(const Graph& graph, UpdateShard& shard, const TrainGraph& train, int gradientParts)
      : graph_(graph), shard_(shard), gradientParts_(gradientParts) {
    for (const auto& f : train.fedGradients) fed_.insert(f.placeholder);
  }

  int copy(int id, const RowRange& rows) {
    auto it = copies_.find(id);
    if (it != copies_.end()) return it->second;
    const Node& n = graph_.node(id);
    // Each rank updates one row range of a variable, so a non-scalar value has one copy.
    RowRange range = isScalar(n) ? RowRange{} : rows;
    int made;
    if (n.op == Op::Variable || n.op == Op::Placeholder) {
      Shape shape = n.shape;
      if (!shape.empty()) shape[0] = range.count;
      Attrs attrs =
          Attrs().set("dtype", dtypeName(n.dtype)).set("shape", std::vector<int64_t>(shape.begin(), shape.end()));
      int parts = fed_.count(id) ? gradientParts_ : 1;
      made = -1;
      for (int part = 0; part < parts; ++part) {
        std::string name = parts == 1 ? n.name : n.name + "/part" + std::to_string(part);
        int placeholder = shard_.graph.add(Op::Placeholder, {}, attrs, n.loc, name);
        shard_.inputs.push_back({placeholder, id, range, part});
        made = made < 0 ? placeholder : shard_.graph.add(Op::Add, {made, placeholder});
      }
    } else {
      std::vector<int> inputs;
      for (int in : n.inputs) inputs.push_back(copy(in, rows));
      made = shard_.graph.add(n.op, inputs, n.attrs, n.loc, n.name);
    }
    return copies_[id] = made;
  }

 private:
  const Graph& graph_;
  UpdateShard& shard_;
  int gradientParts_;
  std::set<int> fed_;  // the fed gradients' placeholders
  std::map<int, int> copies_;
};

}  // namespace

UpdateShard shardUpdates(const Graph& graph, const TrainGraph& train, const std::vector<int>& owners,
                         const std::map<int, RowRange>& rows, int gradientParts) {
  UpdateShard shard;
  shard.graph.modelName = graph.modelName;
  shard.graph.file = graph.file;
  shard.graph.expansions = graph.expansions;
  ShardCopier copier(graph, shard, train, gradientParts);
  for (size_t u = 0; u < train.updates.size(); ++u) {
    const VariableUpdate& update = train.updates[u];
    RowRange range;
    if (owners[u] >= 0) {
      auto it = rows.find(owners[u]);
      if (it == rows.end() || it->second.count == 0) continue;
      range = it->second;
      if (isScalar(graph.node(update.variable))) range = {};
    }
    shard.outputs.push_back({copier.copy(update.next, range), update.variable, range});
  }
  return shard;
}

}  // namespace graphc
