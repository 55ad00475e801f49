// \file Grey data fed to a colour placeholder and colour data to a grey one (runtime/channel_match):
// each converted value checked against the formula written here (grey repeated; luma 0.299 R +
// 0.587 G + 0.114 B), and the cases that must be left alone.
#include <gtest/gtest.h>

#include <cmath>

#include "ir/graph.h"
#include "ir/model.h"
#include "runtime/channel_match.h"
#include "testing/harness.h"

namespace graphc {
namespace {

struct Fed {
  Graph graph;
  std::vector<FeedSpec> feeds;
};

Fed imageFeed(int64_t h, int64_t w, int64_t c) {
  Fed f;
  FeedSpec spec;
  spec.placeholder = addPlaceholder(f.graph, "x", {kBatch, h, w, c});
  spec.kind = FeedSpec::Kind::Image;
  f.feeds.push_back(spec);
  return f;
}

LabeledImages bytes(int64_t count, int64_t h, int64_t w, int64_t c, std::vector<uint8_t> values) {
  LabeledImages d;
  d.count = count, d.height = h, d.width = w, d.channels = c, d.pixels = h * w * c;
  d.images = std::move(values);
  return d;
}

TEST(ChannelMatch, GreyBytesAreRepeatedIntoThreeChannels) {
  Fed f = imageFeed(1, 2, 3);
  DataSplit data{bytes(2, 1, 2, 1, {10, 20, 30, 40}), bytes(1, 1, 2, 1, {5, 250}), {"a", "b", "c", "d"}, {}};
  matchImageChannels(f.graph, f.feeds, data, nullptr);
  EXPECT_EQ(data.train.channels, 3);
  EXPECT_EQ(data.train.pixels, 6);
  EXPECT_EQ(data.train.images, (std::vector<uint8_t>{10, 10, 10, 20, 20, 20, 30, 30, 30, 40, 40, 40}));
  EXPECT_EQ(data.test.images, (std::vector<uint8_t>{5, 5, 5, 250, 250, 250}));
}

TEST(ChannelMatch, ColourBecomesItsLuma) {
  Fed f = imageFeed(1, 2, 1);
  std::vector<uint8_t> rgb = {255, 0, 0, 10, 200, 30};
  DataSplit data{bytes(1, 1, 2, 3, rgb), bytes(1, 1, 2, 3, rgb), {"a", "b", "c", "d"}, {}};
  matchImageChannels(f.graph, f.feeds, data, nullptr);
  ASSERT_EQ(data.train.channels, 1);
  ASSERT_EQ(data.train.images.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    double luma = 0.299 * rgb[3 * i] + 0.587 * rgb[3 * i + 1] + 0.114 * rgb[3 * i + 2];
    EXPECT_NEAR(data.train.images[i], luma, 0.5 + 1e-9) << i;
  }

  LabeledImages floats = bytes(1, 1, 2, 3, {});
  floats.floatImages = {0.5f, 0.25f, 1.0f, -1.0f, 2.0f, 0.0f};
  DataSplit f32{floats, floats, {"a", "b", "c", "d"}, {}};
  matchImageChannels(f.graph, f.feeds, f32, nullptr);
  ASSERT_EQ(f32.test.floatImages.size(), 2u);
  EXPECT_NEAR(f32.test.floatImages[0], 0.299 * 0.5 + 0.587 * 0.25 + 0.114 * 1.0, 1e-6);
  EXPECT_NEAR(f32.test.floatImages[1], 0.299 * -1.0 + 0.587 * 2.0, 1e-6);
}

TEST(ChannelMatch, OtherMisfitsAreLeftForTheFeedCheck) {
  // Another size, or channel counts other than 1 and 3: unchanged (checkFeeds reports them).
  for (auto [h, w, c] : {std::tuple<int64_t, int64_t, int64_t>{2, 2, 3}, {1, 2, 4}, {1, 2, 1}}) {
    Fed f = imageFeed(h, w, c);
    DataSplit data{bytes(1, 1, 2, 1, {1, 2}), bytes(1, 1, 2, 1, {3, 4}), {"a", "b", "c", "d"}, {}};
    matchImageChannels(f.graph, f.feeds, data, nullptr);
    EXPECT_EQ(data.train.channels, 1);
    EXPECT_EQ(data.train.images, (std::vector<uint8_t>{1, 2}));
  }
}

}  // namespace
}  // namespace graphc
