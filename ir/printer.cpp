// \file Deterministic text form of the graph (`graphc dump --stage graph`).
#include "ir/printer.h"

#include <sstream>

namespace graphc {

std::string printNode(const Graph& graph, int id) {
  const Node& n = graph.node(id);
  std::ostringstream os;
  std::string file = graph.file.substr(graph.file.find_last_of('/') + 1);
  os << "%" << n.id << " = " << (n.isGradient ? "grad " : "") << opName(n.op) << "(";
  for (size_t i = 0; i < n.inputs.size(); ++i) os << (i ? ", " : "") << "%" << n.inputs[i];
  os << ")";
  std::string attrs = n.attrs.toString();
  if (!attrs.empty()) os << " " << attrs;
  os << " : " << typeToString(n.dtype, n.shape);
  if (!n.name.empty() || n.loc.valid()) {
    os << "  #";
    if (!n.name.empty()) os << " " << n.name;
    if (n.loc.valid()) os << " " << file << ":" << n.loc.line << ":" << n.loc.col;
  }
  return os.str();
}

std::string printGraph(const Graph& graph) {
  std::ostringstream os;
  os << "graph " << graph.modelName << " {\n";
  for (const Node& n : graph.nodes()) os << "  " << printNode(graph, n.id) << "\n";
  os << "}\n";
  return os.str();
}

}  // namespace graphc
