// \file JSON for --metrics-json: numbers printed with enough digits to round-trip.
#include "runtime/metrics_json.h"

#include <fmt/format.h>

#include <cmath>
#include <sstream>

#include "support/atomic_file.h"
#include "support/diagnostics.h"

namespace graphc {
namespace {

std::string num(double v) {
  if (!std::isfinite(v)) return "null";
  return fmt::format("{:.10g}", v);
}

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned char>(c));
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// Keras names accuracy metrics "accuracy" in its logs; graphc uses the metric's binding name.
std::string metricsFields(const std::vector<std::string>& names, const std::vector<double>& values,
                          const std::string& prefix) {
  std::string s;
  for (size_t i = 0; i < names.size() && i < values.size(); ++i)
    if (names[i] != "accuracy") s += ", " + quoted(prefix + names[i]) + ": " + num(values[i]);
  return s;
}

}  // namespace

std::string metricsJson(const RunResult& r, const std::string& target) {
  std::ostringstream os;
  os << "{\"model\": " << quoted(r.model) << ", \"target\": " << quoted(target) << ", \"epochs\": " << r.epochs
     << ", \"steps\": " << r.steps << ", \"batch\": " << r.batch << ",\n \"test_loss\": " << num(r.testLoss)
     << ", \"test_accuracy\": " << (r.testMetrics.empty() ? "null" : num(r.testMetrics[0]))
     << metricsFields(r.metricNames, r.testMetrics, "test_") << ",\n \"history\": [";
  for (size_t i = 0; i < r.history.size(); ++i) {
    const EpochRecord& e = r.history[i];
    os << (i ? ",\n   " : "\n   ") << "{\"epoch\": " << e.epoch << ", \"loss\": " << num(e.loss)
       << ", \"accuracy\": " << (e.metrics.empty() ? "null" : num(e.metrics[0]));
    if (e.validated)
      os << ", \"val_loss\": " << num(e.valLoss)
         << ", \"val_accuracy\": " << (e.valMetrics.empty() ? "null" : num(e.valMetrics[0]));
    os << metricsFields(r.metricNames, e.metrics, "") << metricsFields(r.metricNames, e.valMetrics, "val_")
       << ", \"lr\": " << num(e.learningRate) << ", \"seconds\": " << num(e.seconds) << "}";
  }
  os << "],\n \"train_images_per_second\": " << num(r.trainImagesPerSecond)
     << ", \"compile_seconds\": " << num(r.compileSeconds) << ", \"cache_hits\": " << r.cacheHits
     << ", \"kernels\": " << r.kernels << ", \"stopped_early\": " << (r.stoppedEarly ? "true" : "false");
  // Data-parallel runs (docs/distributed.md): the processes and rank 0's time in allreduce.
  if (r.ranks > 1) os << ", \"ranks\": " << r.ranks << ", \"allreduce_seconds\": " << num(r.allreduceSeconds);
  os << "}\n";
  return os.str();
}

void checkDestination(const std::string& path, const std::string& what) {
  std::string why = whyNotWritable(path);
  if (!why.empty()) throw InputError(path + ": cannot write " + what + " there (" + why + ")");
}

void writeTextFile(const std::string& path, const std::string& text, const std::string& what) {
  checkDestination(path, what);
  // The destination was fine: a failure now is the machine's (a full disk), not the input's.
  std::string error = writeFileAtomically(path, text);
  if (!error.empty()) throw RunFailure(path + ": cannot write " + what + ": " + error);
}

}  // namespace graphc
