// \file What a run with --log-dir leaves of its final test evaluation, so that `graphc plot` can
// draw predictions.png and confusion.png without the model:
//
//   predictions.csv   index,label,predicted: one row per test example (predicted: the argmax of
//                     the model's class scores, as `graphc predict` finds them)
//   samples.idx       the first 25 test images, an IDX file of unsigned bytes (N x H x W)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/dataset.h"

namespace graphc {

constexpr int64_t kPredictionSamples = 25;  // the 5 x 5 grid of predictions.png

// Writes dir/predictions.csv and dir/samples.idx (each atomically); predicted[i] is test example
// i's predicted class. A RunFailure when a file cannot be written.
void writeTestPredictions(const std::string& dir, const LabeledImages& test, const std::vector<int>& predicted);

struct TestPredictions {
  std::vector<int> labels, predicted;  // per test example
  int classes = 0;                     // 1 + the largest label or prediction
  int64_t sampleCount = 0, height = 0, width = 0;
  std::vector<uint8_t> samples;  // sampleCount images of height x width, row-major
};

// Reads them back; an InputError when predictions.csv or samples.idx is missing or malformed.
TestPredictions readTestPredictions(const std::string& dir);

}  // namespace graphc
