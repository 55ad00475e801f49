// \file Reading an image folder: listing its class folders in sorted order, decoding, converting and
// resizing every image, and refusing what training would otherwise trip over later.
#include "runtime/image_folder.h"

#include <fmt/core.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "runtime/image_decode.h"
#include "support/diagnostics.h"

namespace graphc {
namespace {

namespace fs = std::filesystem;

// Sorted names in dir of the entries that are (wantDirs) folders or (else) image files; hidden
// entries (".DS_Store", ".ipynb_checkpoints") are skipped as Keras skips them.
std::vector<std::string> listEntries(const std::string& dir, bool wantDirs) {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.empty() || name[0] == '.') continue;
    bool isDir = it->is_directory(ec);
    if (wantDirs ? isDir : !isDir && hasImageExtension(name)) names.push_back(name);
  }
  if (ec) throw InputError(dir + ": cannot list the folder (" + ec.message() + ")");
  std::sort(names.begin(), names.end());
  return names;
}

bool isDirectory(const std::string& path) {
  std::error_code ec;
  return fs::is_directory(path, ec);
}

std::string sizeText(const Image& image) { return fmt::format("{}x{}", image.width, image.height); }

// Decodes the images of one split into set, class folder by class folder.
class SplitReader {
 public:
  SplitReader(const DataSpec& spec, const std::vector<std::string>& classes) : spec_(spec), classes_(classes) {}

  void read(const std::string& splitDir, LabeledImages& set) {
    for (const std::string& name : listEntries(splitDir, true)) {
      auto cls = std::find(classes_.begin(), classes_.end(), name);
      if (cls == classes_.end())
        throw InputError(splitDir + "/" + name + ": a class that " + spec_.dir + "/train has no folder for");
      std::string classDir = splitDir + "/" + name;
      std::vector<std::string> files = listEntries(classDir, false);
      if (files.empty()) throw InputError(classDir + ": empty class folder (no .png, .jpg or .jpeg image)");
      for (const std::string& file : files)
        add(classDir + "/" + file, static_cast<int32_t>(cls - classes_.begin()), set);
    }
    set.classes = static_cast<int>(classes_.size());
  }

  // One note for the whole data set, after both splits.
  void note(std::FILE* out) const {
    if (converted_ == 0 || !out) return;
    fmt::print(out, "graphc: note: {} of the images in {} are {}; converted to {} (channels = {})\n", converted_,
               spec_.dir, channelsName(4 - spec_.imageChannels), channelsName(spec_.imageChannels),
               spec_.imageChannels);
  }

 private:
  void add(const std::string& path, int32_t label, LabeledImages& set) {
    Image image = readImage(path);
    if (image.channels != spec_.imageChannels) {
      image = convertChannels(image, spec_.imageChannels);
      ++converted_;
    }
    if (spec_.imageHeight > 0) {
      image = resizeImage(image, spec_.imageHeight, spec_.imageWidth);
    } else if (firstPath_.empty()) {
      firstPath_ = path;
      firstSize_ = sizeText(image);
    } else if (image.height != height_ || image.width != width_) {
      throw InputError(path + ": the image is " + sizeText(image) + " pixels but " + firstPath_ + " is " + firstSize_ +
                       "; images of different sizes need size = [H, W] in image_folder(...) to be resized to one");
    }
    height_ = image.height;
    width_ = image.width;
    set.height = image.height;
    set.width = image.width;
    set.channels = image.channels;
    set.pixels = image.height * image.width * image.channels;
    set.images.insert(set.images.end(), image.pixels.begin(), image.pixels.end());
    set.labels.push_back(label);
    ++set.count;
  }

  const DataSpec& spec_;
  const std::vector<std::string>& classes_;
  std::string firstPath_, firstSize_;
  int64_t height_ = 0, width_ = 0;
  int64_t converted_ = 0;
};

}  // namespace

std::vector<std::string> imageFolderClasses(const std::string& dir) {
  if (!isDirectory(dir)) throw InputError(dir + ": no such folder (image_folder reads DIR/train/CLASS/*.png|jpg)");
  std::string train = dir + "/train";
  if (!isDirectory(train))
    throw InputError(dir + ": no train/ folder; image_folder(\"DIR\") reads DIR/train/CLASS/*.png|jpg and " +
                     "DIR/test/CLASS/...");
  std::vector<std::string> classes = listEntries(train, true);
  if (classes.empty()) throw InputError(train + ": no class folders (expected " + train + "/CLASS/*.png|jpg)");
  return classes;
}

DataSplit loadImageFolder(const DataSpec& spec, std::FILE* notes) {
  DataSplit split;
  split.classNames = imageFolderClasses(spec.dir);
  std::string train = spec.dir + "/train", test = spec.dir + "/test";
  SplitReader reader(spec, split.classNames);
  reader.read(train, split.train);
  if (isDirectory(test)) {
    reader.read(test, split.test);
  } else {
    split.test.height = split.train.height;
    split.test.width = split.train.width;
    split.test.channels = split.train.channels;
    split.test.pixels = split.train.pixels;
    split.test.classes = split.train.classes;
  }
  reader.note(notes);
  // Images and labels come from the same folders; the label "file" of a message is the split's folder.
  split.files = {train, train, test, test};
  return split;
}

LabeledImages selectExamples(const LabeledImages& set, const std::vector<int64_t>& indices) {
  LabeledImages out = set;
  out.count = static_cast<int64_t>(indices.size());
  out.images.clear();
  out.labels.clear();
  for (int64_t i : indices) {
    auto first = set.images.begin() + i * set.pixels;
    out.images.insert(out.images.end(), first, first + set.pixels);
    out.labels.push_back(set.labels[static_cast<size_t>(i)]);
  }
  return out;
}

}  // namespace graphc
