// \file Image decoding with Debian's precompiled libstb (stb_image, stb_image_resize). stb_image also
// reads BMP, GIF, PSD and more; only the PNG and JPEG signatures are let through, so the formats
// graphc documents are the only decoders an untrusted file reaches.
#include "runtime/image_decode.h"

#include <jpeglib.h>
#include <stb_image.h>
#include <stb_image_resize.h>

#include <algorithm>
#include <cctype>
#include <csetjmp>
#include <cstring>
#include <memory>
#include <vector>

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

// Debian 12's stb_image asserts (an abort), or reads past its tables, on some malformed JPEG
// Huffman tables: its slow-path lookup (stbi__jpeg_huff_decode) lacks the bounds check later
// upstream versions added, and a table may list more than its 256 symbols. The images fuzzer
// found the abort. So every table is checked first by replaying stb's own construction
// (stbi__build_huffman) and its lookup for every 16-bit prefix the fast table does not cover.
bool huffmanTableIsSafe(const uint8_t counts[16]) {
  constexpr int kFastBits = 9;
  int n = 0;
  for (int i = 0; i < 16; ++i) n += counts[i];
  if (n > 256) return false;  // stb would write past its 256 values
  uint8_t size[257] = {};
  uint16_t code[256] = {};
  int delta[18] = {};
  uint32_t maxcode[18] = {};
  int k = 0;
  for (int i = 0; i < 16; ++i)
    for (int j = 0; j < counts[i]; ++j) size[k++] = static_cast<uint8_t>(i + 1);
  size[k] = 0;
  uint32_t next = 0;
  k = 0;
  int j = 1;
  for (; j <= 16; ++j) {
    delta[j] = k - static_cast<int>(next);
    if (size[k] == j) {
      while (size[k] == j) code[k++] = static_cast<uint16_t>(next++);
      if (next - 1 >= (1u << j)) return true;  // stb rejects the table itself ("bad code lengths")
    }
    maxcode[j] = next << (16 - j);
    next <<= 1;
  }
  maxcode[j] = 0xffffffff;
  std::vector<bool> fast(1 << kFastBits, false);
  for (int i = 0; i < k; ++i)
    if (size[i] <= kFastBits)
      for (int f = 0; f < (1 << (kFastBits - size[i])); ++f) fast[(code[i] << (kFastBits - size[i])) + f] = true;
  for (uint32_t prefix = 0; prefix < 65536; ++prefix) {
    if (fast[prefix >> (16 - kFastBits)]) continue;
    int bits = kFastBits + 1;
    while (bits < 17 && prefix >= maxcode[bits]) ++bits;
    if (bits == 17) continue;  // stb: "code not found", an error it handles
    int c = static_cast<int>((prefix >> (16 - bits)) & ((1u << bits) - 1)) + delta[bits];
    if (c < 0 || c >= n || size[c] == 0) return false;
    if (((prefix >> (16 - size[c])) & ((1u << size[c]) - 1)) != code[c]) return false;
  }
  return true;
}

// Whether every DHT segment's tables are safe for stb_image (above) and every scan uses only
// tables defined before it: stb decodes with a table never defined from whatever memory its
// allocation held (the fuzzer's abort was an AC table 1 no DHT defined). Malformed segment
// structure is left to stb, which reports it.
bool jpegHuffmanTablesAreSafe(const uint8_t* b, size_t n) {
  bool defined[2][4] = {}, progressive = false;
  size_t i = 2;  // after SOI
  while (i + 4 <= n) {
    if (b[i] != 0xFF) return true;
    uint8_t marker = b[i + 1];
    if (marker == 0xFF) {  // a fill byte
      ++i;
      continue;
    }
    if (marker == 0xD9) return true;                             // EOI
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) {  // no length: TEM, RSTn, SOI
      i += 2;
      continue;
    }
    size_t length = static_cast<size_t>(b[i + 2]) << 8 | b[i + 3];
    if (length < 2 || i + 2 + length > n) return true;
    if (marker == 0xC4) {
      for (size_t t = i + 4, end = i + 2 + length; t + 17 <= end;) {
        if ((b[t] >> 4) > 1 || (b[t] & 15) > 3) break;  // stb rejects the header
        if (!huffmanTableIsSafe(b + t + 1)) return false;
        defined[b[t] >> 4][b[t] & 15] = true;
        size_t symbols = 0;
        for (int c = 1; c <= 16; ++c) symbols += b[t + c];
        t += 17 + symbols;
      }
    }
    if (marker == 0xC2) progressive = true;
    if (marker == 0xDA && length >= 3) {
      size_t components = b[i + 4], end = i + 2 + length;
      size_t spectral = i + 5 + 2 * components;  // Ss, Se, Ah/Al after the components
      if (spectral + 3 > end) return true;
      // Baseline scans use both tables; progressive DC scans (Ss = 0) the DC table on their first
      // pass only, AC scans only the AC table.
      bool usesDc = !progressive || (b[spectral] == 0 && (b[spectral + 2] >> 4) == 0);
      bool usesAc = !progressive || b[spectral] > 0;
      for (size_t c = 0; c < components; ++c) {
        int dc = b[i + 6 + 2 * c] >> 4, ac = b[i + 6 + 2 * c] & 15;
        if (dc > 3 || ac > 3 || (usesDc && !defined[0][dc]) || (usesAc && !defined[1][ac])) return false;
      }
    }
    i += 2 + length;
    if (marker == 0xDA)  // entropy-coded data: up to the next marker that is not a stuffed 0 or RSTn
      while (i + 1 < n && !(b[i] == 0xFF && b[i + 1] != 0 && (b[i + 1] < 0xD0 || b[i + 1] > 0xD7))) ++i;
  }
  return true;
}

// libjpeg reports an error or a warning (corrupt data it would decode around) by jumping back.
struct JpegFailure {
  jpeg_error_mgr manager;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void jpegFail(j_common_ptr info) {
  auto* failure = reinterpret_cast<JpegFailure*>(info->err);
  (*info->err->format_message)(info, failure->message);
  std::longjmp(failure->jump, 1);
}

void jpegMessage(j_common_ptr info, int level) {
  if (level < 0) jpegFail(info);  // a warning: corrupt data
}

// Whether libjpeg-turbo decodes the whole JPEG without an error or a warning; else why not.
// Debian's stb_image is built with its asserts, and corrupt entropy-coded data that passes the
// checks above still reaches one (stbi__jpeg_huff_decode's, found by the images fuzzer), so a
// JPEG reaches stb only once libjpeg has read every scan line of it. Every allocation is
// libjpeg's own pool, freed by jpeg_destroy_decompress on both paths.
bool jpegDecodesCleanly(const uint8_t* bytes, size_t size, std::string* why) {
  jpeg_decompress_struct info;
  JpegFailure failure;
  info.err = jpeg_std_error(&failure.manager);
  failure.manager.error_exit = jpegFail;
  failure.manager.emit_message = jpegMessage;
  if (setjmp(failure.jump)) {
    jpeg_destroy_decompress(&info);
    *why = failure.message;
    return false;
  }
  jpeg_create_decompress(&info);
  jpeg_mem_src(&info, bytes, static_cast<unsigned long>(size));
  jpeg_read_header(&info, TRUE);
  jpeg_start_decompress(&info);
  JSAMPARRAY row = (*info.mem->alloc_sarray)(reinterpret_cast<j_common_ptr>(&info), JPOOL_IMAGE,
                                             info.output_width * static_cast<JDIMENSION>(info.output_components), 1);
  while (info.output_scanline < info.output_height) jpeg_read_scanlines(&info, row, 1);
  jpeg_finish_decompress(&info);
  jpeg_destroy_decompress(&info);
  return true;
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
  if (!png && !jpegHuffmanTablesAreSafe(bytes, size))
    throw InputError(name +
                     ": corrupt JPEG (a Huffman table that does not decode, or a scan using a table never defined)");
  int width = 0, height = 0, fileChannels = 0;
  int len = static_cast<int>(size);
  if (!stbi_info_from_memory(bytes, len, &width, &height, &fileChannels))
    throw InputError(name + ": corrupt or truncated image (stb_image: " + stbi_failure_reason() + ")");
  if (static_cast<int64_t>(width) * height > kMaxPixels)
    throw InputError(name + ": the image is " + std::to_string(width) + "x" + std::to_string(height) +
                     " pixels, more than graphc reads (2^26)");
  if (std::string why; !png && !jpegDecodesCleanly(bytes, size, &why))
    throw InputError(name + ": corrupt JPEG (libjpeg: " + why + ")");
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
