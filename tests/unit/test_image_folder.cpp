// \file image_folder (runtime/image_folder.*): class ids in sorted folder order, pictures converted
// and resized as the spec says, the test split, and the folder problems refused with the path.
#include <gtest/gtest.h>
#include <stb_image_write.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "runtime/image_folder.h"
#include "support/diagnostics.h"

namespace graphc {
namespace {

class Folder {
 public:
  Folder() {
    char tmpl[] = "/tmp/graphc_image_folder_XXXXXX";
    dir_ = ::mkdtemp(tmpl);
  }
  ~Folder() { std::filesystem::remove_all(dir_); }
  const std::string& dir() const { return dir_; }

  // A flat w x h picture of value v with `channels` channels at dir/relative (PNG or JPEG by name).
  void picture(const std::string& relative, int w, int h, int channels, uint8_t v) const {
    std::string path = dir_ + "/" + relative;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::vector<uint8_t> pixels(static_cast<size_t>(w * h * channels), v);
    bool jpeg = path.size() > 4 && path.substr(path.size() - 4) == ".jpg";
    ASSERT_TRUE(jpeg ? stbi_write_jpg(path.c_str(), w, h, channels, pixels.data(), 100)
                     : stbi_write_png(path.c_str(), w, h, channels, pixels.data(), 0));
  }

 private:
  std::string dir_;
};

DataSpec folderSpec(const std::string& dir, int64_t height, int64_t width, int64_t channels) {
  DataSpec spec;
  spec.kind = "image_folder";
  spec.dir = dir;
  spec.imageHeight = height;
  spec.imageWidth = width;
  spec.imageChannels = channels;
  return spec;
}

std::string messageOf(const DataSpec& spec) {
  try {
    loadImageFolder(spec);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ImageFolder, ClassesInSortedOrderConvertedAndResized) {
  Folder f;
  f.picture("train/zebra/1.png", 10, 8, 1, 200);  // grey, repeated into RGB
  f.picture("train/ant/2.jpg", 5, 7, 3, 40);
  f.picture("train/ant/1.png", 12, 12, 3, 90);
  f.picture("train/.hidden/x.png", 3, 3, 1, 0);  // skipped, as are files of other types
  f.picture("train/ant/notes.txt.png", 4, 4, 1, 7);
  std::filesystem::rename(f.dir() + "/train/ant/notes.txt.png", f.dir() + "/train/ant/notes.txt");
  f.picture("test/zebra/1.jpg", 6, 6, 3, 120);
  DataSplit split = loadImageFolder(folderSpec(f.dir(), 4, 6, 3));
  EXPECT_EQ(split.classNames, (std::vector<std::string>{"ant", "zebra"}));
  ASSERT_EQ(split.train.count, 3);
  EXPECT_EQ(split.train.labels, (std::vector<int32_t>{0, 0, 1}));  // ant/1.png, ant/2.jpg, zebra/1.png
  EXPECT_EQ(split.train.height, 4);
  EXPECT_EQ(split.train.width, 6);
  EXPECT_EQ(split.train.channels, 3);
  EXPECT_EQ(split.train.pixels, 4 * 6 * 3);
  EXPECT_EQ(split.train.classes, 2);
  ASSERT_EQ(split.train.images.size(), size_t(3 * 72));
  // Flat pictures stay flat through a filter that sums to one; JPEG at quality 100 keeps a flat 40 within 2.
  for (size_t i = 0; i < 72; ++i) EXPECT_EQ(split.train.images[i], 90) << i;
  for (size_t i = 72; i < 144; ++i) EXPECT_NEAR(split.train.images[i], 40, 2) << i;
  for (size_t i = 144; i < 216; ++i) EXPECT_EQ(split.train.images[i], 200) << i;
  ASSERT_EQ(split.test.count, 1);
  EXPECT_EQ(split.test.labels, (std::vector<int32_t>{1}));
}

TEST(ImageFolder, ColourBecomesGreyAndTheTestSplitIsOptional) {
  Folder f;
  f.picture("train/a/1.png", 3, 2, 3, 100);
  f.picture("train/b/1.png", 3, 2, 1, 30);
  DataSplit split = loadImageFolder(folderSpec(f.dir(), 0, 0, 1));
  EXPECT_EQ(split.train.channels, 1);
  EXPECT_EQ(split.train.images, (std::vector<uint8_t>{100, 100, 100, 100, 100, 100, 30, 30, 30, 30, 30, 30}));
  EXPECT_EQ(split.test.count, 0);
  EXPECT_EQ(split.test.pixels, 6);
  LabeledImages picked = selectExamples(split.train, {1});
  EXPECT_EQ(picked.count, 1);
  EXPECT_EQ(picked.labels, (std::vector<int32_t>{1}));
  EXPECT_EQ(picked.images, std::vector<uint8_t>(6, 30));
}

TEST(ImageFolder, FolderProblemsNameThePath) {
  Folder f;
  EXPECT_NE(messageOf(folderSpec(f.dir(), 0, 0, 3)).find(f.dir() + ": no train/ folder"), std::string::npos);
  f.picture("train/a/1.png", 4, 4, 3, 1);
  f.picture("train/b/1.png", 5, 4, 3, 1);
  EXPECT_NE(messageOf(folderSpec(f.dir(), 0, 0, 3))
                .find(f.dir() + "/train/b/1.png: the image is 5x4 pixels but " + f.dir() + "/train/a/1.png is 4x4"),
            std::string::npos);
  EXPECT_NO_THROW(loadImageFolder(folderSpec(f.dir(), 4, 4, 3)));  // size resizes them to one
  std::filesystem::create_directories(f.dir() + "/train/c");
  EXPECT_EQ(messageOf(folderSpec(f.dir(), 4, 4, 3)),
            f.dir() + "/train/c: empty class folder (no .png, .jpg or .jpeg image)");
  std::filesystem::remove(f.dir() + "/train/c");
  f.picture("test/d/1.png", 4, 4, 3, 1);
  EXPECT_EQ(messageOf(folderSpec(f.dir(), 4, 4, 3)),
            f.dir() + "/test/d: a class that " + f.dir() + "/train has no folder for");
}

}  // namespace
}  // namespace graphc
