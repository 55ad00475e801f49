// \file PNG decoding with libpng's simplified API (png_image_*), which reports errors as return
// values rather than longjmp, so no C++ frame is ever skipped. Built only when CMake found libpng
// (GRAPHC_HAVE_PNG); otherwise reading a PNG is an InputError that says so.
#include "runtime/png_images.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "support/diagnostics.h"
#include "support/regular_file.h"

#ifdef GRAPHC_HAVE_PNG
#include <png.h>
#endif

namespace graphc {
namespace {

// A 28x28 image takes a few hundred bytes; far larger is not an image for these models.
constexpr uint64_t kMaxImageBytes = 64 << 20;

}  // namespace

bool looksLikePng(const std::string& path) {
  static const unsigned char kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  std::string why;
  int fd = openRegularFile(path, kMaxImageBytes, &why);  // a FIFO or a device is no PNG (readIdx says why)
  if (fd < 0) return false;
  unsigned char head[8] = {};
  ssize_t n = ::read(fd, head, sizeof head);
  ::close(fd);
  return n == static_cast<ssize_t>(sizeof head) && std::memcmp(head, kSignature, sizeof head) == 0;
}

#ifdef GRAPHC_HAVE_PNG

GrayImage readPngGray(const std::string& path, int64_t expectWidth, int64_t expectHeight) {
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  // png_image_free releases libpng's state on every path, including the error ones.
  struct Release {
    png_image* image;
    ~Release() { png_image_free(image); }
  } release{&image};
  std::string why;
  int fd = openRegularFile(path, kMaxImageBytes, &why);
  if (fd < 0) throw InputError(path + ": cannot open the image (" + why + ")");
  ::close(fd);
  if (!looksLikePng(path)) throw InputError(path + ": not a PNG file (it does not start with the PNG signature)");
  if (!png_image_begin_read_from_file(&image, path.c_str()))
    throw InputError(path + ": cannot read the PNG (" + image.message + ")");
  if (image.width != static_cast<png_uint_32>(expectWidth) || image.height != static_cast<png_uint_32>(expectHeight))
    throw InputError(path + ": the image is " + std::to_string(image.width) + "x" + std::to_string(image.height) +
                     " pixels; the model takes " + std::to_string(expectWidth) + "x" + std::to_string(expectHeight) +
                     " grayscale images");
  // RGBA at 8 bits is exact for 8-bit gray, gray+alpha, palette and RGB files (gray is replicated
  // into R, G and B, which the luma formula maps back exactly); 16-bit files are reduced by libpng.
  image.format = PNG_FORMAT_RGBA;
  std::vector<uint8_t> rgba(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, rgba.data(), 0, nullptr))
    throw InputError(path + ": corrupt PNG data (" + image.message + ")");
  GrayImage out;
  out.width = expectWidth;
  out.height = expectHeight;
  out.pixels.resize(static_cast<size_t>(expectWidth * expectHeight));
  for (size_t i = 0; i < out.pixels.size(); ++i) {
    const uint8_t* p = &rgba[4 * i];
    out.pixels[i] = static_cast<uint8_t>((19595u * p[0] + 38470u * p[1] + 7471u * p[2] + 0x8000u) >> 16);
  }
  return out;
}

#else

GrayImage readPngGray(const std::string& path, int64_t, int64_t) {
  throw InputError(path +
                   ": this graphc was built without libpng, so it cannot read PNG files "
                   "(install libpng-dev and rebuild, or pass an IDX file)");
}

#endif

}  // namespace graphc
