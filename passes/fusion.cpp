// \file The fusion plan and its cost estimates.
#include "passes/fusion.h"

#include <fmt/format.h>

#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "ir/op_table.h"

namespace graphc {
namespace {

bool isSource(const Node& n) { return findOp(n.op)->kind == OpKind::Source; }

double elements(const Graph& g, int id, int64_t batch) {
  return static_cast<double>(numElements(g.node(id).shape, batch));
}

// Multiply-adds count two FLOPs; other ops one per element produced (reductions: per element read).
double estimateFlops(const Graph& g, const Node& n, int64_t batch) {
  auto in = [&](size_t i) { return bindBatch(g.node(n.inputs[i]).shape, batch); };
  Shape out = bindBatch(n.shape, batch);
  if (n.op == "conv2d") {
    Shape w = in(1);
    return 2.0 * static_cast<double>(numElements(out, batch)) * static_cast<double>(w[0] * w[1] * w[2]);
  }
  if (n.op == "conv2d_backprop_input" || n.op == "conv2d_backprop_filter") {
    Shape dy = in(n.op == "conv2d_backprop_input" ? 0 : 1);
    Shape w = bindBatch(g.node(n.inputs[n.op == "conv2d_backprop_input" ? 1 : 2]).shape, batch);
    return 2.0 * static_cast<double>(numElements(dy, batch)) * static_cast<double>(w[0] * w[1] * w[2]);
  }
  if (n.op == "matmul") {
    Shape a = in(0);
    double k = static_cast<double>(n.attrs.getInt("transpose_a") ? a[0] : a[1]);
    return 2.0 * static_cast<double>(numElements(out, batch)) * k;
  }
  if (findOp(n.op)->kind == OpKind::Elementwise || n.inputs.empty()) return static_cast<double>(numElements(out, batch));
  return elements(g, n.inputs[0], batch);
}

// Ops lowered to a register-tiled reduction, which producer fusion may fuse into their reader.
// conv2d_backprop_filter is left out: with few output channels it is not register-tiled.
bool isTiledProducer(const Node& n) {
  return n.op == "conv2d" || n.op == "conv2d_backprop_input" || n.op == "matmul";
}

}  // namespace

FusionPlan planFusion(const Graph& graph, const std::vector<int>& outputs, int64_t batch) {
  FusionPlan plan;
  plan.batch = batch;
  plan.live = reachableFrom(graph, outputs);
  plan.isRoot.assign(graph.size(), false);
  for (int id : plan.live) {
    const Node& n = graph.node(id);
    if (findOp(n.op)->kind != OpKind::Other) continue;
    plan.isRoot[static_cast<size_t>(id)] = true;
    for (int in : n.inputs)
      if (findOp(graph.node(in).op)->kind == OpKind::Elementwise) plan.isRoot[static_cast<size_t>(in)] = true;
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
    if (!isTiledProducer(n) || outputSet.count(id)) continue;
    int v = id;
    bool ok = true;
    while (true) {
      const std::vector<int>& r = readers[static_cast<size_t>(v)];
      // The chain ends at a kernel, or at a value read more than once, which becomes a kernel.
      if (v != id && (plan.isRoot[static_cast<size_t>(v)] || r.size() != 1)) break;
      ok = r.size() == 1 && findOp(graph.node(r[0]).op)->kind == OpKind::Elementwise &&
           graph.node(r[0]).shape == n.shape && !outputSet.count(v);
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
        if (plan.isRoot[static_cast<size_t>(in)] || isSource(p)) reads.insert(in);
        else collect(in);
      }
    };
    collect(id);
    k.nodes.assign(members.begin(), members.end());
    for (int v : k.nodes) k.flops += estimateFlops(graph, graph.node(v), batch);
    for (int r : reads)
      if (graph.node(r).op != "constant") k.bytes += 4.0 * elements(graph, r, batch);
    k.bytes += 4.0 * elements(graph, id, batch);
    plan.kernels.push_back(k);
  }
  return plan;
}

std::string printFusionPlan(const Graph& graph, const FusionPlan& plan) {
  std::ostringstream os;
  os << "fused " << graph.modelName << " batch=" << plan.batch << " kernels=" << plan.kernels.size() << " {\n";
  double flops = 0, bytes = 0;
  for (size_t i = 0; i < plan.kernels.size(); ++i) {
    const Kernel& k = plan.kernels[i];
    const Node& root = graph.node(k.root);
    os << "  k" << i << " = " << root.op << "_" << root.id << " [";
    for (size_t j = 0; j < k.nodes.size(); ++j) {
      const Node& n = graph.node(k.nodes[j]);
      os << (j ? ", " : "") << "%" << n.id << " " << (n.isGradient ? "grad " : "") << n.op;
    }
    os << "] : " << typeToString(root.dtype, root.shape);
    os << fmt::format("  # {:.3g} MFLOP, {:.3g} MB", k.flops / 1e6, k.bytes / 1e6);
    os << (root.name.empty() ? "" : "  " + root.name) << "\n";
    flops += k.flops;
    bytes += k.bytes;
  }
  os << fmt::format("  # total {:.4g} MFLOP, {:.4g} MB\n}}\n", flops / 1e6, bytes / 1e6);
  return os.str();
}

}  // namespace graphc
