// \file Augmentation: drawing each image's transform, and one bilinear resampling of the composed
// transform (Keras resamples once per layer; composing the flips, shift, rotation and zoom first
// blurs once, and costs one pass).
#include "runtime/augment.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace graphc {
namespace {

// SplitMix64 (Steele, Lea and Flood, 2014): every draw is a fixed function of where the stream
// starts, so image `index` of step `step` is drawn without drawing any other image's.
class Draws {
 public:
  Draws(uint64_t seed, int64_t step, int64_t index)
      : state_(
            mix(mix(mix(seed ^ 0xA0761D6478BD642Full) + static_cast<uint64_t>(step)) + static_cast<uint64_t>(index))) {}
  double uniform() { return static_cast<double>(next() >> 11) * 0x1p-53; }  // [0, 1)
  double symmetric(double bound) { return (2 * uniform() - 1) * bound; }    // [-bound, bound)
  int64_t between(int64_t lo, int64_t hi) {                                 // [lo, hi]
    return lo + static_cast<int64_t>(next() % static_cast<uint64_t>(hi - lo + 1));
  }

 private:
  static uint64_t mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  uint64_t next() { return mix(state_ += 0x9E3779B97F4A7C15ull); }
  uint64_t state_;
};

// Keras' fill_mode 'reflect' on the pixel grid: index i of a row of n pixels, extended as
// d c b a | a b c d | d c b a.
int64_t reflect(int64_t i, int64_t n) {
  if (i >= 0 && i < n) return i;
  int64_t period = 2 * n;
  int64_t m = i % period;
  if (m < 0) m += period;
  return m < n ? m : period - 1 - m;
}

// Where a point of the source lies between two pixels: the pixels (reflected into the image)
// and the weight of the second.
struct Tap {
  int64_t first = 0, second = 0;
  float weight = 0;
  bool padded = false;  // pad_crop's padding: no source pixel
};

Tap tapAt(double coordinate, int64_t n) {
  double below = std::floor(coordinate);
  auto i = static_cast<int64_t>(below);
  return {reflect(i, n), reflect(i + 1, n), static_cast<float>(coordinate - below), false};
}

// Bilinear interpolation of the C channels of four neighbouring pixels: a b on the upper row,
// d e on the lower, wx and wy the weights of the right and lower ones.
void blend(const float* a, const float* b, const float* d, const float* e, float wx, float wy, int64_t C, float* out) {
  for (int64_t c = 0; c < C; ++c) {
    float top = (1 - wx) * a[c] + wx * b[c], bottom = (1 - wx) * d[c] + wx * e[c];
    out[c] = (1 - wy) * top + wy * bottom;
  }
}

// The source coordinate along one axis of output coordinate p (before pad_crop's shift) when
// nothing rotates: each axis maps on its own.
double axisSource(double p, double centre, bool flip, double scale, double shift) {
  double v = scale * (p - centre) - shift;
  return centre + (flip ? -v : v);
}

}  // namespace

ImageTransform drawTransform(const Augmentation& a, const ImageShape& shape, uint64_t seed, int64_t step,
                             int64_t index) {
  // Every value is drawn, used or not, so each one's stream position is fixed.
  Draws draw(seed, step, index);
  ImageTransform t;
  t.flipHorizontal = draw.uniform() < 0.5 && a.flipHorizontal;
  t.flipVertical = draw.uniform() < 0.5 && a.flipVertical;
  t.shiftY = draw.symmetric(a.translate) * static_cast<double>(shape.height);
  t.shiftX = draw.symmetric(a.translate) * static_cast<double>(shape.width);
  t.angle = draw.symmetric(a.rotate) * M_PI / 180;
  t.scale = 1 + draw.symmetric(a.zoom);
  t.cropY = draw.between(-a.padCrop, a.padCrop);
  t.cropX = draw.between(-a.padCrop, a.padCrop);
  return t;
}

void transformImage(const ImageTransform& t, const ImageShape& s, const float* src, float* dst, const float* padding) {
  const int64_t H = s.height, W = s.width, C = s.channels;
  const double cy = static_cast<double>(H - 1) / 2, cx = static_cast<double>(W - 1) / 2;
  auto inside = [](int64_t i, int64_t n) { return i >= 0 && i < n; };
  auto pad = [&](float* out) { std::copy(padding, padding + C, out); };
  if (t.angle == 0) {
    // Each row and column maps on its own: their taps are computed once.
    std::vector<Tap> rows(static_cast<size_t>(H)), cols(static_cast<size_t>(W));
    for (int64_t y = 0; y < H; ++y)
      rows[static_cast<size_t>(y)] =
          inside(y + t.cropY, H)
              ? tapAt(axisSource(static_cast<double>(y + t.cropY), cy, t.flipVertical, t.scale, t.shiftY), H)
              : Tap{0, 0, 0, true};
    for (int64_t x = 0; x < W; ++x)
      cols[static_cast<size_t>(x)] =
          inside(x + t.cropX, W)
              ? tapAt(axisSource(static_cast<double>(x + t.cropX), cx, t.flipHorizontal, t.scale, t.shiftX), W)
              : Tap{0, 0, 0, true};
    for (int64_t y = 0; y < H; ++y) {
      const Tap& ty = rows[static_cast<size_t>(y)];
      float* outRow = dst + y * W * C;
      if (ty.padded) {
        for (int64_t x = 0; x < W; ++x) pad(outRow + x * C);
        continue;
      }
      const float *upper = src + ty.first * W * C, *lower = src + ty.second * W * C;
      for (int64_t x = 0; x < W; ++x) {
        const Tap& tx = cols[static_cast<size_t>(x)];
        if (tx.padded)
          pad(outRow + x * C);
        else
          blend(upper + tx.first * C, upper + tx.second * C, lower + tx.first * C, lower + tx.second * C, tx.weight,
                ty.weight, C, outRow + x * C);
      }
    }
    return;
  }
  // in = centre + flips (scale * rotation (p - centre) - shift), p the point after pad_crop.
  const double cosA = std::cos(t.angle), sinA = std::sin(t.angle);
  for (int64_t y = 0; y < H; ++y)
    for (int64_t x = 0; x < W; ++x) {
      float* out = dst + (y * W + x) * C;
      int64_t py = y + t.cropY, px = x + t.cropX;
      if (!inside(py, H) || !inside(px, W)) {
        pad(out);
        continue;
      }
      double ry = static_cast<double>(py) - cy, rx = static_cast<double>(px) - cx;
      double vy = t.scale * (sinA * rx + cosA * ry) - t.shiftY, vx = t.scale * (cosA * rx - sinA * ry) - t.shiftX;
      Tap ty = tapAt(cy + (t.flipVertical ? -vy : vy), H), tx = tapAt(cx + (t.flipHorizontal ? -vx : vx), W);
      const float *upper = src + ty.first * W * C, *lower = src + ty.second * W * C;
      blend(upper + tx.first * C, upper + tx.second * C, lower + tx.first * C, lower + tx.second * C, tx.weight,
            ty.weight, C, out);
    }
}

}  // namespace graphc
