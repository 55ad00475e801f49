// \file Images and labels from arrays of numbers.
#include "runtime/labeled_arrays.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "support/diagnostics.h"

namespace graphc {

void setImageShape(LabeledImages& set, const std::vector<int64_t>& dims, const std::string& name) {
  std::string shape;
  for (int64_t d : dims) shape += (shape.empty() ? "" : ", ") + std::to_string(d);
  if (dims.size() < 2 || dims.size() > 4)
    throw InputError(name + ": images must be an array [N, H, W], [N, H, W, C] or [N, D], found [" + shape + "]");
  if (dims[0] == 0) throw InputError(name + ": the array holds no examples ([" + shape + "])");
  for (int64_t d : dims)
    if (d == 0) throw InputError(name + ": images of size 0 ([" + shape + "])");
  set.count = dims[0];
  set.height = dims.size() == 2 ? 1 : dims[1];
  set.width = dims.size() == 2 ? dims[1] : dims[2];
  set.channels = dims.size() == 4 ? dims[3] : 1;
  set.pixels = set.height * set.width * set.channels;
}

void setImageValues(LabeledImages& set, const ValueAt& value, const std::string& name) {
  auto total = static_cast<size_t>(set.count * set.pixels);
  bool bytes = true;
  for (size_t i = 0; i < total; ++i) {
    double v = value(i);
    if (!std::isfinite(v))
      throw InputError(fmt::format("{}: example {} has the value {} (at pixel {}); images must be finite numbers", name,
                                   i / static_cast<size_t>(set.pixels), v, i % static_cast<size_t>(set.pixels)));
    if (bytes && !(v >= 0 && v <= 255 && v == std::floor(v))) bytes = false;
  }
  if (bytes) {
    set.images.resize(total);
    for (size_t i = 0; i < total; ++i) set.images[i] = static_cast<uint8_t>(value(i));
  } else {
    set.floatImages.resize(total);
    for (size_t i = 0; i < total; ++i) set.floatImages[i] = static_cast<float>(value(i));
  }
}

void setLabelValues(LabeledImages& set, const ValueAt& value, const std::string& name) {
  set.labels.resize(static_cast<size_t>(set.count));
  int32_t largest = 0;
  for (size_t i = 0; i < set.labels.size(); ++i) {
    double v = value(i);
    if (!(v >= 0 && v < 2147483647.0 && v == std::floor(v)))
      throw InputError(fmt::format("{}: example {} has label {}; labels are class ids 0, 1, 2, ...", name, i, v));
    set.labels[i] = static_cast<int32_t>(v);
    largest = std::max(largest, set.labels[i]);
  }
  set.classes = largest + 1;
}

}  // namespace graphc
