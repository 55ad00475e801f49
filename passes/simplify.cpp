// \file The simplification pass (see simplify.h): a forward walk that adds each live node to a new
// graph unless it folds to a constant, is an identity of one of its inputs, or repeats a node
// already added.
#include "passes/simplify.h"

#include <cmath>
#include <map>
#include <optional>
#include <tuple>

namespace graphc {
namespace {

bool sameType(const Node& a, const Node& b) { return a.dtype == b.dtype && a.shape == b.shape; }

// The value of a scalar constant node, if it is one.
std::optional<double> scalarConstant(const Node& n) {
  if (n.op != Op::Constant || !n.shape.empty()) return std::nullopt;
  return n.attrs.getFloat("value");
}

// What a scalar op gives for constant inputs, computed in the node's dtype as the kernel would.
std::optional<double> fold(const Node& n, const std::vector<double>& in) {
  if (!n.shape.empty()) return std::nullopt;
  auto asType = [&](double v) -> double {
    switch (n.dtype) {
      case DType::F32:
        return static_cast<double>(static_cast<float>(v));
      case DType::I32:
        return static_cast<double>(static_cast<int32_t>(v));
      case DType::Bool:
        return v != 0 ? 1.0 : 0.0;
    }
    return v;
  };
  if (n.dtype != DType::F32 && n.op != Op::Cast) return std::nullopt;  // integer division and wrap-around: leave them
  float a = in.empty() ? 0.0f : static_cast<float>(in[0]);
  float b = in.size() > 1 ? static_cast<float>(in[1]) : 0.0f;
  if (n.op == Op::Neg) return asType(-a);
  if (n.op == Op::Add) return asType(a + b);
  if (n.op == Op::Sub) return asType(a - b);
  if (n.op == Op::Mul) return asType(a * b);
  if (n.op == Op::Div) return asType(a / b);
  if (n.op == Op::Cast) return asType(in[0]);
  return std::nullopt;
}

bool isIdentityPermutation(const std::vector<int64_t>& perm) {
  for (size_t i = 0; i < perm.size(); ++i)
    if (perm[i] != static_cast<int64_t>(i)) return false;
  return true;
}

}  // namespace

namespace {

SimplifiedGraph simplifyOnce(const Graph& graph, const std::vector<int>& roots) {
  SimplifiedGraph s;
  Graph& out = s.graph;
  out.modelName = graph.modelName;
  out.file = graph.file;
  out.expansions = graph.expansions;
  size_t count = graph.size();
  std::vector<bool> live(count, false);
  for (int r : roots) live[static_cast<size_t>(r)] = true;
  for (size_t i = count; i-- > 0;)
    if (live[i])
      for (int in : graph.node(static_cast<int>(i)).inputs) live[static_cast<size_t>(in)] = true;

  s.newId.assign(count, -1);
  std::map<std::tuple<Op, std::vector<int>, std::map<std::string, AttrValue>, int, Shape>, int> seen;
  auto addNode = [&](const Node& n, const std::vector<int>& inputs, Attrs attrs) {
    out.setBuildingGradient(n.isGradient);
    out.setGradientOf(n.gradientOf >= 0 ? s.newId[static_cast<size_t>(n.gradientOf)] : -1);
    int id = out.add(n.op, inputs, std::move(attrs), n.loc, n.name);
    s.original.push_back(n.id);
    return id;
  };
  for (size_t i = 0; i < count; ++i) {
    if (!live[i]) {
      ++s.dead;
      continue;
    }
    const Node& n = graph.node(static_cast<int>(i));
    std::vector<int> inputs;
    for (int in : n.inputs) inputs.push_back(s.newId[static_cast<size_t>(in)]);
    auto input = [&](size_t k) -> const Node& { return out.node(inputs[k]); };

    // Constant folding.
    bool allConstant = !inputs.empty();
    std::vector<double> values;
    for (size_t k = 0; k < inputs.size(); ++k) {
      auto v = scalarConstant(input(k));
      allConstant &= v.has_value();
      values.push_back(v.value_or(0));
    }
    std::optional<double> folded = allConstant ? fold(n, values) : std::nullopt;
    if (folded) {
      Node c = n;
      c.op = Op::Constant;
      s.newId[i] = addNode(c, {}, Attrs().set("value", *folded).set("dtype", dtypeName(n.dtype)));
      ++s.folded;
      continue;
    }

    // A scalar broadcast to the shape an add, sub, mul or div has anyway is the scalar: the op
    // broadcasts it itself, and the broadcast is not stored. (The gradient of a sum is its scalar
    // gradient broadcast: an L2 regularizer's c * sum(w^2) gave a stored w-sized copy of c.)
    bool binary = n.op == Op::Add || n.op == Op::Sub || n.op == Op::Mul || n.op == Op::Div;
    for (size_t k = 0; binary && k < 2; ++k) {
      const Node& b = input(k);
      if (b.op != Op::BroadcastLike || !sameType(input(1 - k), n)) continue;
      const Node& scalar = out.node(b.inputs[0]);
      if (!scalar.shape.empty() || scalar.dtype != b.dtype) continue;
      inputs[k] = scalar.id;
      ++s.unbroadcast;
    }

    // Identities: the value is one of the inputs, of the same type.
    int same = -1;
    auto isConst = [&](size_t k, double v) { return scalarConstant(input(k)) == std::optional<double>(v); };
    if (n.op == Op::Mul && isConst(1, 1))
      same = 0;
    else if (n.op == Op::Mul && isConst(0, 1))
      same = 1;
    else if (n.op == Op::Div && isConst(1, 1))
      same = 0;
    else if (n.op == Op::Add && isConst(1, 0))
      same = 0;
    else if (n.op == Op::Add && isConst(0, 0))
      same = 1;
    else if (n.op == Op::Sub && isConst(1, 0))
      same = 0;
    else if ((n.op == Op::Cast || n.op == Op::Reshape) && sameType(n, input(0)))
      same = 0;
    else if (n.op == Op::Transpose && isIdentityPermutation(n.attrs.getInts("perm")))
      same = 0;
    if (n.op == Op::Neg && input(0).op == Op::Neg && sameType(n, out.node(input(0).inputs[0]))) {
      s.newId[i] = input(0).inputs[0];
      ++s.identities;
      continue;
    }
    if (same >= 0 && sameType(n, input(static_cast<size_t>(same)))) {
      s.newId[i] = inputs[static_cast<size_t>(same)];
      ++s.identities;
      continue;
    }

    // Common subexpressions (sources are distinct values even when they look alike).
    bool source = n.op == Op::Placeholder || n.op == Op::Variable;
    auto key = std::make_tuple(n.op, inputs, n.attrs.all(), static_cast<int>(n.dtype), n.shape);  // exact values
    if (!source) {
      auto it = seen.find(key);
      if (it != seen.end()) {
        s.newId[i] = it->second;
        if (out.node(it->second).name.empty() && !n.name.empty()) out.mutableNode(it->second).name = n.name;
        ++s.merged;
        continue;
      }
    }
    s.newId[i] = addNode(n, inputs, n.attrs);
    if (!source) seen.emplace(key, s.newId[i]);
  }
  out.setBuildingGradient(false);
  out.setGradientOf(-1);
  return s;
}

}  // namespace

SimplifiedGraph simplifyGraph(const Graph& graph, const std::vector<int>& roots) {
  SimplifiedGraph first = simplifyOnce(graph, roots);
  // A node can die after it was added (neg(neg(x)) leaves the inner neg unread): a second walk
  // removes it (and finds nothing else to rewrite).
  std::vector<int> newRoots;
  for (int r : roots) newRoots.push_back(first.newId[static_cast<size_t>(r)]);
  SimplifiedGraph second = simplifyOnce(first.graph, newRoots);
  SimplifiedGraph result;
  result.graph = std::move(second.graph);
  result.newId.assign(graph.size(), -1);
  for (size_t i = 0; i < graph.size(); ++i)
    if (first.newId[i] >= 0) result.newId[i] = second.newId[static_cast<size_t>(first.newId[i])];
  for (int id : second.original) result.original.push_back(first.original[static_cast<size_t>(id)]);
  result.dead = first.dead + second.dead;
  result.folded = first.folded + second.folded;
  result.identities = first.identities + second.identities;
  result.merged = first.merged + second.merged;
  result.unbroadcast = first.unbroadcast + second.unbroadcast;
  return result;
}

}  // namespace graphc
