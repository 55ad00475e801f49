// \file Image classification data sets: MNIST, Fashion-MNIST, IDX folders, NumPy arrays (.npz,
// .npy), CSV files and folders of PNG and JPEG pictures (docs/data.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/model.h"

namespace graphc {

struct LabeledImages {
  int64_t count = 0;
  int64_t pixels = 0;              // values per image: height * width * channels (28 * 28 for MNIST)
  int64_t height = 0, width = 0;   // of each image; [N, D] arrays and CSV rows without a shape are 1 x D
  int64_t channels = 1;            // 3 for colour; an image's values are [height][width][channels]
  std::vector<uint8_t> images;     // count * pixels bytes, when the source holds bytes (or whole numbers 0-255)
  std::vector<float> floatImages;  // count * pixels floats instead when it holds other numbers; images is then empty
  std::vector<int32_t> labels;
  int classes = 0;  // 1 + the largest label, or the source's `classes`
};

struct DataSplit {
  LabeledImages train;
  LabeledImages test;
  // The files read, for messages: the training images and labels, then the test images and labels
  // (`archive.npz:x_train` for an array of an archive).
  std::vector<std::string> files;
  // Class id -> name, where the data names its classes (image_folder's folders); else empty.
  std::vector<std::string> classNames;
};

// Where a path of the train block may be, in the order looked in: as written when absolute, else
// beside the .mnn file (spec.baseDir), then in dataDir.
std::vector<std::string> dataPathCandidates(const DataSpec& spec, const std::string& dataDir, const std::string& path);

// The folder `data/` of graphc's source tree, $GRAPHC_DATA, or the explicit --data-dir.
std::string defaultDataDir();

// Loads the training and test sets of the data set the spec names; relative paths resolve against
// the .mnn file's folder, then dataDir. A missing file is an InputError that names every place
// looked in; a corrupt one names the file and the problem; a label that is not a class id
// (negative, fractional, or not below the spec's `classes`) names the file, the example and the label.
DataSplit loadDataSet(const DataSpec& spec, const std::string& dataDir);

}  // namespace graphc
