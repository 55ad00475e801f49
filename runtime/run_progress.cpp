// \file Run progress as checkpoint metadata: one key per field, numbers as text.
#include "runtime/run_progress.h"

#include <fmt/format.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <sstream>

#include "support/diagnostics.h"

namespace graphc {
namespace {

std::string exact(double v) { return fmt::format("{:.17g}", v); }

[[noreturn]] void badField(const std::string& path, const std::string& key, const std::string& expected,
                           const std::string& found) {
  throw InputError(fmt::format("{}: the metadata field '{}' must be {}, found '{}'", path, key, expected, found));
}

// The whole text as an integer of at least `least`, else an error naming the field.
int64_t wholeNumber(const std::string& path, const std::string& key, const std::string& text, int64_t least) {
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno == ERANGE || v < least)
    badField(path, key, fmt::format("a whole number from {} up", least), text);
  return v;
}

// The whole text as a number; infinity only where allowed (early stopping's "nothing yet").
double realNumber(const std::string& path, const std::string& key, const std::string& text, bool infinityAllowed) {
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || std::isnan(v) || (std::isinf(v) && !(infinityAllowed && v > 0)))
    badField(path, key, infinityAllowed ? "a number or inf" : "a finite number", text);
  return v;
}

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

RunProgress readProgress(const std::map<std::string, std::string>& metadata, size_t metrics, bool* hasProgress,
                         const std::string& path) {
  RunProgress p;
  p.metricSums.assign(metrics, 0.0);
  auto text = [&](const char* key) -> const std::string* {
    auto it = metadata.find(key);
    return it == metadata.end() ? nullptr : &it->second;
  };
  if (auto s = text("step")) p.step = wholeNumber(path, "step", *s, 0);
  if (auto s = text("seed")) {
    char* end = nullptr;
    errno = 0;
    p.seed = std::strtoull(s->c_str(), &end, 10);  // all 64 bits; it would take "-1" as 2^64 - 1
    if (s->empty() || !std::isdigit(static_cast<unsigned char>((*s)[0])) || *end != '\0' || errno == ERANGE)
      badField(path, "seed", "a whole number from 0 up", *s);
  }
  if (auto s = text("batch")) p.batch = wholeNumber(path, "batch", *s, 1);
  if (auto s = text("shuffle")) {
    if (*s != "true" && *s != "false") badField(path, "shuffle", "true or false", *s);
    p.shuffle = *s == "true";
  }
  if (auto s = text("early_stopping_best")) p.best = realNumber(path, "early_stopping_best", *s, true);
  if (auto s = text("early_stopping_wait")) p.sinceBest = wholeNumber(path, "early_stopping_wait", *s, 0);
  *hasProgress = false;
  const std::string* images = text("report_images");
  const std::string* sums = text("report_sums");
  if (images) p.images = wholeNumber(path, "report_images", *images, 0);
  std::vector<double> values;
  if (sums) {
    std::istringstream in(*sums);
    std::string word;
    while (in >> word) values.push_back(realNumber(path, "report_sums", word, false));
  }
  // A report over other metrics (another model's checkpoint) cannot be continued: start afresh.
  if (!images || !sums || values.size() != metrics + 1) {
    p.images = 0;
    return p;
  }
  p.lossSum = values[0];
  for (size_t m = 0; m < metrics; ++m) p.metricSums[m] = values[m + 1];
  *hasProgress = true;
  return p;
}

}  // namespace graphc
