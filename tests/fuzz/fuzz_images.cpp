// \file libFuzzer target over the image reader of image_folder and `graphc predict`
// (runtime/image_decode.*, runtime/image_folder.*): every input is decoded in memory, converted to
// the other channel count and resized, and read as one image of an image folder (beside a valid
// 4x4 image of another class), with and without `size`, through the folder's validation. Rejections
// must be InputErrors; a crash, a sanitizer report or any other exception is a finding.
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

#include "runtime/image_decode.h"
#include "runtime/image_folder.h"
#include "support/diagnostics.h"

namespace {

// DIR/train/a/input.png (the input) and DIR/train/b/ok.png (a valid 4x4 grey PNG).
struct Folder {
  std::string dir;

  Folder() {
    char tmpl[] = "/tmp/graphc-fuzz-images-XXXXXX";
    if (!mkdtemp(tmpl)) std::abort();
    dir = tmpl;
    for (const char* sub : {"/train", "/train/a", "/train/b"})
      if (mkdir((dir + sub).c_str(), 0700) != 0) std::abort();
    // A 4x4 8-bit grey PNG of zeros.
    static const unsigned char kPng[] = {
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00,
        0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x04, 0x08, 0x00, 0x00, 0x00, 0x00, 0x8c, 0x9a, 0xc1, 0xa2, 0x00,
        0x00, 0x00, 0x0b, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x60, 0xc0, 0x04, 0x00, 0x00, 0x14, 0x00,
        0x01, 0x7d, 0xfe, 0x1e, 0xee, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};
    std::ofstream(dir + "/train/b/ok.png", std::ios::binary).write(reinterpret_cast<const char*>(kPng), sizeof kPng);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Folder folder;
  try {
    graphc::Image image = graphc::decodeImage(data, size, "input");
    graphc::Image other = graphc::convertChannels(image, image.channels == 1 ? 3 : 1);
    graphc::resizeImage(other, 3, 5);
  } catch (const graphc::InputError&) {
  }
  std::ofstream(folder.dir + "/train/a/input.png", std::ios::binary)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  graphc::DataSpec spec;
  spec.kind = "image_folder";
  spec.dir = folder.dir;
  for (int64_t side : {0, 6}) {
    spec.imageHeight = spec.imageWidth = side;
    try {
      graphc::loadImageFolder(spec, nullptr);  // no note per input in the fuzzer's log
    } catch (const graphc::InputError&) {
    }
  }
  return 0;
}
