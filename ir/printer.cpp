// \file Deterministic text form of the graph (`graphc dump --stage graph`).
#include "ir/printer.h"

#include <fmt/format.h>

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
    if (n.loc.valid()) os << " " << file << ":" << n.loc.line << ":" << n.loc.col << expansionText(graph, n.loc);
  }
  return os.str();
}

std::string expansionText(const Graph& graph, SourceLoc loc) {
  std::string file = graph.file.substr(graph.file.find_last_of('/') + 1);
  std::string text;
  // Innermost first; each call site is itself in the enclosing expansion (or at the top level).
  for (int e = loc.expansion; e >= 0 && e < static_cast<int>(graph.expansions.size());) {
    const Expansion& x = graph.expansions[static_cast<size_t>(e)];
    text += fmt::format("{}in {} defined at {}:{}:{}, called at {}:{}:{}", text.empty() ? " (" : "; ", x.function, file,
                        x.def.line, x.def.col, file, x.call.line, x.call.col);
    e = x.call.expansion;
  }
  return text.empty() ? text : text + ")";
}

std::string printGraph(const Graph& graph) {
  std::ostringstream os;
  os << "graph " << graph.modelName << " {\n";
  for (const Node& n : graph.nodes()) os << "  " << printNode(graph, n.id) << "\n";
  os << "}\n";
  return os.str();
}

}  // namespace graphc
