// \file The --metrics-json text: fields of cli.md, and strings escaped so any JSON reader accepts it.
#include <gtest/gtest.h>

#include "runtime/metrics_json.h"

namespace graphc {
namespace {

TEST(MetricsJson, EscapesQuotesBackslashesAndControlCharacters) {
  RunResult r;
  r.model = "odd\"name\\with\ttab\n";
  std::string json = metricsJson(r, "host");
  EXPECT_NE(json.find(R"("model": "odd\"name\\with\u0009tab\u000a")"), std::string::npos) << json;
}

TEST(MetricsJson, HasTheFieldsOfTheCliSpec) {
  RunResult r;
  r.model = "m";
  r.metricNames = {"acc"};
  r.testMetrics = {0.5};
  EpochRecord e;
  e.epoch = 1;
  e.metrics = {0.25};
  r.history.push_back(e);
  std::string json = metricsJson(r, "host");
  for (const char* field : {"model", "target", "epochs", "steps", "batch", "test_loss", "test_accuracy", "history",
                            "train_images_per_second", "compile_seconds", "cache_hits", "kernels"})
    EXPECT_NE(json.find(std::string("\"") + field + "\":"), std::string::npos) << field << " missing in " << json;
  EXPECT_NE(json.find("\"test_accuracy\": 0.5"), std::string::npos) << json;
}

}  // namespace
}  // namespace graphc
