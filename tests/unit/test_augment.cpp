// \file Training-time augmentation (runtime/augment.h) against references written here, stage by
// stage (each of Keras' layers in turn, in double precision, with its own reflection): flips and
// whole-pixel shifts of small known images exactly, rotation by 90 degrees as a transpose and a
// flip, zoom 0 as the identity, random transforms of a 3-channel image; the draws; the feeder
// augmenting training batches only, and float images with a mean and std padded with a converted
// stored 0; and the batch pipeline giving the same batches with its background thread, without it,
// resumed mid-run, and replayed.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <random>

#include "runtime/augment.h"
#include "runtime/batch_pipeline.h"
#include "runtime/feeder.h"
#include "testing/lowering.h"

namespace graphc {
namespace {

// Pixel values that differ everywhere: 1 + y * 100 + x * 10 + c.
std::vector<float> numbered(const ImageShape& s) {
  std::vector<float> v(static_cast<size_t>(s.elements()));
  for (int64_t y = 0; y < s.height; ++y)
    for (int64_t x = 0; x < s.width; ++x)
      for (int64_t c = 0; c < s.channels; ++c)
        v[static_cast<size_t>((y * s.width + x) * s.channels + c)] = static_cast<float>(1 + y * 100 + x * 10 + c);
  return v;
}

std::vector<float> transformed(const ImageTransform& t, const ImageShape& s, const std::vector<float>& src) {
  std::vector<float> out(src.size(), -1.0f);
  std::vector<float> black(static_cast<size_t>(s.channels), 0.0f);
  transformImage(t, s, src.data(), out.data(), black.data());
  return out;
}

float at(const std::vector<float>& v, const ImageShape& s, int64_t y, int64_t x, int64_t c) {
  return v[static_cast<size_t>((y * s.width + x) * s.channels + c)];
}

// Keras' 'reflect' by repeated mirroring: -1 is 0, -2 is 1, n is n - 1, n + 1 is n - 2, ...
int64_t mirrored(int64_t i, int64_t n) {
  while (i < 0 || i >= n) i = i < 0 ? -i - 1 : 2 * n - 1 - i;
  return i;
}

// Bilinear sampling at a real point of the reflected image, in double.
double sample(const std::vector<float>& v, const ImageShape& s, double y, double x, int64_t c) {
  double fy = std::floor(y), fx = std::floor(x);
  double wy = y - fy, wx = x - fx;
  auto px = [&](double yy, double xx) {
    return static_cast<double>(
        at(v, s, mirrored(static_cast<int64_t>(yy), s.height), mirrored(static_cast<int64_t>(xx), s.width), c));
  };
  return (1 - wy) * ((1 - wx) * px(fy, fx) + wx * px(fy, fx + 1)) +
         wy * ((1 - wx) * px(fy + 1, fx) + wx * px(fy + 1, fx + 1));
}

// The transform, undone one layer at a time from the output back to the source: the crop window,
// then zoom, rotation, translation and flips, each about the image's centre.
std::vector<double> reference(const ImageTransform& t, const ImageShape& s, const std::vector<float>& src) {
  std::vector<double> out;
  double cy = (static_cast<double>(s.height) - 1) / 2, cx = (static_cast<double>(s.width) - 1) / 2;
  for (int64_t y = 0; y < s.height; ++y)
    for (int64_t x = 0; x < s.width; ++x)
      for (int64_t c = 0; c < s.channels; ++c) {
        double py = static_cast<double>(y + t.cropY), px = static_cast<double>(x + t.cropX);
        if (py < 0 || py >= static_cast<double>(s.height) || px < 0 || px >= static_cast<double>(s.width)) {
          out.push_back(0);
          continue;
        }
        // Zoom: Keras' RandomZoom reads the source at centre + scale * (p - centre).
        double zy = cy + t.scale * (py - cy), zx = cx + t.scale * (px - cx);
        // Rotation: Keras' matrix [cos, -sin; sin, cos] on (x, y) about the centre.
        double ry = cy + std::sin(t.angle) * (zx - cx) + std::cos(t.angle) * (zy - cy);
        double rx = cx + std::cos(t.angle) * (zx - cx) - std::sin(t.angle) * (zy - cy);
        // Translation: the content moved by the shift, so the source is the point before it.
        double ty = ry - t.shiftY, tx = rx - t.shiftX;
        // Flips mirror about the centre.
        double fy = t.flipVertical ? static_cast<double>(s.height) - 1 - ty : ty;
        double fx = t.flipHorizontal ? static_cast<double>(s.width) - 1 - tx : tx;
        out.push_back(sample(src, s, fy, fx, c));
      }
  return out;
}

void expectNear(const std::vector<float>& got, const std::vector<double>& want, double tolerance) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], want[i], tolerance) << "at element " << i;
}

TEST(Augment, FlipsMirrorExactly) {
  ImageShape s{3, 4, 2};
  std::vector<float> src = numbered(s);
  ImageTransform h, v, both;
  h.flipHorizontal = true;
  v.flipVertical = true;
  both.flipHorizontal = both.flipVertical = true;
  auto outH = transformed(h, s, src), outV = transformed(v, s, src), outBoth = transformed(both, s, src);
  for (int64_t y = 0; y < 3; ++y)
    for (int64_t x = 0; x < 4; ++x)
      for (int64_t c = 0; c < 2; ++c) {
        EXPECT_EQ(at(outH, s, y, x, c), 1 + y * 100 + (3 - x) * 10 + c);
        EXPECT_EQ(at(outV, s, y, x, c), 1 + (2 - y) * 100 + x * 10 + c);
        EXPECT_EQ(at(outBoth, s, y, x, c), 1 + (2 - y) * 100 + (3 - x) * 10 + c);
      }
}

TEST(Augment, WholePixelShiftsReflectAtTheEdges) {
  ImageShape s{4, 5, 1};
  std::vector<float> src = numbered(s);
  ImageTransform t;
  t.shiftY = -2;  // up by two rows
  t.shiftX = 1;   // right by one column
  auto out = transformed(t, s, src);
  // Row 2 shows source row 4, reflected to row 3 (d c b a | a b c d | d c b a); column 0 shows
  // column -1, reflected to 0.
  EXPECT_EQ(at(out, s, 0, 0, 0), at(src, s, 2, 0, 0));
  EXPECT_EQ(at(out, s, 1, 3, 0), at(src, s, 3, 2, 0));
  EXPECT_EQ(at(out, s, 2, 4, 0), at(src, s, 3, 3, 0));
  EXPECT_EQ(at(out, s, 3, 0, 0), at(src, s, 2, 0, 0));
  for (int64_t y = 0; y < 4; ++y)
    for (int64_t x = 0; x < 5; ++x)
      EXPECT_EQ(at(out, s, y, x, 0), at(src, s, mirrored(y + 2, 4), mirrored(x - 1, 5), 0));
}

TEST(Augment, FractionalShiftInterpolatesBetweenNeighbours) {
  ImageShape s{2, 4, 1};
  std::vector<float> src = {0, 10, 20, 30, 100, 110, 120, 130};
  ImageTransform t;
  t.shiftX = 0.25;  // each pixel shows three quarters of itself and a quarter of its left neighbour
  auto out = transformed(t, s, src);
  std::vector<float> want = {0, 7.5f, 17.5f, 27.5f, 100, 107.5f, 117.5f, 127.5f};
  for (size_t i = 0; i < want.size(); ++i) EXPECT_FLOAT_EQ(out[i], want[i]) << i;
}

TEST(Augment, RotationBy90DegreesIsATransposeAndAVerticalFlip) {
  ImageShape s{5, 5, 3};
  std::vector<float> src = numbered(s);
  ImageTransform t;
  t.angle = M_PI / 2;
  auto out = transformed(t, s, src);
  for (int64_t y = 0; y < 5; ++y)
    for (int64_t x = 0; x < 5; ++x)
      for (int64_t c = 0; c < 3; ++c) EXPECT_NEAR(at(out, s, y, x, c), at(src, s, x, 4 - y, c), 1e-3);
  t.angle = M_PI;  // a half turn is both flips
  ImageTransform flips;
  flips.flipHorizontal = flips.flipVertical = true;
  auto half = transformed(t, s, src), flipped = transformed(flips, s, src);
  for (size_t i = 0; i < half.size(); ++i) EXPECT_NEAR(half[i], flipped[i], 1e-3);
}

TEST(Augment, ZoomZeroIsTheIdentity) {
  ImageShape s{6, 7, 3};
  std::vector<float> src = numbered(s);
  Augmentation a;
  a.zoom = 0;
  a.rotate = 0;
  for (int64_t index = 0; index < 8; ++index) {
    ImageTransform t = drawTransform(a, s, 5, 11, index);
    EXPECT_EQ(t.scale, 1.0);
    EXPECT_EQ(transformed(t, s, src), src);
  }
}

TEST(Augment, ZoomAndPadCropMatchTheReference) {
  ImageShape s{6, 8, 1};
  std::vector<float> src = numbered(s);
  ImageTransform zoomIn, zoomOut, crop;
  zoomIn.scale = 0.5;
  zoomOut.scale = 1.75;
  crop.cropY = -1;
  crop.cropX = 2;
  expectNear(transformed(zoomIn, s, src), reference(zoomIn, s, src), 1e-3);
  expectNear(transformed(zoomOut, s, src), reference(zoomOut, s, src), 1e-3);
  auto out = transformed(crop, s, src);
  for (int64_t y = 0; y < 6; ++y)
    for (int64_t x = 0; x < 8; ++x)
      EXPECT_EQ(at(out, s, y, x, 0), y - 1 >= 0 && x + 2 < 8 ? at(src, s, y - 1, x + 2, 0) : 0.0f);
}

TEST(Augment, RandomTransformsOfAColourImageMatchTheReference) {
  ImageShape s{9, 7, 3};
  std::vector<float> src(static_cast<size_t>(s.elements()));
  std::mt19937 rng(4);
  std::uniform_real_distribution<float> u(0, 1);
  for (float& v : src) v = u(rng);
  Augmentation a;
  a.flipHorizontal = a.flipVertical = true;
  a.translate = 0.3;
  a.rotate = 40;
  a.zoom = 0.4;
  a.padCrop = 2;
  for (int64_t index = 0; index < 40; ++index) {
    ImageTransform t = drawTransform(a, s, 9, 3, index);
    SCOPED_TRACE(index);
    expectNear(transformed(t, s, src), reference(t, s, src), 1e-5);
    t.angle = 0;  // the path for transforms without rotation
    expectNear(transformed(t, s, src), reference(t, s, src), 1e-5);
  }
}

TEST(Augment, DrawsAreFunctionsOfSeedStepAndIndexWithinTheirRanges) {
  Augmentation a;
  a.flipHorizontal = true;
  a.translate = 0.1;
  a.rotate = 15;
  a.zoom = 0.2;
  a.padCrop = 3;
  ImageShape s{28, 28, 1};
  auto same = [](const ImageTransform& p, const ImageTransform& q) {
    return p.flipHorizontal == q.flipHorizontal && p.flipVertical == q.flipVertical && p.shiftY == q.shiftY &&
           p.shiftX == q.shiftX && p.angle == q.angle && p.scale == q.scale && p.cropY == q.cropY && p.cropX == q.cropX;
  };
  EXPECT_TRUE(same(drawTransform(a, s, 1, 2, 3), drawTransform(a, s, 1, 2, 3)));
  EXPECT_FALSE(same(drawTransform(a, s, 1, 2, 3), drawTransform(a, s, 1, 2, 4)));
  EXPECT_FALSE(same(drawTransform(a, s, 1, 2, 3), drawTransform(a, s, 1, 3, 3)));
  EXPECT_FALSE(same(drawTransform(a, s, 1, 2, 3), drawTransform(a, s, 2, 2, 3)));
  int flips = 0, n = 4000;
  double lowShift = 0, highShift = 0;
  std::vector<int> crops(7, 0);
  for (int i = 0; i < n; ++i) {
    ImageTransform t = drawTransform(a, s, 0, i / 32, i % 32);
    flips += t.flipHorizontal;
    EXPECT_FALSE(t.flipVertical);
    ASSERT_LE(std::abs(t.shiftY), 2.8);
    ASSERT_LE(std::abs(t.shiftX), 2.8);
    ASSERT_LE(std::abs(t.angle), 15 * M_PI / 180);
    ASSERT_LE(std::abs(t.scale - 1), 0.2);
    ASSERT_LE(std::abs(t.cropY), 3);
    ++crops[static_cast<size_t>(t.cropX + 3)];
    lowShift = std::min(lowShift, t.shiftX), highShift = std::max(highShift, t.shiftX);
  }
  EXPECT_NEAR(flips, n / 2, 150);  // about 5 standard deviations
  EXPECT_LT(lowShift, -2.6);
  EXPECT_GT(highShift, 2.6);
  for (int c : crops) EXPECT_GT(c, n / 7 - 150);
}

Augmentation lowered(const std::string& map) {
  return lowerSource("x = placeholder(f32, [?, 28, 28, 1])\ntrain {\n  augment = " + map + "\n}\n").train.augment;
}

TEST(AugmentLowering, ReadsEverySetting) {
  Augmentation a = lowered("{flip: horizontal, translate: 0.1, rotate: 10, zoom: 0.2, pad_crop: 4}");
  EXPECT_TRUE(a.flipHorizontal);
  EXPECT_FALSE(a.flipVertical);
  EXPECT_EQ(a.translate, 0.1);
  EXPECT_EQ(a.rotate, 10);
  EXPECT_EQ(a.zoom, 0.2);
  EXPECT_EQ(a.padCrop, 4);
  EXPECT_TRUE(lowered("{flip: vertical}").flipVertical);
  EXPECT_FALSE(lowered("{flip: vertical}").flipHorizontal);
  Augmentation both = lowered("{flip: \"horizontal_and_vertical\", crop: 2}");
  EXPECT_TRUE(both.flipHorizontal && both.flipVertical);
  EXPECT_EQ(both.padCrop, 2);
  EXPECT_FALSE(lowered("{translate: 0}").enabled());
  EXPECT_FALSE(lowerSource("x = placeholder(f32, [?, 4])\n").train.augment.enabled());
}

TEST(AugmentLowering, BadSettingsAreErrorsAtTheirPlace) {
  auto in = [](const char* map) {
    static std::vector<std::string> keep;
    keep.push_back(std::string("x = placeholder(f32, [?, 4])\ntrain {\n  augment = ") + map + "\n}\n");
    return keep.back().c_str();
  };
  expectLoweringErrors({
      {in("{flip: horizonal}"), "unknown flip mode 'horizonal' (did you mean 'horizontal'?"},
      {in("{flip: 1}"), "augment: flip takes horizontal, vertical or both"},
      {in("{translte: 0.1}"), "unknown augment key 'translte' (did you mean 'translate'?"},
      {in("{translate: 1.5}"), "augment: translate must be in [0, 1], found 1.5"},
      {in("{translate: -0.1}"), "augment: translate must be in [0, 1], found -0.1"},
      {in("{rotate: 270}"), "augment: rotate (degrees) must be in [0, 180], found 270"},
      {in("{zoom: 1}"), "augment: zoom must be in [0, 1), found 1"},
      {in("{pad_crop: 2.5}"), "expected an integer for pad_crop, found 2.5"},
      {in("{pad_crop: -1}"), "augment: pad_crop must be at least 0, found -1"},
      {in("{pad_crop: 1, crop: 2}"), "augment: pad_crop is given twice"},
      {in("[0.1]"), "expected a map such as {flip: horizontal, translate: 0.1} for augment"},
  });
}

// A data set of four 2x3 images with two channels, and a model with feeds for them.
struct Fixture {
  Model model = lowerSource("x = placeholder(f32, [?, 2, 3, 2])\ny = placeholder(i32, [?])\n");
  LabeledImages data;
  std::vector<FeedSpec> feeds;
  Fixture() {
    data.count = 4;
    data.height = 2;
    data.width = 3;
    data.channels = 2;
    data.pixels = 12;
    for (int i = 0; i < 48; ++i) data.images.push_back(static_cast<uint8_t>(i * 5));
    data.labels = {0, 1, 2, 1};
    data.classes = 3;
    FeedSpec x, y;
    x.placeholder = model.graph.findByName("x");
    y.placeholder = model.graph.findByName("y");
    y.kind = FeedSpec::Kind::Label;
    feeds = {x, y};
  }
  std::vector<float> feed(const std::vector<int64_t>& order, const BatchAugmentation& augmentation) {
    Halide::Buffer<> out = feedBuffer(model.graph, feeds[0], static_cast<int64_t>(order.size()));
    DataSpec spec;
    spec.scale = 0.5;
    fillFeed(model.graph, feeds[0], data, spec, order, 0, static_cast<int64_t>(order.size()), out, augmentation);
    const float* p = static_cast<const float*>(out.data());
    return {p, p + out.number_of_elements()};
  }
};

TEST(Augment, TheFeederAugmentsTrainingBatchesOnly) {
  Fixture f;
  std::vector<int64_t> order = {2, 0, 3};
  std::vector<float> plain = f.feed(order, {});
  for (size_t i = 0; i < plain.size(); ++i)
    EXPECT_EQ(plain[i], 0.5f * static_cast<float>(f.data.images[static_cast<size_t>(order[i / 12] * 12) + i % 12]));
  Augmentation none;
  EXPECT_EQ(f.feed(order, {&none, 1, 7}), plain);
  Augmentation flip;
  flip.flipHorizontal = true;
  std::vector<float> flipped = f.feed(order, {&flip, 1, 7});
  ImageShape s{2, 3, 2};
  for (int64_t i = 0; i < 3; ++i) {
    std::vector<float> image(plain.begin() + i * 12, plain.begin() + (i + 1) * 12);
    ImageTransform t = drawTransform(flip, s, 1, 7, i);
    std::vector<float> want = image;
    if (t.flipHorizontal)
      for (int64_t y = 0; y < 2; ++y)
        for (int64_t x = 0; x < 3; ++x)
          for (int64_t c = 0; c < 2; ++c) want[static_cast<size_t>((y * 3 + x) * 2 + c)] = at(image, s, y, 2 - x, c);
    EXPECT_EQ(std::vector<float>(flipped.begin() + i * 12, flipped.begin() + (i + 1) * 12), want) << i;
  }
}

// Float images of three channels with a mean and std per channel: augmentation moves the
// converted values, and pad_crop pads with what a stored 0 becomes (-mean / std), as torchvision's
// RandomCrop(padding) before Normalize.
TEST(Augment, PadCropPadsFloatImagesWithAConvertedZero) {
  Model model = lowerSource("x = placeholder(f32, [?, 2, 2, 3])\n");
  FeedSpec x;
  x.placeholder = model.graph.findByName("x");
  LabeledImages data;
  data.count = 1;
  data.height = data.width = 2;
  data.channels = 3;
  data.pixels = 12;
  for (int i = 0; i < 12; ++i) data.floatImages.push_back(0.25f * static_cast<float>(i) - 1.0f);
  DataSpec spec;
  spec.scale = 2;
  spec.mean = {0.5, 1, -1};
  spec.std = {2, 4, 0.5};
  Augmentation a;
  a.padCrop = 1;
  ImageShape s{2, 2, 3};
  int checked = 0;
  for (int64_t step = 0; step < 20; ++step) {
    ImageTransform t = drawTransform(a, s, 3, step, 0);
    Halide::Buffer<> out = feedBuffer(model.graph, x, 1);
    fillFeed(model.graph, x, data, spec, {0}, 0, 1, out, {&a, 3, step});
    const float* got = static_cast<const float*>(out.data());
    for (int64_t y = 0; y < 2; ++y)
      for (int64_t xx = 0; xx < 2; ++xx)
        for (int64_t c = 0; c < 3; ++c) {
          int64_t sy = y + t.cropY, sx = xx + t.cropX;
          bool inside = sy >= 0 && sy < 2 && sx >= 0 && sx < 2;
          double stored = inside ? data.floatImages[static_cast<size_t>((sy * 2 + sx) * 3 + c)] : 0.0;
          double want = (stored * spec.scale - spec.mean[static_cast<size_t>(c)]) / spec.std[static_cast<size_t>(c)];
          EXPECT_NEAR(got[(y * 2 + xx) * 3 + c], want, 1e-6) << "step " << step << " at " << y << "," << xx << "," << c;
          checked += inside ? 0 : 1;
        }
  }
  EXPECT_GT(checked, 0);  // some draws moved the window off the image
}

TrainingData trainingData(Fixture& f, const Augmentation& a) {
  TrainingData d;
  d.graph = &f.model.graph;
  d.feeds = f.feeds;
  d.data = &f.data;
  d.indices = {0, 1, 2, 3};
  d.spec.scale = 1.0 / 255;
  d.batch = 3;  // two steps an epoch, the second of one example
  d.seed = 21;
  d.augment = a;
  return d;
}

std::vector<std::vector<float>> contents(const TrainingBatch& b) {
  std::vector<std::vector<float>> out;
  for (const Halide::Buffer<>& buffer : b.buffers) {
    std::vector<float> values;
    for (int64_t i = 0; i < static_cast<int64_t>(buffer.number_of_elements()); ++i)
      values.push_back(buffer.type() == Halide::Float(32)
                           ? static_cast<const float*>(buffer.data())[i]
                           : static_cast<float>(static_cast<const int32_t*>(buffer.data())[i]));
    out.push_back(values);
  }
  return out;
}

TEST(BatchPipeline, TheBackgroundThreadMakesTheBatchesOfTheSynchronousPath) {
  Fixture f;
  Augmentation a;
  a.flipHorizontal = true;
  a.translate = 0.2;
  BatchPipeline sync(trainingData(f, a), 0, 9, 0), ahead(trainingData(f, a), 0, 9, 2);
  std::vector<std::vector<std::vector<float>>> all;
  for (int64_t step = 0; step < 9; ++step) {
    all.push_back(contents(sync.take(step)));
    EXPECT_EQ(contents(ahead.take(step)), all.back()) << step;
    EXPECT_EQ(all.back()[1].size(), step % 2 == 0 ? 3u : 1u);
  }
  // Epochs are shuffled differently; a step's labels are those of its epoch's order.
  EXPECT_NE(all[0][1], all[2][1]);
  // A run resumed at step 5 (mid-epoch) replays the shuffles before it and makes the same batches.
  BatchPipeline resumed(trainingData(f, a), 5, 9, 3);
  for (int64_t step = 5; step < 9; ++step) EXPECT_EQ(contents(resumed.take(step)), all[static_cast<size_t>(step)]);
  // A replay of the epoch's earlier step (searching for a non-finite value) makes it again.
  EXPECT_EQ(contents(ahead.take(8)), all[8]);
  EXPECT_THROW(ahead.take(6), std::logic_error);  // an earlier epoch's
}

// Data parallelism: rank r of N takes its slice of each global batch; the slices of every rank,
// in rank order, are one process's batch, augmentation included (each image is drawn by its place
// in the global batch), also when the batch does not divide (the short last batch of an epoch).
TEST(BatchPipeline, TheRanksSharesMakeOneProcesssBatch) {
  Fixture f;
  Augmentation a;
  a.flipHorizontal = true;
  a.translate = 0.2;
  for (int64_t batch : {2, 3, 4}) {
    TrainingData one = trainingData(f, a);
    one.batch = batch;
    BatchPipeline whole(one, 0, 6, 0);
    std::vector<std::unique_ptr<BatchPipeline>> ranks;
    for (int r = 0; r < 2; ++r) {
      TrainingData share = one;
      share.rank = r;
      share.ranks = 2;
      ranks.push_back(std::make_unique<BatchPipeline>(share, 0, 6, r));  // with and without the thread
    }
    for (int64_t step = 0; step < 6; ++step) {
      std::vector<std::vector<float>> want = contents(whole.take(step)), got(want.size());
      for (auto& rank : ranks) {
        std::vector<std::vector<float>> part = contents(rank->take(step));
        for (size_t feed = 0; feed < part.size(); ++feed)
          got[feed].insert(got[feed].end(), part[feed].begin(), part[feed].end());
      }
      EXPECT_EQ(got, want) << "batch " << batch << " step " << step;
      TrainingData::Share first = ranks[0]->data().shareOf(step), second = ranks[1]->data().shareOf(step);
      EXPECT_EQ(first.offset, 0);
      EXPECT_EQ(second.offset, first.size);
      EXPECT_LE(second.size - first.size, 1);
    }
  }
}

TEST(BatchPipeline, WhatPreparingABatchThrowsReachesTheCaller) {
  Fixture f;
  TrainingData broken = trainingData(f, {});
  broken.feeds[1].placeholder = 999;  // no such node: Graph::node throws std::out_of_range on the data thread
  for (int ahead : {0, 2}) {
    BatchPipeline pipeline(broken, 0, 5, ahead);
    try {
      pipeline.take(0);
      ADD_FAILURE() << "no exception with " << ahead << " batches ahead";
    } catch (const std::out_of_range& e) {
      EXPECT_NE(std::string(e.what()).find("999"), std::string::npos) << e.what();
    }
  }
}

TEST(BatchPipeline, StopsItsThreadWhenTheRunEndsEarly) {
  Fixture f;
  for (int taken = 0; taken < 3; ++taken) {
    BatchPipeline pipeline(trainingData(f, {}), 0, 1000, 2);
    for (int64_t step = 0; step < taken; ++step) pipeline.take(step);
  }  // each destructor returns with its thread joined (a hang here would time the test out)
}

}  // namespace
}  // namespace graphc
