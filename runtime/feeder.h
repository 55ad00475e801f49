// \file Converting data-set examples to placeholder values: images to scaled f32, labels to
// i32 class ids or f32 one-hot, shaped as the placeholder says.
#pragma once

#include <Halide.h>

#include <vector>

#include "ir/model.h"
#include "runtime/augment.h"
#include "runtime/dataset.h"

namespace graphc {

// Checks before training that every feed fits its placeholder; an error names both shapes and the
// placeholder types that would take the data as it is. Class-id labels must also lie below the
// classes of every op that reads them (a loss or metric on scores f32[?,K]); the first example out
// of range is named with its index, its label and labelFile (the file the labels came from).
void checkFeeds(const Graph& graph, const std::vector<FeedSpec>& feeds, const LabeledImages& data,
                const std::string& labelFile);

// What changes a training batch's images: the train block's `augment`, the run's seed and the step.
struct BatchAugmentation {
  const Augmentation* settings = nullptr;  // nullptr: none (evaluation)
  uint64_t seed = 0;
  int64_t step = 0;
  int64_t position = 0;  // the batch's first image's place in the global batch (a rank's share)
};

// Fills a placeholder's buffer for the examples order[first, first + batch): images times the
// spec's scale, then less its mean and over its std per channel when it has them, then augmented
// as `augmentation` says (image i of the batch with drawTransform(..., position + i), so that a
// rank's share of a global batch is augmented as one process augments it).
void fillFeed(const Graph& graph, const FeedSpec& feed, const LabeledImages& data, const DataSpec& spec,
              const std::vector<int64_t>& order, int64_t first, int64_t batch, Halide::Buffer<>& out,
              const BatchAugmentation& augmentation = {});

// A buffer shaped for the placeholder at this batch size.
Halide::Buffer<> feedBuffer(const Graph& graph, const FeedSpec& feed, int64_t batch);

}  // namespace graphc
