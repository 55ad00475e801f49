// \file The kernel cache's key text: the nodes, outputs, batch, target and the code generator's identity.
#include "codegen/program_key.h"

#include <fmt/format.h>

#include <sstream>

#include "codegen_version.h"  // generated: GRAPHC_CODEGEN_HASH
#include "kernels/kernel_cache.h"

namespace graphc {
namespace {

std::string fullPrecision(double v) { return fmt::format("{:.17g}", v); }

std::string attrsText(const Attrs& attrs) {
  std::ostringstream os;
  for (const auto& [key, value] : attrs.all()) {
    os << " " << key << "=";
    if (auto* i = std::get_if<int64_t>(&value))
      os << "i" << *i;
    else if (auto* d = std::get_if<double>(&value))
      os << "f" << fullPrecision(*d);
    else if (auto* s = std::get_if<std::string>(&value))
      os << "s" << s->size() << ":" << *s;
    else {
      os << "[";
      for (int64_t x : std::get<std::vector<int64_t>>(value)) os << x << ",";
      os << "]";
    }
  }
  return os.str();
}

}  // namespace

std::string programDescription(const Graph& graph, const std::vector<int>& outputs, int64_t batch,
                               const Halide::Target& target) {
  std::ostringstream os;
  os << "graphc kernel cache v1\ncodegen " << GRAPHC_CODEGEN_HASH << "\n"
     << halideIdentity() << "\ntarget " << target.to_string() << "\nbatch " << batch << "\noutputs";
  for (int id : outputs) os << " %" << id;
  os << "\n";
  for (int id : reachableFrom(graph, outputs)) {
    const Node& n = graph.node(id);
    os << "%" << id << " = " << (n.isGradient ? "grad " : "") << opName(n.op) << "(";
    for (int in : n.inputs) os << "%" << in << ",";
    os << ")" << attrsText(n.attrs) << " : " << typeToString(n.dtype, n.shape) << " name " << n.name.size() << ":"
       << n.name << "\n";
  }
  return os.str();
}

}  // namespace graphc
