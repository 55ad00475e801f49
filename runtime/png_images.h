// \file Reading PNG images as 8-bit grayscale, for `graphc predict`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace graphc {

// A grayscale image, one byte per pixel, row-major.
struct GrayImage {
  int64_t width = 0, height = 0;
  std::vector<uint8_t> pixels;
};

// True when the file starts with the PNG signature (false for files that cannot be read).
bool looksLikePng(const std::string& path);

// Reads a PNG of any colour type and bit depth as 8-bit gray. Colour becomes gray as PIL's
// convert("L") does it (ITU-R 601-2 luma, L = (19595 R + 38470 G + 7471 B + 2^15) >> 16, the same
// formula as PIL's fixed-point one); alpha is ignored, as there. Images other than
// expectWidth x expectHeight are refused before they are decoded. Any problem (not a PNG, corrupt
// data, another size, a graphc built without libpng) is an InputError that starts with the path.
GrayImage readPngGray(const std::string& path, int64_t expectWidth, int64_t expectHeight);

}  // namespace graphc
