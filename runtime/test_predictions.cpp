// \file predictions.csv and samples.idx of a --log-dir.
#include "runtime/test_predictions.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "runtime/idx.h"
#include "runtime/log_dir.h"
#include "support/atomic_file.h"
#include "support/diagnostics.h"
#include "support/regular_file.h"

namespace graphc {
namespace {

void writeOrFail(const std::string& path, const std::string& bytes) {
  std::string why = writeFileAtomically(path, bytes);
  if (!why.empty()) throw RunFailure(fmt::format("cannot write {}: {}", path, why));
}

void appendBigEndian(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xff);
}

// Example i as the 8-bit grey picture samples.idx holds: colour by the luma of ITU-R 601-2 (as
// runtime/png_images reads colour PNGs), float images stretched from their own range to 0-255.
std::string greySample(const LabeledImages& set, int64_t i) {
  auto pixels = static_cast<size_t>(set.pixels), channels = static_cast<size_t>(set.channels);
  std::vector<float> v(pixels);
  for (size_t k = 0; k < pixels; ++k)
    v[k] = set.floatImages.empty() ? set.images[static_cast<size_t>(i) * pixels + k]
                                   : set.floatImages[static_cast<size_t>(i) * pixels + k];
  if (!set.floatImages.empty()) {
    auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    float low = *lo, range = *hi > *lo ? *hi - *lo : 1.0f;
    for (float& x : v) x = (x - low) * 255.0f / range;
  }
  std::string grey(pixels / channels, '\0');
  for (size_t p = 0; p < grey.size(); ++p) {
    const float* c = &v[p * channels];
    float g = channels >= 3 ? 0.299f * c[0] + 0.587f * c[1] + 0.114f * c[2] : c[0];
    grey[p] = static_cast<char>(static_cast<uint8_t>(std::clamp(g + 0.5f, 0.0f, 255.0f)));
  }
  return grey;
}

}  // namespace

void writeTestPredictions(const std::string& dir, const LabeledImages& test, const std::vector<int>& predicted) {
  std::string csv = "index,label,predicted\n";
  for (size_t i = 0; i < predicted.size(); ++i) csv += fmt::format("{},{},{}\n", i, test.labels[i], predicted[i]);
  writeOrFail(dir + "/predictions.csv", csv);

  auto height = static_cast<uint32_t>(test.height);
  auto width = static_cast<uint32_t>(test.width);
  auto count = static_cast<uint32_t>(std::min(kPredictionSamples, test.count));
  std::string idx = {0, 0, 8, 3};  // unsigned bytes, 3 dimensions
  for (uint32_t d : {count, height, width}) appendBigEndian(idx, d);
  for (uint32_t i = 0; i < count; ++i) idx += greySample(test, i);
  writeOrFail(dir + "/samples.idx", idx);
}

TestPredictions readTestPredictions(const std::string& dir) {
  TestPredictions t;
  std::string path = dir + "/predictions.csv";
  std::string text, why;
  if (!readRegularFile(path, kMaxLogFileBytes, &text, &why))
    throw InputError(fmt::format("{}: cannot read it ({}; a run with --log-dir writes it at its end)", path, why));
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  if (line != "index,label,predicted")
    throw InputError(fmt::format("{}: the header is '{}', not index,label,predicted", path, line));
  for (int row = 2; std::getline(in, line); ++row) {
    long index = 0;
    int label = 0, predicted = 0;
    char end = 0;
    if (std::sscanf(line.c_str(), "%ld,%d,%d%c", &index, &label, &predicted, &end) != 3 || label < 0 || predicted < 0 ||
        label > 1000 || predicted > 1000)
      throw InputError(
          fmt::format("{}:{}: expected index,label,predicted (classes from 0), found '{}'", path, row, line));
    t.labels.push_back(label);
    t.predicted.push_back(predicted);
    t.classes = std::max({t.classes, label + 1, predicted + 1});
  }
  if (t.labels.empty()) throw InputError(fmt::format("{}: no rows", path));
  IdxArray samples = readIdx(dir + "/samples.idx");
  if (samples.dims.size() != 3) throw InputError(fmt::format("{}/samples.idx: expected N x H x W images", dir));
  t.sampleCount = std::min<int64_t>(samples.dims[0], static_cast<int64_t>(t.labels.size()));
  t.height = samples.dims[1];
  t.width = samples.dims[2];
  t.samples = std::move(samples.data);
  return t;
}

}  // namespace graphc
