// \file Finding and loading the IDX files of a data set, where scripts/fetch_mnist.sh puts them.
#include "runtime/dataset.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>

#include "runtime/idx.h"
#include "runtime/image_folder.h"
#include "support/diagnostics.h"

namespace graphc {
namespace {

// Anything by that name: a FIFO or a device is then refused by readIdx, saying what it is.
bool exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

std::string findFile(const std::vector<std::string>& dirs, const std::string& name) {
  std::string looked;
  for (const auto& dir : dirs)
    for (const char* ext : {"", ".gz"}) {
      std::string path = dir + "/" + name + ext;
      if (exists(path)) return path;
      looked += "\n  " + path;
    }
  throw InputError("data set file '" + name + "' not found; looked in:" + looked +
                   "\n(run scripts/fetch_mnist.sh, or pass --data-dir)");
}

LabeledImages loadPair(const std::vector<std::string>& dirs, const std::string& prefix,
                       std::vector<std::string>& files) {
  std::string imgPath = findFile(dirs, prefix + "-images-idx3-ubyte");
  std::string lblPath = findFile(dirs, prefix + "-labels-idx1-ubyte");
  files.push_back(imgPath);
  files.push_back(lblPath);
  IdxArray img = readIdx(imgPath);
  IdxArray lbl = readIdx(lblPath);
  if (img.dims.size() != 3)
    throw InputError(imgPath + ": expected 3 dimensions (count, rows, columns), found " +
                     std::to_string(img.dims.size()));
  if (lbl.dims.size() != 1)
    throw InputError(lblPath + ": expected 1 dimension (count), found " + std::to_string(lbl.dims.size()));
  if (img.dims[0] != lbl.dims[0])
    throw InputError(imgPath + " holds " + std::to_string(img.dims[0]) + " images but " + lblPath + " holds " +
                     std::to_string(lbl.dims[0]) + " labels");
  LabeledImages set;
  set.count = img.dims[0];
  set.pixels = img.dims[1] * img.dims[2];
  set.height = img.dims[1];
  set.width = img.dims[2];
  set.images = std::move(img.data);
  set.labels = std::move(lbl.data);
  set.classes = 1 + *std::max_element(set.labels.begin(), set.labels.end());
  return set;
}

}  // namespace

std::string defaultDataDir() {
  if (const char* env = std::getenv("GRAPHC_DATA"); env && *env) return env;
  return std::string(GRAPHC_SOURCE_DIR) + "/data";
}

DataSplit loadDataSet(const DataSpec& spec, const std::string& dataDir) {
  if (spec.kind == "image_folder") return loadImageFolder(spec);
  std::vector<std::string> dirs;
  if (spec.kind == "mnist")
    dirs = {dataDir + "/mnist"};
  else if (spec.kind == "fashion_mnist")
    dirs = {dataDir + "/fashion-mnist", "/usr/share/datasets/fashion-mnist"};
  else
    dirs = {spec.dir};
  DataSplit split;
  split.train = loadPair(dirs, "train", split.files);
  split.test = loadPair(dirs, "t10k", split.files);
  if (split.train.pixels != split.test.pixels)
    throw InputError(split.files[0] + " and " + split.files[2] + " hold images of different sizes");
  return split;
}

}  // namespace graphc
