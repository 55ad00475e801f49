// \file `image_folder("DIR", size = [H, W], channels = 1 | 3)`: a data set of PNG and JPEG files laid
// out as DIR/train/CLASS/*.png|jpg and DIR/test/CLASS/..., as Keras' image_dataset_from_directory
// reads them.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "ir/model.h"
#include "runtime/dataset.h"

namespace graphc {

// The class names, the sorted names of DIR/train's folders (class id i is the i-th). An InputError
// when DIR/train is missing or holds no folder.
std::vector<std::string> imageFolderClasses(const std::string& dir);

// Decodes every image of DIR/train (and DIR/test when it exists; else the test set is empty), with
// spec.imageChannels channels, resized to spec.imageHeight x spec.imageWidth when given. Before
// any training: an unreadable or truncated image, an empty class folder, a test folder of a class
// train lacks, and images of different sizes without `size` are InputErrors naming the path.
// Converting grey files to colour or colour files to grey prints one note to `notes` (none when null).
DataSplit loadImageFolder(const DataSpec& spec, std::FILE* notes = stderr);

// The examples of set at indices, in that order: the test set of a folder without test/ is the
// validation split held out of train.
LabeledImages selectExamples(const LabeledImages& set, const std::vector<int64_t>& indices);

}  // namespace graphc
