// \file Graphviz output of the graph, with fusion kernels as clusters.
#include "export/dot_printer.h"

#include <set>
#include <sstream>

#include "ir/op_table.h"

namespace graphc {
namespace {

std::string label(const Node& n) {
  std::string s = "%" + std::to_string(n.id) + " " + opName(n.op);
  if (!n.name.empty()) s += "\\n" + n.name;
  s += "\\n" + typeToString(n.dtype, n.shape);
  std::string escaped;
  for (char c : s) {
    if (c == '"') escaped += '\\';
    escaped += c;
  }
  return escaped;
}

void node(std::ostringstream& os, const Node& n, const std::string& indent) {
  bool source = isSource(n.op);
  os << indent << "n" << n.id << " [label=\"" << label(n) << "\", shape=" << (source ? "ellipse" : "box")
     << ", style=filled, fillcolor=\""
     << (n.isGradient ? "#cfe2ff"
         : source     ? "#f0f0f0"
                      : "#ffffff")
     << "\"];\n";
}

}  // namespace

std::string printDot(const Graph& graph, const std::vector<std::vector<int>>& kernels) {
  std::ostringstream os;
  os << "digraph \"" << graph.modelName << "\" {\n  rankdir=TB;\n  node [fontname=\"monospace\", fontsize=10];\n";
  std::set<int> clustered;
  for (size_t k = 0; k < kernels.size(); ++k) {
    os << "  subgraph cluster_k" << k << " {\n    label=\"k" << k << "\";\n    style=rounded;\n";
    for (int id : kernels[k])
      if (clustered.insert(id).second) node(os, graph.node(id), "    ");
    os << "  }\n";
  }
  for (const Node& n : graph.nodes())
    if (!clustered.count(n.id)) node(os, n, "  ");
  for (const Node& n : graph.nodes())
    for (int in : n.inputs) os << "  n" << in << " -> n" << n.id << ";\n";
  os << "}\n";
  return os.str();
}

}  // namespace graphc
