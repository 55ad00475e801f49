// \file Keras' model.summary() for a lowered model.
#include "frontend/summary.h"

#include <fmt/format.h>

#include <map>
#include <set>
#include <sstream>

namespace graphc {
namespace {

std::string withCommas(int64_t v) {
  std::string s = std::to_string(v);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<size_t>(i), ",");
  return s;
}

// Keras prints shapes as tuples with None for the batch dimension.
std::string kerasShape(const Shape& s) {
  std::string out = "(";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) out += ", ";
    out += s[i] == kBatch ? "None" : std::to_string(s[i]);
  }
  return out + (s.size() == 1 ? ",)" : ")");
}

std::string scopeOf(const std::string& name) {
  auto slash = name.rfind('/');
  return slash == std::string::npos ? name : name.substr(0, slash);
}

}  // namespace

std::string printSummary(const Model& model) {
  const Graph& g = model.graph;
  std::map<std::string, int64_t> paramsByScope;
  std::vector<std::string> scopeOrder;
  int64_t trainable = 0, frozen = 0;
  for (int id : g.variables(false)) {
    const Node& v = g.node(id);
    int64_t n = numElements(v.shape, 1);
    (v.attrs.getInt("trainable", 1) ? trainable : frozen) += n;
    std::string scope = scopeOf(v.name);
    if (!paramsByScope.count(scope)) scopeOrder.push_back(scope);
    paramsByScope[scope] += n;
  }
  std::ostringstream os;
  const std::string rule(65, '_'), doubleRule(65, '=');
  os << "Model: \"" << g.modelName << "\"\n" << rule << "\n";
  os << fmt::format(" {:<28}{:<26}Param #\n", "Layer (type)", "Output Shape");
  os << doubleRule << "\n";
  std::set<std::string> shown;
  auto row = [&](const std::string& name, const std::string& shape, int64_t params) {
    os << fmt::format(" {:<28}{:<26}{}\n\n", name, shape, withCommas(params));
  };
  for (const LayerInfo& l : model.layers) {
    const Node& out = g.node(l.output);
    row(l.scope + " (" + l.kind + ")", kerasShape(out.shape),
        paramsByScope.count(l.scope) ? paramsByScope[l.scope] : 0);
    shown.insert(l.scope);
  }
  for (const std::string& scope : scopeOrder)
    if (!shown.count(scope)) {
      // A scope of raw variables: show the shape of the last value bound in it, if any.
      std::string shape;
      for (const Node& n : g.nodes())
        if (n.op != Op::Variable && !n.isGradient && n.name.rfind(scope + "/", 0) == 0) shape = kerasShape(n.shape);
      row(scope + " (variables)", shape, paramsByScope[scope]);
    }
  os << doubleRule << "\n";
  os << "Total params: " << withCommas(trainable + frozen) << "\n";
  os << "Trainable params: " << withCommas(trainable) << "\n";
  os << "Non-trainable params: " << withCommas(frozen) << "\n" << rule << "\n";
  return os.str();
}

}  // namespace graphc
