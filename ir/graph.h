// \file The graph IR: typed nodes in topological order, each with its op, attributes and source location.
#pragma once

#include <string>
#include <vector>

#include "ir/attrs.h"
#include "ir/ops.h"
#include "ir/types.h"
#include "support/source_location.h"

namespace graphc {

// One value of the graph. Inputs always have smaller ids, so id order is a topological order.
struct Node {
  int id = -1;
  Op op = Op::Constant;
  std::vector<int> inputs;
  Attrs attrs;
  DType dtype = DType::F32;
  Shape shape;
  std::string name;  // the user-visible name (`c1/kernel`, `loss`); empty for anonymous values
  SourceLoc loc;     // where the user wrote it; invalid for compiler-made nodes
  bool isGradient = false;
  int gradientOf = -1;  // for a gradient node, the forward node whose gradient rule made it
};

// One expansion of a `def` at a call site: nodes made by it carry its index in their loc.
struct Expansion {
  std::string function;
  SourceLoc def;   // the `def` keyword
  SourceLoc call;  // the call; its own expansion is the enclosing one (-1 at the top level)
};

class Graph {
 public:
  std::string modelName;
  std::string file;                   // the .mnn path, for locations in dumps and diagnostics
  std::vector<Expansion> expansions;  // of the functions the model calls, in call order

  // Appends a node after checking arity and inferring its type with the op table.
  // A type error is a UserError at loc.
  int add(Op op, std::vector<int> inputs, Attrs attrs = {}, SourceLoc loc = {}, std::string name = "");

  const Node& node(int id) const { return nodes_.at(static_cast<size_t>(id)); }
  Node& mutableNode(int id) { return nodes_.at(static_cast<size_t>(id)); }
  const std::vector<Node>& nodes() const { return nodes_; }
  size_t size() const { return nodes_.size(); }

  // The node with this user name, or -1.
  int findByName(const std::string& name) const;
  // Ids of variables (optionally only the trainable ones), in creation order.
  std::vector<int> variables(bool trainableOnly) const;

  // While set (>= 0), added nodes with a location and no expansion of their own get this one.
  void setExpansion(int expansion) { expansion_ = expansion; }
  int expansion() const { return expansion_; }
  // While set, added nodes are marked as gradient nodes (autodiff sets it).
  void setBuildingGradient(bool on) { buildingGradient_ = on; }
  // The forward node the gradient nodes added next belong to (-1: none), for diagnostics.
  void setGradientOf(int node) { gradientOf_ = node; }

 private:
  std::vector<Node> nodes_;
  bool buildingGradient_ = false;
  int expansion_ = -1;
  int gradientOf_ = -1;
};

// Every node that `roots` depend on (roots included), in id order.
std::vector<int> reachableFrom(const Graph& graph, const std::vector<int>& roots);

}  // namespace graphc
