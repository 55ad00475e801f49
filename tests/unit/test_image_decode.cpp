// \file The image reader of image_folder and `graphc predict` (runtime/image_decode.*): PNGs written
// by libpng and JPEGs written by stb_image_write read back, grey and colour converted by the
// published luma formula, resizing, and corrupt, truncated or foreign files refused.
#include <gtest/gtest.h>
#include <png.h>
#include <stb_image_write.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "runtime/image_decode.h"
#include "support/diagnostics.h"

namespace graphc {
namespace {

// A w x h PNG whose pixels are given in format (libpng's simplified API), in memory.
std::vector<uint8_t> encodePng(png_uint_32 format, int w, int h, const std::vector<uint8_t>& pixels) {
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  image.width = static_cast<png_uint_32>(w);
  image.height = static_cast<png_uint_32>(h);
  image.format = format;
  png_alloc_size_t size = 0;
  EXPECT_TRUE(png_image_write_to_memory(&image, nullptr, &size, 0, pixels.data(), 0, nullptr));
  std::vector<uint8_t> out(size);
  EXPECT_TRUE(png_image_write_to_memory(&image, out.data(), &size, 0, pixels.data(), 0, nullptr)) << image.message;
  out.resize(size);
  return out;
}

std::vector<uint8_t> encodeJpeg(int w, int h, int channels, const std::vector<uint8_t>& pixels) {
  std::vector<uint8_t> out;
  auto append = [](void* context, void* data, int size) {
    auto* bytes = static_cast<uint8_t*>(data);
    static_cast<std::vector<uint8_t>*>(context)->insert(static_cast<std::vector<uint8_t>*>(context)->end(), bytes,
                                                        bytes + size);
  };
  EXPECT_TRUE(stbi_write_jpg_to_func(append, &out, w, h, channels, pixels.data(), 95));
  return out;
}

Image decode(const std::vector<uint8_t>& bytes) { return decodeImage(bytes.data(), bytes.size(), "x"); }

TEST(ImageDecode, GreyPngIsReadExactly) {
  std::vector<uint8_t> grey(28 * 30);
  for (size_t i = 0; i < grey.size(); ++i) grey[i] = static_cast<uint8_t>(i * 7);
  Image img = decode(encodePng(PNG_FORMAT_GRAY, 30, 28, grey));
  EXPECT_EQ(img.width, 30);
  EXPECT_EQ(img.height, 28);
  EXPECT_EQ(img.channels, 1);
  EXPECT_EQ(img.pixels, grey);
}

TEST(ImageDecode, ColourPngKeepsItsChannelsAndDropsAlpha) {
  std::vector<uint8_t> rgb = {255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30};
  std::vector<uint8_t> rgba = {255, 0, 0, 0, 0, 255, 0, 128, 0, 0, 255, 255, 10, 20, 30, 7};
  EXPECT_EQ(decode(encodePng(PNG_FORMAT_RGB, 2, 2, rgb)).pixels, rgb);
  Image a = decode(encodePng(PNG_FORMAT_RGBA, 2, 2, rgba));
  EXPECT_EQ(a.channels, 3);
  EXPECT_EQ(a.pixels, rgb);
  Image ga = decode(encodePng(PNG_FORMAT_GA, 2, 1, {9, 0, 200, 255}));
  EXPECT_EQ(ga.channels, 1);
  EXPECT_EQ(ga.pixels, (std::vector<uint8_t>{9, 200}));
}

TEST(ImageDecode, GreyAndColourConvertByLuma) {
  Image rgb{2, 2, 3, {255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30}};
  // PIL's convert("L"): (19595 R + 38470 G + 7471 B + 2^15) >> 16.
  EXPECT_EQ(convertChannels(rgb, 1).pixels, (std::vector<uint8_t>{76, 150, 29, 18}));
  Image grey{1, 2, 1, {7, 250}};
  EXPECT_EQ(convertChannels(grey, 3).pixels, (std::vector<uint8_t>{7, 7, 7, 250, 250, 250}));
}

TEST(ImageDecode, JpegDecodesCloseToWhatWasEncoded) {
  std::vector<uint8_t> rgb(16 * 24 * 3);
  for (int y = 0; y < 16; ++y)
    for (int x = 0; x < 24; ++x) {
      uint8_t* p = &rgb[static_cast<size_t>((y * 24 + x) * 3)];
      p[0] = static_cast<uint8_t>(x * 10);
      p[1] = static_cast<uint8_t>(y * 15);
      p[2] = 128;
    }
  Image img = decode(encodeJpeg(24, 16, 3, rgb));
  ASSERT_EQ(img.width, 24);
  ASSERT_EQ(img.height, 16);
  ASSERT_EQ(img.channels, 3);
  double error = 0;
  for (size_t i = 0; i < rgb.size(); ++i) error += std::abs(int(img.pixels[i]) - int(rgb[i]));
  EXPECT_LT(error / static_cast<double>(rgb.size()), 4.0);  // quality 95 on smooth ramps
}

TEST(ImageDecode, ResizeKeepsFlatImagesFlatAndAveragesStripes) {
  Image flat{10, 14, 3, std::vector<uint8_t>(10 * 14 * 3, 77)};
  Image small = resizeImage(flat, 5, 3);
  EXPECT_EQ(small.height, 5);
  EXPECT_EQ(small.width, 3);
  for (uint8_t v : small.pixels) EXPECT_EQ(v, 77);
  // Vertical stripes 0, 200, 0, 200, ... halved in width: a symmetric filter that sums to one
  // gives their mean, 100, away from the clamped edges.
  Image stripes{4, 16, 1, {}};
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 16; ++x) stripes.pixels.push_back(x % 2 ? 200 : 0);
  Image half = resizeImage(stripes, 4, 8);
  for (int x = 2; x < 6; ++x) EXPECT_NEAR(half.pixels[static_cast<size_t>(x)], 100, 2) << x;
}

TEST(ImageDecode, CorruptTruncatedAndForeignFilesAreRefused) {
  std::vector<uint8_t> png = encodePng(PNG_FORMAT_GRAY, 28, 28, std::vector<uint8_t>(784, 9));
  std::vector<uint8_t> rgb(20 * 20 * 3);
  for (size_t i = 0; i < rgb.size(); ++i) rgb[i] = static_cast<uint8_t>(i * 31);
  std::vector<uint8_t> jpeg = encodeJpeg(20, 20, 3, rgb);
  for (const auto* whole : {&png, &jpeg})
    for (size_t cut : {size_t(3), size_t(20), whole->size() / 2, whole->size() - 13}) {
      std::vector<uint8_t> part(whole->begin(), whole->begin() + static_cast<long>(cut));
      EXPECT_THROW(decode(part), InputError) << (whole == &png ? "png" : "jpeg") << " cut at " << cut;
    }
  std::string text = "not an image";
  try {
    decodeImage(reinterpret_cast<const uint8_t*>(text.data()), text.size(), "t.png");
    ADD_FAILURE() << "text was accepted";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "t.png: not a PNG or JPEG image (it starts with neither signature)");
  }
  std::vector<uint8_t> bmp = {'B', 'M', 0, 0, 0, 0};
  EXPECT_THROW(decode(bmp), InputError);
  EXPECT_THROW(readImage("/nonexistent/absent.png"), InputError);
}

// A fuzz regression model that must be refused with a message containing `expected`.
void expectRefused(const std::string& model, const std::string& expected) {
  std::ifstream in(std::string(GRAPHC_SOURCE_DIR) + "/tests/fuzz/regressions/images/" + model, std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(bytes.empty()) << model;
  try {
    decode(bytes);
    ADD_FAILURE() << model << " was decoded";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
  }
}

// A JPEG whose scan uses an AC Huffman table no DHT defines: Debian's stb_image decoded it from
// stale memory and aborted on an assertion (the images fuzzer); graphc refuses it first.
TEST(ImageDecode, JpegWithAnUndefinedHuffmanTableIsRefused) {
  expectRefused("jpeg-huffman-table-stb-asserts-on.jpg",
                "corrupt JPEG (a Huffman table that does not decode, or a scan using a table");
}

// Corrupt entropy-coded data with sound tables: stb_image asserted in stbi__jpeg_huff_decode (CI's
// images fuzzer); libjpeg-turbo reads the file first and names what is wrong.
TEST(ImageDecode, JpegWithCorruptScanDataIsRefused) {
  expectRefused("jpeg-corrupt-scan-stb-asserts-on.jpg", "corrupt JPEG (libjpeg: ");
}

TEST(ImageDecode, ImageExtensions) {
  EXPECT_TRUE(hasImageExtension("a/b.PNG"));
  EXPECT_TRUE(hasImageExtension("c.jpeg"));
  EXPECT_TRUE(hasImageExtension("c.JPG"));
  EXPECT_FALSE(hasImageExtension("notes.txt"));
  EXPECT_FALSE(hasImageExtension("png"));
}

}  // namespace
}  // namespace graphc
