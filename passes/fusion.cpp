// \file The fusion plan and its cost estimates.
#include "passes/fusion.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "ir/op_cost.h"
#include "ir/op_table.h"

namespace graphc {
namespace {

double elements(const Graph& g, int id, int64_t batch) {
  return static_cast<double>(numElements(g.node(id).shape, batch));
}

// Sibling fusion (fusion.h): merges into each elementwise kernel the elementwise kernels of its
// shape whose values only it (or kernels already merged into it) reads, repeatedly.
void fuseSiblings(const Graph& graph, FusionPlan& plan) {
  std::vector<Kernel>& kernels = plan.kernels;
  std::map<int, size_t> kernelOfRoot;
  for (size_t i = 0; i < kernels.size(); ++i) kernelOfRoot[kernels[i].root] = i;
  std::vector<std::set<size_t>> reads(kernels.size()), readers(kernels.size());
  for (size_t i = 0; i < kernels.size(); ++i)
    for (int v : kernels[i].nodes)
      for (int in : graph.node(v).inputs)
        if (auto it = kernelOfRoot.find(in); it != kernelOfRoot.end() && it->second != i) {
          reads[i].insert(it->second);
          readers[it->second].insert(i);
        }
  auto fusible = [&](size_t i) {
    const Node& root = graph.node(kernels[i].root);
    return kernels[i].anchor < 0 && isElementwise(root.op) && !root.shape.empty();
  };
  std::vector<bool> merged(kernels.size(), false);
  for (size_t i = kernels.size(); i-- > 0;) {
    if (merged[i] || !fusible(i)) continue;
    const Shape& shape = graph.node(kernels[i].root).shape;
    std::set<size_t> group{i};
    for (bool grew = true; grew;) {
      grew = false;
      for (size_t member : std::set<size_t>(group))
        for (size_t r : reads[member]) {
          bool onlyGroupReads = std::includes(group.begin(), group.end(), readers[r].begin(), readers[r].end());
          if (group.count(r) || merged[r] || !fusible(r) || graph.node(kernels[r].root).shape != shape ||
              !onlyGroupReads)
            continue;
          group.insert(r);
          grew = true;
        }
    }
    if (group.size() == 1) continue;
    Kernel& k = kernels[i];
    std::set<int> nodes;
    for (size_t member : group) {
      nodes.insert(kernels[member].nodes.begin(), kernels[member].nodes.end());
      if (member == i) continue;
      k.siblings.push_back(kernels[member].root);
      k.flops += kernels[member].flops;
      merged[member] = true;
    }
    k.nodes.assign(nodes.begin(), nodes.end());
    std::set<int> external;
    for (int v : k.nodes)
      for (int in : graph.node(v).inputs)
        if (!nodes.count(in)) external.insert(in);
    k.bytes = 4.0 * elements(graph, k.root, plan.batch) * static_cast<double>(group.size());
    for (int in : external) k.bytes += valueBytes(graph, in, plan.batch);
  }
  std::vector<Kernel> kept;
  for (size_t i = 0; i < kernels.size(); ++i)
    if (!merged[i]) kept.push_back(std::move(kernels[i]));
  kernels = std::move(kept);
}

// Per-image fusion (fusion.h): marks each register-tiled kernel that only a pooling kernel reads.
void fusePerImage(const Graph& graph, FusionPlan& plan, const std::set<int>& outputs,
                  const std::vector<std::vector<int>>& readers) {
  std::map<int, Kernel*> kernelOfRoot;
  for (Kernel& k : plan.kernels) kernelOfRoot[k.root] = &k;
  for (Kernel& pool : plan.kernels) {
    const Node& root = graph.node(pool.root);
    if ((root.op != Op::MaxPool && root.op != Op::AvgPool) || pool.nodes.size() != 1 ||
        bindBatch(root.shape, plan.batch).front() < kPerImageBatch)
      continue;
    auto producer = kernelOfRoot.find(root.inputs[0]);
    if (producer == kernelOfRoot.end()) continue;
    Kernel& k = *producer->second;
    bool tiled = k.anchor >= 0 || hasTrait(graph.node(k.root).op, trait::TiledProducer);
    if (tiled && k.siblings.empty() && !outputs.count(k.root) && readers[static_cast<size_t>(k.root)].size() == 1)
      k.perImageIn = pool.root;
  }
}

}  // namespace

FusionPlan planFusion(const Graph& graph, const std::vector<int>& outputs, int64_t batch) {
  FusionPlan plan;
  plan.batch = batch;
  plan.live = reachableFrom(graph, outputs);
  plan.isRoot.assign(graph.size(), false);
  for (int id : plan.live) {
    const Node& n = graph.node(id);
    if (!isComplex(n.op)) continue;
    if (!isFusedIntoReaders(n.op)) plan.isRoot[static_cast<size_t>(id)] = true;
    if (hasTrait(n.op, trait::Reduction)) continue;  // reads each element once: nothing is recomputed
    for (size_t i = 0; i < n.inputs.size(); ++i)
      if (isFusedIntoReaders(graph.node(n.inputs[i]).op) && !readsShapeOnly(n.op, i))
        plan.isRoot[static_cast<size_t>(n.inputs[i])] = true;
  }
  for (int id : outputs) plan.isRoot[static_cast<size_t>(id)] = true;

  // Producer fusion: a register-tiled op whose value flows only into an elementwise chain of its
  // own shape is computed inside the kernel that ends the chain (its tiles apply the bias and
  // activation before they are stored), not materialised. Each chain link must have one reader,
  // so the tiled op is computed once; a kernel holds at most one tiled producer.
  std::vector<std::vector<int>> readers(graph.size());
  for (int id : plan.live)
    for (int in : graph.node(id).inputs) readers[static_cast<size_t>(in)].push_back(id);
  std::set<int> outputSet(outputs.begin(), outputs.end());
  std::map<int, int> anchorOfRoot;
  for (int id : plan.live) {
    const Node& n = graph.node(id);
    if (!hasTrait(n.op, trait::TiledProducer) || outputSet.count(id)) continue;
    int v = id;
    bool ok = true;
    while (true) {
      const std::vector<int>& r = readers[static_cast<size_t>(v)];
      // The chain ends at a kernel, or at a value read more than once, which becomes a kernel.
      if (v != id && (plan.isRoot[static_cast<size_t>(v)] || r.size() != 1)) break;
      ok = r.size() == 1 && isElementwise(graph.node(r[0]).op) && graph.node(r[0]).shape == n.shape &&
           !outputSet.count(v);
      if (!ok) break;
      v = r[0];
    }
    if (!ok || v == id || anchorOfRoot.count(v)) continue;
    plan.isRoot[static_cast<size_t>(id)] = false;
    plan.isRoot[static_cast<size_t>(v)] = true;
    anchorOfRoot[v] = id;
  }

  for (int id : plan.live) {
    if (!plan.isRoot[static_cast<size_t>(id)]) continue;
    Kernel k;
    k.root = id;
    auto anchor = anchorOfRoot.find(id);
    if (anchor != anchorOfRoot.end()) k.anchor = anchor->second;
    std::set<int> members, reads;
    std::function<void(int)> collect = [&](int v) {
      if (!members.insert(v).second) return;
      for (int in : graph.node(v).inputs) {
        const Node& p = graph.node(in);
        if (plan.isRoot[static_cast<size_t>(in)] || isSource(p.op))
          reads.insert(in);
        else
          collect(in);
      }
    };
    collect(id);
    k.nodes.assign(members.begin(), members.end());
    for (int v : k.nodes) k.flops += estimateFlops(graph, graph.node(v), batch);
    for (int r : reads) k.bytes += valueBytes(graph, r, batch);
    k.bytes += 4.0 * elements(graph, id, batch);
    plan.kernels.push_back(k);
  }
  fuseSiblings(graph, plan);
  fusePerImage(graph, plan, outputSet, readers);
  return plan;
}

std::string printFusionPlan(const Graph& graph, const FusionPlan& plan) {
  std::ostringstream os;
  os << "fused " << graph.modelName << " batch=" << plan.batch << " kernels=" << plan.kernels.size() << " {\n";
  double flops = 0, bytes = 0;
  for (size_t i = 0; i < plan.kernels.size(); ++i) {
    const Kernel& k = plan.kernels[i];
    const Node& root = graph.node(k.root);
    os << "  k" << i << " = " << opName(root.op) << "_" << root.id << " [";
    for (size_t j = 0; j < k.nodes.size(); ++j) {
      const Node& n = graph.node(k.nodes[j]);
      os << (j ? ", " : "") << "%" << n.id << " " << (n.isGradient ? "grad " : "") << opName(n.op);
    }
    os << "]";
    for (size_t j = 0; j < k.siblings.size(); ++j) os << (j ? ", %" : " stores %") << k.siblings[j];
    if (k.perImageIn >= 0) os << " per image in %" << k.perImageIn;
    os << " : " << typeToString(root.dtype, root.shape);
    os << fmt::format("  # {:.3g} MFLOP, {:.3g} MB", k.flops / 1e6, k.bytes / 1e6);
    os << (root.name.empty() ? "" : "  " + root.name) << "\n";
    flops += k.flops;
    bytes += k.bytes;
  }
  os << fmt::format("  # total {:.4g} MFLOP, {:.4g} MB\n}}\n", flops / 1e6, bytes / 1e6);
  return os.str();
}

}  // namespace graphc
