// \file What a checkpoint records about its training data for `graphc predict`: the class names
// (image_folder's folders) and the mean brightness of the training images, as safetensors metadata.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "runtime/dataset.h"

namespace graphc {

// "class_names" (a JSON array, when the data names its classes) and "image_mean" (the training
// images' mean pixel over 255, in [0, 1]).
std::map<std::string, std::string> dataMetadata(const DataSplit& data);

// The class names a checkpoint's metadata holds; empty when it holds none. A malformed entry is
// an InputError naming source.
std::vector<std::string> classNamesFrom(const std::map<std::string, std::string>& metadata, const std::string& source);

// The training images' mean brightness in [0, 1], when the metadata holds it.
std::optional<double> imageMeanFrom(const std::map<std::string, std::string>& metadata);

}  // namespace graphc
