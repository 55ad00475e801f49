// \file docs/ops.md, generated from the op table (ir/ops.def): the test fails when the file is out
// of date, and UPDATE_GOLDEN=1 rewrites it (as it does the golden dumps).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "ir/op_table.h"

namespace graphc {
namespace {

const char* kDocsPath = GRAPHC_SOURCE_DIR "/docs/ops.md";

std::string join(const std::vector<std::string>& parts, const char* sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? sep : "") + parts[i];
  return out;
}

std::string traitNames(const OpDef& op) {
  static const std::pair<Traits, const char*> names[] = {
      {trait::Source, "source"},       {trait::Elementwise, "elementwise"}, {trait::TiledProducer, "tiled"},
      {trait::Reduction, "reduction"}, {trait::Random, "random"},           {trait::GradientHelper, "gradient helper"},
      {trait::IndexMap, "index map"},  {trait::Builtin, "DSL builtin"}};
  std::vector<std::string> out;
  for (const auto& [t, name] : names)
    if (op.has(t)) out.push_back(name);
  return join(out, ", ");
}

std::string gradientName(Gradient g) {
  switch (g) {
    case Gradient::Rule:
      return "rule";
    case Gradient::NotDifferentiable:
      return "none";
    case Gradient::Zero:
      return "zero";
  }
  return "";
}

std::string arity(const OpDef& op) {
  if (op.minInputs == op.maxInputs) return join(op.inputs, ", ");
  return fmt::format("{} ({} to {})", join(op.inputs, ", "), op.minInputs, op.maxInputs);
}

// Text for a Markdown table cell: `|` would end the cell.
std::string cell(const std::string& text) {
  std::string out;
  for (char c : text) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

// The attributes as ops.def spells them.
std::string attributes(const OpDef& op) { return op.attrSpec.empty() ? "" : "`" + cell(op.attrSpec) + "`"; }

std::string generateOpsDoc() {
  std::string out =
      "# graphc's ops\n\n"
      "Generated from [`ir/ops.def`](../ir/ops.def) by `tests/unit/test_op_docs.cpp`; do not edit. After\n"
      "changing the table, `UPDATE_GOLDEN=1 ./build/tests/graphc_unit_tests --gtest_filter=OpDocs.*` rewrites\n"
      "this file (the test fails while it is out of date). `ir/ops.def`'s header explains each column;\n"
      "README.md, \"Adding an op\", walks through adding one.\n\n"
      "Attributes: `name: type` required, `= default` written by the front end when absent, `?` optional\n"
      "(set by the compiler only), `!` set by the type rule. Gradient: `rule` (passes/gradient_rules.cpp),\n"
      "`none` (no gradient flows through it), `zero`. TOSA: `yes` (export/mlir_export.cpp) or `no` (no TOSA\n"
      "form). DSL builtins are called by their spelling with the inputs and attributes as arguments.\n\n";
  out += fmt::format("{} ops.\n\n", allOps().size());
  out += "| op | inputs | attributes | traits | gradient | TOSA | what it computes |\n";
  out += "| --- | --- | --- | --- | --- | --- | --- |\n";
  for (const OpDef& op : allOps())
    out += fmt::format("| `{}` | {} | {} | {} | {} | {} | {} |\n", op.name, arity(op), attributes(op), traitNames(op),
                       gradientName(op.gradient), op.tosa == Tosa::Translated ? "yes" : "no", cell(op.doc));
  return out;
}

TEST(OpDocs, DocsOpsMdIsGeneratedFromTheTable) {
  std::string expected = generateOpsDoc();
  const char* update = std::getenv("UPDATE_GOLDEN");
  if (update && std::string(update) == "1") {
    std::ofstream(kDocsPath, std::ios::binary) << expected;
    GTEST_SKIP() << "rewrote " << kDocsPath;
  }
  std::ifstream in(kDocsPath, std::ios::binary);
  std::stringstream actual;
  actual << in.rdbuf();
  EXPECT_EQ(actual.str(), expected) << kDocsPath << " is out of date: run UPDATE_GOLDEN=1 "
                                    << "./build/tests/graphc_unit_tests --gtest_filter=OpDocs.* and commit it";
}

}  // namespace
}  // namespace graphc
