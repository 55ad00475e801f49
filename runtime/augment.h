// \file Training-time image augmentation (the train block's `augment`, docs/training.md): random
// flips, translations, rotations, zooms and pad-and-crop, drawn per image from the run's seed, the
// training step and the image's place in the batch, so a run and its resumption draw alike.
#pragma once

#include <cstdint>

#include "ir/augmentation.h"

namespace graphc {

// An image as the feeds hold it: row-major height x width x channels, channels innermost (NHWC).
struct ImageShape {
  int64_t height = 0, width = 0, channels = 1;
  int64_t elements() const { return height * width * channels; }
};

// The changes drawn for one image, applied in the order Keras' layers would be stacked: flip,
// translate, rotate, zoom, then pad-and-crop.
struct ImageTransform {
  bool flipHorizontal = false, flipVertical = false;
  double shiftY = 0, shiftX = 0;  // pixels; positive moves the content down and right
  double angle = 0;               // radians, with Keras' rotation matrix
  double scale = 1;               // zoom; above 1 zooms out, as Keras' RandomZoom
  int64_t cropY = 0, cropX = 0;   // pad_crop: output pixel (y, x) shows (y + cropY, x + cropX), in [-P, P]
};

// The transform of image `index` of the batch of training step `step`: a function of (a, the
// shape, seed, step, index) only, the same on every platform (our own generator and arithmetic).
ImageTransform drawTransform(const Augmentation& a, const ImageShape& shape, uint64_t seed, int64_t step,
                             int64_t index);

// Writes the transformed image src to dst (shape.elements() floats each, not overlapping). Moved
// pixels are resampled bilinearly with Keras' default fill_mode 'reflect' (d c b a | a b c d |
// d c b a) for the points that come from outside the image; pad_crop's padding is padding[c] in
// channel c (what a stored 0 becomes once converted: black).
void transformImage(const ImageTransform& t, const ImageShape& shape, const float* src, float* dst,
                    const float* padding);

}  // namespace graphc
