// \file Reading PNG and JPEG images (stb_image of Debian's libstb), converting between grey and
// colour, and resizing (stb_image_resize), for `image_folder` data and `graphc predict`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace graphc {

// 8-bit pixels, row-major, channels interleaved: [height, width, channels], channels 1 or 3.
struct Image {
  int64_t height = 0, width = 0, channels = 0;
  std::vector<uint8_t> pixels;
};

// True for the names image_folder and predict read as images: *.png, *.jpg, *.jpeg, any case.
bool hasImageExtension(const std::string& path);

// Decodes a PNG or JPEG of any colour type and bit depth held in memory. Grey and grey+alpha
// files give 1 channel, the others 3; alpha is dropped (as PIL's convert does), 16-bit samples
// are reduced to 8. Anything else (another format, corrupt or truncated data, an image larger
// than 2^26 pixels) is an InputError that starts with name.
Image decodeImage(const uint8_t* bytes, size_t size, const std::string& name);

// decodeImage on the file's bytes; an unreadable file is an InputError that starts with the path.
Image readImage(const std::string& path);

// The image with `channels` (1 or 3) channels: grey becomes colour by repeating the channel,
// colour becomes grey by ITU-R 601-2 luma as PIL's convert("L") computes it,
// L = (19595 R + 38470 G + 7471 B + 2^15) >> 16.
Image convertChannels(const Image& image, int64_t channels);

// The image resampled to height x width with stb_image_resize's default filters (Mitchell when
// shrinking, Catmull-Rom when enlarging; edges clamped). The same image when the size matches.
Image resizeImage(const Image& image, int64_t height, int64_t width);

// "RGB" or "grey", for messages.
const char* channelsName(int64_t channels);

}  // namespace graphc
