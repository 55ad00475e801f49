// \file What a callback's `monitor` names: the loss or a metric, on the training or the
// validation data, and which way is better.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ir/model.h"

namespace graphc {

struct MonitorRef {
  bool validation = false;  // val_...
  int metric = -1;          // index into the train block's metrics; -1 for the loss
  bool maximize = false;    // the better value is the larger
};

// The monitored quantity `name` (mode: min, max or auto) among what a run of cfg reports, or
// nothing when the run does not report it (no such metric, or val_ without validation).
std::optional<MonitorRef> findMonitor(const std::string& name, const std::string& mode, const TrainConfig& cfg);

// The names a run of cfg reports, for messages: loss, the metrics, then their val_ forms.
std::vector<std::string> monitorNames(const TrainConfig& cfg);

}  // namespace graphc
