// \file summary.txt and hparams.csv of a --log-dir.
#include "runtime/run_description.h"

#include <fmt/format.h>

#include <utility>
#include <vector>

#include "frontend/summary.h"
#include "support/atomic_file.h"
#include "support/diagnostics.h"

namespace graphc {
namespace {

void writeOrFail(const std::string& path, const std::string& bytes) {
  std::string why = writeFileAtomically(path, bytes);
  if (!why.empty()) throw RunFailure(fmt::format("cannot write {}: {}", path, why));
}

// A CSV cell: quoted when it holds a comma or a quote (RFC 4180).
std::string cell(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

}  // namespace

void writeRunDescription(const std::string& dir, const Model& model, const TrainConfig& cfg) {
  writeOrFail(dir + "/summary.txt", printSummary(model));
  std::string metrics;
  for (const std::string& m : cfg.metricNames) metrics += (metrics.empty() ? "" : " ") + m;
  std::vector<std::pair<std::string, std::string>> rows = {
      {"model", model.graph.modelName},
      {"file", model.graph.file},
      {"data", cfg.data.kind + (cfg.data.dir.empty() ? "" : "(" + cfg.data.dir + ")")},
      {"scale", fmt::format("{}", cfg.data.scale)},
      {"optimizer", cfg.optimizer.kind},
      {"learning_rate", fmt::format("{}", cfg.optimizer.learningRate)},
      {"batch", fmt::format("{}", cfg.batch)},
      {cfg.steps ? "steps" : "epochs", fmt::format("{}", cfg.steps ? cfg.steps : cfg.epochs)},
      {"validation", cfg.validation},
      {"metrics", metrics},
      {"shuffle", cfg.shuffle ? "true" : "false"},
      {"seed", fmt::format("{}", cfg.seed)},
  };
  std::string csv = "name,value\n";
  for (const auto& [name, value] : rows) csv += cell(name) + "," + cell(value) + "\n";
  writeOrFail(dir + "/hparams.csv", csv);
}

}  // namespace graphc
