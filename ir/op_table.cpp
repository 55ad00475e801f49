// \file The op table expanded from ir/ops.def, its attribute specs parsed once, and the mapping
// between spellings and ops.
#include "ir/op_table.h"

#include <algorithm>
#include <map>

#include "ir/type_rules.h"
#include "support/diagnostics.h"

namespace graphc {

void TypeContext::fail(const std::string& message) const { throw UserError(node.loc, message); }

WindowDim windowDim(int64_t in, int64_t kernel, int64_t stride, int64_t dilation, const std::string& padding) {
  int64_t span = (kernel - 1) * dilation + 1;
  WindowDim d;
  if (padding == "same") {
    d.out = (in + stride - 1) / stride;
    int64_t total = std::max<int64_t>((d.out - 1) * stride + span - in, 0);
    d.padBefore = total / 2;
  } else {
    d.out = in >= span ? (in - span) / stride + 1 : 0;
  }
  return d;
}

namespace {

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(' '), e = s.find_last_not_of(' ');
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  size_t begin = 0;
  while (begin <= s.size()) {
    size_t end = s.find(sep, begin);
    if (end == std::string::npos) end = s.size();
    std::string part = trim(s.substr(begin, end - begin));
    if (!part.empty()) parts.push_back(part);
    begin = end + 1;
  }
  return parts;
}

// "alpha: float = 0.2; pad_top: int!" (ops.def's header comment gives the grammar).
std::vector<AttrDef> parseAttrs(const std::string& op, const std::string& spec) {
  static const std::map<std::string, AttrType> types = {{"float", AttrType::Float},
                                                        {"int", AttrType::Int},
                                                        {"ints", AttrType::Ints},
                                                        {"string", AttrType::String},
                                                        {"dtype", AttrType::DType}};
  std::vector<AttrDef> attrs;
  for (const std::string& entry : split(spec, ';')) {
    AttrDef a;
    size_t colon = entry.find(':');
    internalCheck(colon != std::string::npos, "op table", op + ": attribute '" + entry + "' has no type");
    a.name = trim(entry.substr(0, colon));
    std::string type = trim(entry.substr(colon + 1));
    size_t equals = type.find('=');
    if (equals != std::string::npos) {
      a.use = AttrDef::Use::Default;
      a.fallback = trim(type.substr(equals + 1));
      type = trim(type.substr(0, equals));
    } else if (!type.empty() && type.back() == '?') {
      a.use = AttrDef::Use::Optional;
      type.pop_back();
    } else if (!type.empty() && type.back() == '!') {
      a.use = AttrDef::Use::Inferred;
      type.pop_back();
    }
    auto t = types.find(type);
    internalCheck(t != types.end(), "op table", op + ": attribute '" + a.name + "' has unknown type '" + type + "'");
    a.type = t->second;
    attrs.push_back(a);
  }
  return attrs;
}

std::vector<OpDef> buildTable() {
  using namespace typerules;
  std::vector<OpDef> table;
#define OP(enumerator, spelling, minIn, maxIn, inputNames, attrSpec, rule, traits, gradient, tosa, flops, doc) \
  table.push_back(OpDef{Op::enumerator, spelling, minIn, maxIn, split(inputNames, ','),                        \
                        parseAttrs(spelling, attrSpec), attrSpec, &rule, traits, gradient, tosa, flops, doc});
#include "ir/ops.def"
#undef OP
  return table;
}

}  // namespace

const std::vector<OpDef>& allOps() {
  static const std::vector<OpDef> table = buildTable();
  return table;
}

const OpDef& opDef(Op op) { return allOps()[opIndex(op)]; }

const std::string& opName(Op op) { return opDef(op).name; }

std::optional<Op> parseOp(const std::string& name) {
  static const std::map<std::string, Op> index = [] {
    std::map<std::string, Op> m;
    for (const OpDef& d : allOps()) m[d.name] = d.op;
    return m;
  }();
  auto it = index.find(name);
  if (it == index.end()) return std::nullopt;
  return it->second;
}

}  // namespace graphc
