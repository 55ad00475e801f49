// \file Feed conversion (docs/language.md section 6).
#include "runtime/feeder.h"

#include <fmt/format.h>

#include "codegen/program.h"
#include "support/diagnostics.h"

namespace graphc {
namespace {

int64_t perExample(const Shape& s) {
  int64_t n = 1;
  for (size_t i = 1; i < s.size(); ++i) n *= s[i];
  return n;
}

std::string where(const Graph& graph, const FeedSpec& f) {
  return "feed of placeholder '" + graph.node(f.placeholder).name + "'";
}

// A feed that does not fit is the model's mistake: reported at the feed entry with a caret.
[[noreturn]] void misfit(const FeedSpec& f, const std::string& message) { throw UserError(f.loc, message); }

// The fewest classes any op reading the label placeholder has: the last dimension of the scores
// (or logits, probabilities) a cross-entropy or accuracy reads beside it, or one_hot's depth.
// Returns the reading node too; INT64_MAX and -1 when no op bounds the ids.
std::pair<int64_t, int> classesOfReaders(const Graph& graph, int labels) {
  std::pair<int64_t, int> fewest = {INT64_MAX, -1};
  for (int id = 0; id < static_cast<int>(graph.size()); ++id) {
    const Node& n = graph.node(id);
    int64_t classes = INT64_MAX;
    if (n.op == Op::OneHot && n.inputs[0] == labels) {
      classes = n.attrs.getInt("depth");
    } else if ((n.op == Op::SoftmaxCrossEntropy || n.op == Op::SoftmaxCrossEntropyGrad ||
                n.op == Op::ProbsCrossEntropy || n.op == Op::ProbsCrossEntropyGrad || n.op == Op::Accuracy) &&
               n.inputs.size() > 1 && n.inputs[1] == labels) {
      const Shape& scores = graph.node(n.inputs[0]).shape;
      if (!scores.empty() && scores.back() > 0) classes = scores.back();
    }
    if (classes < fewest.first) fewest = {classes, id};
  }
  return fewest;
}

void checkLabelRange(const Graph& graph, const FeedSpec& f, const LabeledImages& data, const std::string& labelFile) {
  auto [classes, reader] = classesOfReaders(graph, f.placeholder);
  if (reader < 0 || data.classes <= classes) return;
  int64_t index = 0;
  while (index < data.count && data.labels[static_cast<size_t>(index)] < classes) ++index;
  const Node& r = graph.node(reader);
  const Node& scores = graph.node(r.inputs[0]);
  std::string by = r.op == Op::OneHot
                       ? "one_hot(depth = " + std::to_string(classes) + ")"
                       : opName(r.op) + " on " + (scores.name.empty() ? "scores" : "'" + scores.name + "'") + " " +
                             typeToString(scores.dtype, scores.shape);
  misfit(f, labelFile + ": example " + std::to_string(index) + " has label " +
                std::to_string(data.labels[static_cast<size_t>(index)]) + ", outside the model's " +
                std::to_string(classes) + " classes (" + by + " takes labels 0 to " + std::to_string(classes - 1) +
                "); the labels go up to " + std::to_string(data.classes - 1));
}

// The data's image size: `28x28 = 784 pixels`, `32x32x3 = 3072 values`.
std::string imageSize(const LabeledImages& d) {
  if (d.channels == 1) return fmt::format("{}x{} = {} pixels", d.height, d.width, d.pixels);
  return fmt::format("{}x{}x{} = {} values", d.height, d.width, d.channels, d.pixels);
}

// The placeholder types that take these images as they are: the hint of a misfit, from the data.
std::string fittingTypes(const LabeledImages& d) {
  if (d.height == 1) return fmt::format("f32[?,{}]", d.pixels);
  return fmt::format("f32[?,{}] or f32[?,{},{},{}]", d.pixels, d.height, d.width, d.channels);
}

// How stored values become fed floats: times the scale, then for channel c less the mean and
// over the std, as v * a[c] + b[c]. Plain: bytes times the scale alone (MNIST's loop, unchanged).
struct PixelTransform {
  bool plain = true;
  float scale = 1;
  std::vector<float> a, b;
};

PixelTransform pixelTransform(const DataSpec& spec, const LabeledImages& data) {
  PixelTransform t;
  t.scale = static_cast<float>(spec.scale);
  t.plain = data.floatImages.empty() && spec.mean.empty() && spec.std.empty();
  for (size_t c = 0; c < static_cast<size_t>(data.channels); ++c) {
    double mean = spec.mean.empty() ? 0 : spec.mean[spec.mean.size() == 1 ? 0 : c];
    double std = spec.std.empty() ? 1 : spec.std[spec.std.size() == 1 ? 0 : c];
    t.a.push_back(static_cast<float>(spec.scale / std));
    t.b.push_back(static_cast<float>(-mean / std));
  }
  return t;
}

// The values of one example, converted, into out (data.pixels floats).
void convertImage(const LabeledImages& data, const PixelTransform& t, int64_t example, float* out) {
  auto pixels = static_cast<size_t>(data.pixels), channels = static_cast<size_t>(data.channels);
  size_t at = static_cast<size_t>(example) * pixels;
  if (t.plain) {
    const uint8_t* src = &data.images[at];
    for (size_t k = 0; k < pixels; ++k) out[k] = static_cast<float>(src[k]) * t.scale;
  } else if (data.floatImages.empty()) {
    const uint8_t* src = &data.images[at];
    for (size_t k = 0; k < pixels; k += channels)
      for (size_t c = 0; c < channels; ++c) out[k + c] = static_cast<float>(src[k + c]) * t.a[c] + t.b[c];
  } else {
    const float* src = &data.floatImages[at];
    for (size_t k = 0; k < pixels; k += channels)
      for (size_t c = 0; c < channels; ++c) out[k + c] = src[k + c] * t.a[c] + t.b[c];
  }
}

}  // namespace

void checkFeeds(const Graph& graph, const std::vector<FeedSpec>& feeds, const LabeledImages& data,
                const std::string& labelFile) {
  for (const FeedSpec& f : feeds) {
    const Node& p = graph.node(f.placeholder);
    std::string type = typeToString(p.dtype, p.shape);
    if (f.kind == FeedSpec::Kind::Constant) {
      if (!p.shape.empty()) misfit(f, where(graph, f) + ": a constant feeds only a scalar placeholder, found " + type);
      continue;
    }
    if (p.shape.empty() || p.shape[0] != kBatch)
      misfit(f, where(graph, f) + ": an image or label placeholder needs the batch dimension '?' first, found " + type);
    if (f.kind == FeedSpec::Kind::Image) {
      if (p.dtype != DType::F32 || perExample(p.shape) != data.pixels)
        misfit(f,
               where(graph, f) + ": images of " + imageSize(data) + " (" + fittingTypes(data) + ") do not fit " + type);
    } else {
      bool ids = p.dtype == DType::I32 && p.shape.size() == 1;
      bool oneHot = p.dtype == DType::F32 && p.shape.size() == 2 && p.shape[1] >= data.classes;
      if (!ids && !oneHot)
        misfit(f, where(graph, f) + ": labels of " + std::to_string(data.classes) + " classes fit i32[?] or f32[?," +
                      std::to_string(data.classes) + "], found " + type);
      if (ids) checkLabelRange(graph, f, data, labelFile);
    }
  }
}

Halide::Buffer<> feedBuffer(const Graph& graph, const FeedSpec& feed, int64_t batch) {
  const Node& p = graph.node(feed.placeholder);
  return allocateValue(p.dtype, bindBatch(p.shape, batch));
}

void fillFeed(const Graph& graph, const FeedSpec& feed, const LabeledImages& data, const DataSpec& spec,
              const std::vector<int64_t>& order, int64_t first, int64_t batch, Halide::Buffer<>& out,
              const BatchAugmentation& augmentation) {
  const Node& p = graph.node(feed.placeholder);
  if (feed.kind == FeedSpec::Kind::Constant) {
    Halide::Buffer<float> b(out);
    b() = static_cast<float>(feed.value);
    return;
  }
  if (feed.kind == FeedSpec::Kind::Image) {
    float* dst = static_cast<float*>(out.data());
    PixelTransform t = pixelTransform(spec, data);
    const Augmentation* a = augmentation.settings;
    if (!a || !a->enabled()) {
      for (int64_t i = 0; i < batch; ++i)
        convertImage(data, t, order[static_cast<size_t>(first + i)], dst + i * data.pixels);
      return;
    }
    ImageShape shape{data.height, data.width, data.channels};
    std::vector<float> image(static_cast<size_t>(data.pixels));
    for (int64_t i = 0; i < batch; ++i) {
      convertImage(data, t, order[static_cast<size_t>(first + i)], image.data());
      // pad_crop pads with a stored 0 as converted (black, before any mean and std: t.b).
      transformImage(drawTransform(*a, shape, augmentation.seed, augmentation.step, augmentation.position + i), shape,
                     image.data(), dst + i * data.pixels, t.b.data());
    }
    return;
  }
  if (p.dtype == DType::I32) {
    int32_t* dst = static_cast<int32_t*>(out.data());
    for (int64_t i = 0; i < batch; ++i)
      dst[i] = data.labels[static_cast<size_t>(order[static_cast<size_t>(first + i)])];
    return;
  }
  int64_t classes = p.shape[1];
  float* dst = static_cast<float*>(out.data());
  std::fill(dst, dst + batch * classes, 0.0f);
  for (int64_t i = 0; i < batch; ++i)
    dst[i * classes + data.labels[static_cast<size_t>(order[static_cast<size_t>(first + i)])]] = 1.0f;
}

}  // namespace graphc
