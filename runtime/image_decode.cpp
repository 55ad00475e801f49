// \file Image decoding with Debian's precompiled libstb (stb_image, stb_image_resize). stb_image also
// reads BMP, GIF, PSD and more; only the PNG and JPEG signatures are let through, so the formats
// graphc documents are the only decoders an untrusted file reaches.
#include "runtime/image_decode.h"

#include <stb_image.h>
#include <stb_image_resize.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>

#include "support/diagnostics.h"
#include "support/regular_file.h"

namespace graphc {
namespace {

// Photographs straight from a camera are a few MB; far larger is not an input for these models.
constexpr uint64_t kMaxImageBytes = 64 << 20;
constexpr int64_t kMaxPixels = int64_t(1) << 26;

bool isPng(const uint8_t* b, size_t n) {
  static const uint8_t kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  return n >= 8 && std::memcmp(b, kSignature, 8) == 0;
}

bool isJpeg(const uint8_t* b, size_t n) { return n >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff; }

// stb_image decodes a JPEG cut short without complaint, filling the rest with grey. Entropy-coded
// data never holds 0xFF followed by 0xD9 or 0xDA (a data byte 0xFF is followed by 0x00 or a restart
// marker), so a complete file has the end-of-image marker FF D9 after its last start-of-scan FF DA.
bool jpegIsComplete(const uint8_t* b, size_t n) {
  size_t lastScan = 0;
  for (size_t i = 0; i + 1 < n; ++i)
    if (b[i] == 0xff && b[i + 1] == 0xda) lastScan = i;
  if (lastScan == 0) return false;
  for (size_t i = lastScan + 2; i + 1 < n; ++i)
    if (b[i] == 0xff && b[i + 1] == 0xd9) return true;
  return false;
}

}  // namespace

bool hasImageExtension(const std::string& path) {
  size_t dot = path.rfind('.');
  if (dot == std::string::npos) return false;
  std::string ext = path.substr(dot + 1);
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == "png" || ext == "jpg" || ext == "jpeg";
}

const char* channelsName(int64_t channels) { return channels == 1 ? "grey" : "RGB"; }

Image decodeImage(const uint8_t* bytes, size_t size, const std::string& name) {
  bool png = isPng(bytes, size);
  if (!png && !isJpeg(bytes, size))
    throw InputError(name + ": not a PNG or JPEG image (it starts with neither signature)");
  if (size > static_cast<size_t>(INT32_MAX)) throw InputError(name + ": the image file is too large");
  if (!png && !jpegIsComplete(bytes, size))
    throw InputError(name + ": truncated JPEG (no end-of-image marker after the image data)");
  int width = 0, height = 0, fileChannels = 0;
  int len = static_cast<int>(size);
  if (!stbi_info_from_memory(bytes, len, &width, &height, &fileChannels))
    throw InputError(name + ": corrupt or truncated image (stb_image: " + stbi_failure_reason() + ")");
  if (static_cast<int64_t>(width) * height > kMaxPixels)
    throw InputError(name + ": the image is " + std::to_string(width) + "x" + std::to_string(height) +
                     " pixels, more than graphc reads (2^26)");
  int channels = fileChannels <= 2 ? 1 : 3;  // grey+alpha and RGBA lose their alpha
  std::unique_ptr<stbi_uc, void (*)(void*)> data(
      stbi_load_from_memory(bytes, len, &width, &height, &fileChannels, channels), stbi_image_free);
  if (!data) throw InputError(name + ": corrupt or truncated image (stb_image: " + stbi_failure_reason() + ")");
  Image image;
  image.height = height;
  image.width = width;
  image.channels = channels;
  image.pixels.assign(data.get(), data.get() + static_cast<size_t>(image.height * image.width * channels));
  return image;
}

Image readImage(const std::string& path) {
  std::string bytes, why;
  if (!readRegularFile(path, kMaxImageBytes, &bytes, &why))
    throw InputError(path + ": cannot read the image (" + why + ")");
  return decodeImage(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), path);
}

Image convertChannels(const Image& image, int64_t channels) {
  if (image.channels == channels) return image;
  Image out{image.height, image.width, channels, {}};
  size_t n = static_cast<size_t>(image.height * image.width);
  out.pixels.resize(n * static_cast<size_t>(channels));
  for (size_t i = 0; i < n; ++i) {
    if (channels == 3) {
      std::fill_n(&out.pixels[3 * i], 3, image.pixels[i]);
    } else {
      const uint8_t* p = &image.pixels[3 * i];
      out.pixels[i] = static_cast<uint8_t>((19595u * p[0] + 38470u * p[1] + 7471u * p[2] + 0x8000u) >> 16);
    }
  }
  return out;
}

Image resizeImage(const Image& image, int64_t height, int64_t width) {
  if (image.height == height && image.width == width) return image;
  Image out{height, width, image.channels, {}};
  out.pixels.resize(static_cast<size_t>(height * width * image.channels));
  if (!stbir_resize_uint8(image.pixels.data(), static_cast<int>(image.width), static_cast<int>(image.height), 0,
                          out.pixels.data(), static_cast<int>(width), static_cast<int>(height), 0,
                          static_cast<int>(image.channels)))
    throw InputError("cannot resize an image of " + std::to_string(image.width) + "x" + std::to_string(image.height) +
                     " pixels to " + std::to_string(width) + "x" + std::to_string(height));
  return out;
}

}  // namespace graphc
