// \file Turning arrays of numbers read from a data file into LabeledImages: images kept as bytes
// when they are whole numbers from 0 to 255 (MNIST's memory and speed), as floats otherwise; labels
// checked to be class ids.
#pragma once

#include <functional>
#include <string>

#include "runtime/dataset.h"

namespace graphc {

// Element i of an array as a double.
using ValueAt = std::function<double(size_t)>;

// Sets set.count and the image size from an array's dimensions: [N, D] (1 x D), [N, H, W] (grey) or
// [N, H, W, C]; another rank is an InputError naming `name`.
void setImageShape(LabeledImages& set, const std::vector<int64_t>& dims, const std::string& name);

// Fills set.images (bytes) or set.floatImages from count * pixels values. A value that is not
// finite is an InputError naming `name` and the example.
void setImageValues(LabeledImages& set, const ValueAt& value, const std::string& name);

// Fills set.labels and set.classes from set.count values. A label that is not a whole number from 0
// to 2^31 - 1 is an InputError naming `name`, the example's index and the label.
void setLabelValues(LabeledImages& set, const ValueAt& value, const std::string& name);

}  // namespace graphc
