// \file The train block's `augment`: random changes to each training image, as Keras' RandomFlip,
// RandomTranslation, RandomRotation and RandomZoom layers and the CIFAR pad-and-crop recipe make
// them (docs/training.md, "Augmentation"; runtime/augment.h applies them).
#pragma once

#include <cstdint>

namespace graphc {

struct Augmentation {
  bool flipHorizontal = false;  // left-right, with probability 1/2
  bool flipVertical = false;    // upside down, with probability 1/2 (independently)
  double translate = 0;         // at most this fraction of the height and of the width, each way
  double rotate = 0;            // at most this many degrees, each way
  double zoom = 0;              // scale by 1 + u, u uniform in [-zoom, zoom]
  int64_t padCrop = 0;          // pad by this many zero pixels on every side, crop back at random

  bool enabled() const {
    return flipHorizontal || flipVertical || translate > 0 || rotate > 0 || zoom > 0 || padCrop > 0;
  }
};

}  // namespace graphc
