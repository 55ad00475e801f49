// \file Run progress as checkpoint metadata: one key per field, numbers as text.
#include "runtime/run_progress.h"

#include <fmt/format.h>

#include <cstdlib>
#include <sstream>

namespace graphc {
namespace {

std::string exact(double v) { return fmt::format("{:.17g}", v); }

}  // namespace

void writeProgress(const RunProgress& p, std::map<std::string, std::string>& metadata) {
  metadata["step"] = std::to_string(p.step);
  metadata["seed"] = std::to_string(p.seed);
  metadata["batch"] = std::to_string(p.batch);
  metadata["shuffle"] = p.shuffle ? "true" : "false";
  metadata["report_images"] = std::to_string(p.images);
  std::string sums = exact(p.lossSum);
  for (double m : p.metricSums) sums += " " + exact(m);
  metadata["report_sums"] = sums;
  metadata["early_stopping_best"] = exact(p.best);
  metadata["early_stopping_wait"] = std::to_string(p.sinceBest);
}

RunProgress readProgress(const std::map<std::string, std::string>& metadata, size_t metrics, bool* hasProgress) {
  RunProgress p;
  p.metricSums.assign(metrics, 0.0);
  auto text = [&](const char* key) -> const std::string* {
    auto it = metadata.find(key);
    return it == metadata.end() ? nullptr : &it->second;
  };
  if (auto s = text("step")) p.step = std::strtoll(s->c_str(), nullptr, 10);
  if (auto s = text("seed")) p.seed = std::strtoull(s->c_str(), nullptr, 10);
  if (auto s = text("batch")) p.batch = std::strtoll(s->c_str(), nullptr, 10);
  if (auto s = text("shuffle")) p.shuffle = *s != "false";
  if (auto s = text("early_stopping_best")) p.best = std::strtod(s->c_str(), nullptr);
  if (auto s = text("early_stopping_wait")) p.sinceBest = std::strtoll(s->c_str(), nullptr, 10);
  *hasProgress = false;
  const std::string* images = text("report_images");
  const std::string* sums = text("report_sums");
  if (!images || !sums) return p;
  std::istringstream in(*sums);
  std::vector<double> values;
  std::string word;
  while (in >> word) values.push_back(std::strtod(word.c_str(), nullptr));
  // A report over other metrics (another model's checkpoint) cannot be continued: start afresh.
  if (values.size() != metrics + 1) return p;
  p.images = std::strtoll(images->c_str(), nullptr, 10);
  p.lossSum = values[0];
  for (size_t m = 0; m < metrics; ++m) p.metricSums[m] = values[m + 1];
  *hasProgress = true;
  return p;
}

}  // namespace graphc
