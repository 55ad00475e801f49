// \file Image classification data sets in IDX files: MNIST, Fashion-MNIST, or any IDX folder.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/model.h"

namespace graphc {

struct LabeledImages {
  int64_t count = 0;
  int64_t pixels = 0;             // per image (28 * 28 for MNIST)
  int64_t height = 0, width = 0;  // of each image, as the file's header gives them
  int64_t channels = 1;           // pixels = height * width * channels, channels interleaved
  std::vector<uint8_t> images;
  std::vector<uint8_t> labels;
  int classes = 0;  // 1 + the largest label
};

struct DataSplit {
  LabeledImages train;
  LabeledImages test;
  std::vector<std::string> files;  // the files read, for messages
  // Class id -> name, where the data names its classes (image_folder's folders); else empty.
  std::vector<std::string> classNames;
};

// The folder `data/` of graphc's source tree, $GRAPHC_DATA, or the explicit --data-dir.
std::string defaultDataDir();

// Loads the train and t10k files of the data set the spec names. A missing file is an
// InputError that names every place looked in; a corrupt one names the file and the problem.
DataSplit loadDataSet(const DataSpec& spec, const std::string& dataDir);

}  // namespace graphc
