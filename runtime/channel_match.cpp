#include "runtime/channel_match.h"

#include <fmt/core.h>

#include <algorithm>

#include "runtime/image_decode.h"

namespace graphc {
namespace {

std::vector<float> convertFloats(const std::vector<float>& in, int64_t count, int64_t area, int64_t to) {
  std::vector<float> out(static_cast<size_t>(count * area * to));
  for (size_t i = 0; i < static_cast<size_t>(count * area); ++i) {
    if (to == 3) {
      std::fill_n(&out[3 * i], 3, in[i]);
    } else {
      const float* p = &in[3 * i];
      out[i] = 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2];
    }
  }
  return out;
}

// Bytes go through image_decode's conversion, the one image_folder and predict use.
std::vector<uint8_t> convertBytes(const std::vector<uint8_t>& in, const LabeledImages& d, int64_t to) {
  std::vector<uint8_t> out;
  out.reserve(static_cast<size_t>(d.count * d.height * d.width * to));
  for (int64_t i = 0; i < d.count; ++i) {
    auto first = in.begin() + i * d.pixels;
    Image image{d.height, d.width, d.channels, std::vector<uint8_t>(first, first + d.pixels)};
    Image converted = convertChannels(image, to);
    out.insert(out.end(), converted.pixels.begin(), converted.pixels.end());
  }
  return out;
}

void convert(LabeledImages& d, int64_t to) {
  if (d.floatImages.empty())
    d.images = convertBytes(d.images, d, to);
  else
    d.floatImages = convertFloats(d.floatImages, d.count, d.height * d.width, to);
  d.channels = to;
  d.pixels = d.height * d.width * to;
}

}  // namespace

void matchImageChannels(const Graph& graph, const std::vector<FeedSpec>& feeds, DataSplit& data, std::FILE* out) {
  for (const FeedSpec& f : feeds) {
    if (f.kind != FeedSpec::Kind::Image) continue;
    const Shape& s = graph.node(f.placeholder).shape;
    if (s.size() != 4) return;
    int64_t want = s[3], have = data.train.channels;
    bool fits = s[1] == data.train.height && s[2] == data.train.width && data.test.channels == have;
    if (!fits || want == have || std::min(want, have) != 1 || std::max(want, have) != 3) return;
    convert(data.train, want);
    convert(data.test, want);
    if (out)
      fmt::print(out, "graphc: note: the images of {} are {}; converted to {} for {}\n", data.files.at(0),
                 have == 1 ? "grey" : "colour", want == 3 ? "colour (grey repeated in R, G and B)" : "grey (luma)",
                 graph.node(f.placeholder).name);
    return;
  }
}

}  // namespace graphc
