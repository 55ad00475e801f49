// \file Finding the files (and image folders) of a data set (where scripts/fetch_mnist.sh puts MNIST,
// relative paths beside the .mnn file, then in the data folder) and reading them with the source's reader.
#include "runtime/dataset.h"

#include <sys/stat.h>

#include <cstdlib>

#include "runtime/csv_table.h"
#include "runtime/idx.h"
#include "runtime/image_folder.h"
#include "runtime/labeled_arrays.h"
#include "runtime/numpy_array.h"
#include "support/diagnostics.h"

namespace graphc {
namespace {

// Anything by that name: a FIFO or a device is then refused by the reader, saying what it is.
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

// `what` names the path in the message when it is in none of the places dataPathCandidates gives.
std::string resolve(const DataSpec& spec, const std::string& dataDir, const std::string& path,
                    const std::string& what = "data file") {
  std::vector<std::string> candidates = dataPathCandidates(spec, dataDir, path);
  std::string looked;
  for (const std::string& candidate : candidates) {
    if (exists(candidate)) return candidate;
    looked += "\n  " + candidate;
  }
  if (candidates.size() == 1) throw InputError(what + " '" + path + "' not found");
  throw InputError(what + " '" + path + "' not found; looked in the model's folder and the data folder:" + looked +
                   "\n(pass --data-dir DIR, or give an absolute path)");
}

LabeledImages loadIdxPair(const std::vector<std::string>& dirs, const std::string& prefix,
                          std::vector<std::string>& files) {
  std::string imgPath = findFile(dirs, prefix + "-images-idx3-ubyte");
  std::string lblPath = findFile(dirs, prefix + "-labels-idx1-ubyte");
  files.push_back(imgPath);
  files.push_back(lblPath);
  IdxArray img = readIdx(imgPath);
  IdxIntegers lbl = readIdxIntegers(lblPath);
  if (img.dims.size() != 3 && img.dims.size() != 4)
    throw InputError(imgPath +
                     ": expected 3 dimensions (count, rows, columns) or 4 (count, rows, columns, channels), found " +
                     std::to_string(img.dims.size()));
  if (lbl.dims.size() != 1)
    throw InputError(lblPath + ": expected 1 dimension (count), found " + std::to_string(lbl.dims.size()));
  if (img.dims[0] != lbl.dims[0])
    throw InputError(imgPath + " holds " + std::to_string(img.dims[0]) + " images but " + lblPath + " holds " +
                     std::to_string(lbl.dims[0]) + " labels");
  LabeledImages set;
  setImageShape(set, img.dims, imgPath);
  set.images = std::move(img.data);
  setLabelValues(
      set, [&](size_t i) { return static_cast<double>(lbl.values[i]); }, lblPath);
  return set;
}

// Labels of shape [N] or [N, 1] (keras.datasets' CIFAR-10 has [N, 1]), as many as the images.
LabeledImages fromArrays(NumpyArray&& images, const NumpyArray& labels) {
  LabeledImages set;
  setImageShape(set, images.dims, images.name);
  const auto& d = labels.dims;
  if (!(d.size() == 1 || (d.size() == 2 && d[1] == 1)))
    throw InputError(labels.name + ": labels must be an array [N] or [N, 1] of class ids, found " +
                     std::to_string(d.size()) + " dimensions");
  if (d[0] != set.count)
    throw InputError(images.name + " holds " + std::to_string(set.count) + " images but " + labels.name + " holds " +
                     std::to_string(d[0]) + " labels");
  if (images.kind == 'u') {
    set.images = std::move(images.data);
  } else {
    setImageValues(
        set, [&](size_t i) { return images.value(i); }, images.name);
  }
  setLabelValues(
      set, [&](size_t i) { return labels.value(i); }, labels.name);
  return set;
}

DataSplit loadArrays(std::vector<NumpyArray> arrays) {
  DataSplit split;
  for (const NumpyArray& a : arrays) split.files.push_back(a.name);
  split.train = fromArrays(std::move(arrays[0]), arrays[1]);
  split.test = fromArrays(std::move(arrays[2]), arrays[3]);
  return split;
}

// The column of a CSV file's labels: its index as written, or the header's column of that name.
int64_t labelColumn(const DataSpec& spec, const CsvTable& t) {
  const std::string& name = spec.labelColumn;
  if (!name.empty() && name.find_first_not_of("0123456789") == std::string::npos) {
    int64_t index = std::stoll(name.substr(0, 9));
    if (index >= t.columns)
      throw InputError(t.path + ": the label column " + name + " does not exist: the rows have " +
                       std::to_string(t.columns) + " columns (0 to " + std::to_string(t.columns - 1) + ")");
    return index;
  }
  if (t.header.empty())
    throw InputError(t.path + ": no header row names a column '" + name +
                     "'; give the label column's index instead: csv(..., label = 0)");
  for (size_t c = 0; c < t.header.size(); ++c)
    if (t.header[c] == name) return static_cast<int64_t>(c);
  std::string names;
  for (const std::string& h : t.header) names += (names.empty() ? "" : ", ") + h.substr(0, 40);
  if (names.size() > 200) names = names.substr(0, 200) + ", ...";
  throw InputError(t.path + ": no column named '" + name + "' (the header has: " + names + ")");
}

LabeledImages fromCsv(const DataSpec& spec, const CsvTable& t) {
  int64_t label = labelColumn(spec, t);
  int64_t features = t.columns - 1;
  if (features == 0) throw InputError(t.path + ": the rows hold a label but no feature columns");
  std::vector<int64_t> shape = spec.shape.empty() ? std::vector<int64_t>{features} : spec.shape;
  int64_t size = 1;
  std::string written;
  for (int64_t d : shape) size *= d, written += (written.empty() ? "" : ", ") + std::to_string(d);
  if (size != features)
    throw InputError(t.path + ": the rows hold " + std::to_string(features) +
                     " feature columns besides the label, but shape [" + written + "] needs " + std::to_string(size));
  shape.insert(shape.begin(), t.rows());
  LabeledImages set;
  setImageShape(set, shape, t.path);
  auto cols = static_cast<size_t>(t.columns), lab = static_cast<size_t>(label), f = static_cast<size_t>(features);
  setImageValues(
      set,
      [&](size_t i) {
        size_t row = i / f, col = i % f;
        return static_cast<double>(t.values[row * cols + (col < lab ? col : col + 1)]);
      },
      t.path);
  std::string where = t.path + " (the label column " + std::to_string(label) + ")";
  setLabelValues(
      set, [&](size_t i) { return static_cast<double>(t.values[i * cols + lab]); }, where);
  return set;
}

DataSplit loadCsv(const DataSpec& spec, const std::string& dataDir) {
  DataSplit split;
  CsvTable train = readCsv(resolve(spec, dataDir, spec.dir));
  CsvTable test = readCsv(resolve(spec, dataDir, spec.testFile));
  split.files = {train.path, train.path, test.path, test.path};
  split.train = fromCsv(spec, train);
  split.test = fromCsv(spec, test);
  return split;
}

// The source's `classes`: every label must lie below it.
void checkClasses(const DataSpec& spec, LabeledImages& set, const std::string& labelFile) {
  if (spec.classes <= 0) return;
  for (size_t i = 0; i < set.labels.size(); ++i)
    if (set.labels[i] >= spec.classes)
      throw InputError(labelFile + ": example " + std::to_string(i) + " has label " + std::to_string(set.labels[i]) +
                       ", outside the data set's classes = " + std::to_string(spec.classes) + " (labels 0 to " +
                       std::to_string(spec.classes - 1) + ")");
  set.classes = static_cast<int>(spec.classes);
}

std::string sizeOf(const LabeledImages& s) {
  return std::to_string(s.height) + "x" + std::to_string(s.width) + "x" + std::to_string(s.channels);
}

}  // namespace

std::vector<std::string> dataPathCandidates(const DataSpec& spec, const std::string& dataDir, const std::string& path) {
  if (!path.empty() && path[0] == '/') return {path};
  return {spec.baseDir + "/" + path, dataDir + "/" + path};
}

std::string defaultDataDir() {
  if (const char* env = std::getenv("GRAPHC_DATA"); env && *env) return env;
  return std::string(GRAPHC_SOURCE_DIR) + "/data";
}

DataSplit loadDataSet(const DataSpec& spec, const std::string& dataDir) {
  DataSplit split;
  if (spec.kind == "npz") {
    std::string file = resolve(spec, dataDir, spec.dir);
    split = loadArrays({readNpzArray(file, spec.images), readNpzArray(file, spec.labels),
                        readNpzArray(file, spec.testImages), readNpzArray(file, spec.testLabels)});
  } else if (spec.kind == "npy") {
    split = loadArrays({readNpy(resolve(spec, dataDir, spec.images)), readNpy(resolve(spec, dataDir, spec.labels)),
                        readNpy(resolve(spec, dataDir, spec.testImages)),
                        readNpy(resolve(spec, dataDir, spec.testLabels))});
  } else if (spec.kind == "csv") {
    split = loadCsv(spec, dataDir);
  } else if (spec.kind == "image_folder") {
    DataSpec found = spec;
    found.dir = resolve(spec, dataDir, spec.dir, "data folder");
    split = loadImageFolder(found);
  } else {
    std::vector<std::string> dirs;
    if (spec.kind == "mnist")
      dirs = {dataDir + "/mnist"};
    else if (spec.kind == "fashion_mnist")
      dirs = {dataDir + "/fashion-mnist", "/usr/share/datasets/fashion-mnist"};
    else
      dirs = {resolve(spec, dataDir, spec.dir)};
    split.train = loadIdxPair(dirs, "train", split.files);
    split.test = loadIdxPair(dirs, "t10k", split.files);
  }
  if (split.train.pixels != split.test.pixels || split.train.channels != split.test.channels)
    throw InputError(split.files[0] + " holds images of " + sizeOf(split.train) + " but " + split.files[2] +
                     " holds images of " + sizeOf(split.test) + " (height x width x channels)");
  checkClasses(spec, split.train, split.files[1]);
  checkClasses(spec, split.test, split.files[3]);
  for (const auto* values : {&spec.mean, &spec.std})
    if (values->size() > 1 && static_cast<int64_t>(values->size()) != split.train.channels)
      throw UserError(spec.loc, std::string(values == &spec.mean ? "mean" : "std") + " has " +
                                    std::to_string(values->size()) + " values but the images of " + split.files[0] +
                                    " have " + std::to_string(split.train.channels) +
                                    (split.train.channels == 1 ? " channel" : " channels") +
                                    " (give one value a channel, or one for all)");
  return split;
}

}  // namespace graphc
