// \file Converting data-set examples to placeholder values: images to scaled f32, labels to
// i32 class ids or f32 one-hot, shaped as the placeholder says.
#pragma once

#include <Halide.h>

#include <vector>

#include "ir/model.h"
#include "runtime/dataset.h"

namespace graphc {

// Checks before training that every feed fits its placeholder; an error names both shapes and the
// placeholder types that would take the data as it is. Class-id labels must also lie below the
// classes of every op that reads them (a loss or metric on scores f32[?,K]); the first example out
// of range is named with its index, its label and labelFile (the file the labels came from).
void checkFeeds(const Graph& graph, const std::vector<FeedSpec>& feeds, const LabeledImages& data,
                const std::string& labelFile);

// Fills a placeholder's buffer for the examples order[first, first + batch): images times the
// spec's scale, then less its mean and over its std per channel when it has them.
void fillFeed(const Graph& graph, const FeedSpec& feed, const LabeledImages& data, const DataSpec& spec,
              const std::vector<int64_t>& order, int64_t first, int64_t batch, Halide::Buffer<>& out);

// A buffer shaped for the placeholder at this batch size.
Halide::Buffer<> feedBuffer(const Graph& graph, const FeedSpec& feed, int64_t batch);

}  // namespace graphc
