// \file Monitor names as the run prints them, plus Keras' long accuracy names.
#include "ir/monitor.h"

namespace graphc {
namespace {

bool isAccuracyName(const std::string& s) { return s == "acc" || s == "accuracy"; }

}  // namespace

std::optional<MonitorRef> findMonitor(const std::string& name, const std::string& mode, const TrainConfig& cfg) {
  MonitorRef ref;
  std::string base = name;
  if (base.rfind("val_", 0) == 0) {
    if (cfg.validation == "none") return std::nullopt;
    ref.validation = true;
    base = base.substr(4);
  }
  if (base != "loss") {
    for (size_t m = 0; m < cfg.metricNames.size() && ref.metric < 0; ++m)
      if (cfg.metricNames[m] == base || (isAccuracyName(base) && isAccuracyName(cfg.metricNames[m])))
        ref.metric = static_cast<int>(m);
    if (ref.metric < 0) return std::nullopt;
  }
  // Keras' "auto": accuracies are maximized, everything else minimized.
  ref.maximize = mode == "max" || (mode == "auto" && name.find("acc") != std::string::npos);
  return ref;
}

std::vector<std::string> monitorNames(const TrainConfig& cfg) {
  std::vector<std::string> names = {"loss"};
  names.insert(names.end(), cfg.metricNames.begin(), cfg.metricNames.end());
  if (cfg.validation != "none") {
    names.push_back("val_loss");
    for (const std::string& m : cfg.metricNames) names.push_back("val_" + m);
  }
  return names;
}

}  // namespace graphc
