// \file `graphc predict`: classifies PNG images or the images of an IDX file with a checkpoint,
// printing each image's most probable classes.
#include <fmt/core.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <set>

#include "driver/pipeline.h"
#include "passes/class_scores.h"
#include "runtime/checkpoint.h"
#include "runtime/feeder.h"
#include "runtime/idx.h"
#include "runtime/png_images.h"
#include "runtime/session.h"
#include "runtime/trainer.h"
#include "support/diagnostics.h"
#include "tools/verbs.h"

namespace graphc {
namespace {

const char* kPredictDescription =
    "Classifies images with the variables of a checkpoint and prints, for each image, its\n"
    "predicted class and probability:  IMAGE: CLASS (PROBABILITY)\n"
    "\n"
    "IMAGE is a PNG file (any colour type; colour becomes gray with ITU-R 601 luma, alpha is\n"
    "ignored; it must have the model's image size, 28x28 for MNIST) or an IDX file of images\n"
    "(such as t10k-images-idx3-ubyte, plain or .gz), whose images print as FILE[i]. Pixels are\n"
    "scaled as the train block's data says and fed to the placeholder it feeds with `image`.\n"
    "\n"
    "The probabilities are the softmax of the model's class scores. The scores are found by\n"
    "walking back from the train block's first metric (else from its minimize value) through\n"
    "first inputs first: the first softmax over [?, K] found is taken as the probabilities\n"
    "themselves; without one, the first f32 [?, K] value found (the logits) goes through softmax.\n"
    "For `acc = accuracy(probs, y)` that is probs.";

constexpr int64_t kMaxBatch = 1000;

// The node holding the class scores (or probabilities): see kPredictDescription.
int findScores(const Model& model) {
  int id = findClassScores(model);
  if (id < 0)
    throw UserError(model.train.loc,
                    "predict cannot find the class scores: the train block's first metric and its minimize value "
                    "depend on no f32 [?, K] value");
  return id;
}

// The image size the model takes, from the shape of the placeholder fed with images.
struct ImageSize {
  int64_t width = 0, height = 0;
};

ImageSize imageSize(const Node& placeholder) {
  const Shape& s = placeholder.shape;
  std::string type = typeToString(placeholder.dtype, s);
  if (s.size() == 4 && s[3] == 1) return {s[2], s[1]};
  if (s.size() == 3) return {s[2], s[1]};
  if (s.size() == 2) {
    auto side = static_cast<int64_t>(std::llround(std::sqrt(static_cast<double>(s[1]))));
    if (side * side == s[1]) return {side, side};
  }
  throw InputError("predict: the image placeholder '" + placeholder.name + "' is " + type +
                   "; predict feeds square grayscale images to f32[?,N*N], f32[?,H,W] or f32[?,H,W,1]");
}

// The images of each argument, appended to images; names[i] says where image i came from.
void readImages(const std::vector<std::string>& paths, ImageSize size, LabeledImages& images,
                std::vector<std::string>& names) {
  images.pixels = size.width * size.height;
  for (const std::string& path : paths) {
    std::string ext = path.size() >= 4 ? path.substr(path.size() - 4) : "";
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    if (looksLikePng(path) || ext == ".png") {
      GrayImage img = readPngGray(path, size.width, size.height);
      images.images.insert(images.images.end(), img.pixels.begin(), img.pixels.end());
      names.push_back(path);
      continue;
    }
    IdxArray idx = readIdx(path);
    size_t rank = idx.dims.size();
    int64_t count = rank == 3 ? idx.dims[0] : 1;
    bool fits = (rank == 3 || rank == 2) && idx.dims[rank - 2] == size.height && idx.dims[rank - 1] == size.width;
    if (!fits) {
      std::string dims;
      for (int64_t d : idx.dims) dims += (dims.empty() ? "" : "x") + std::to_string(d);
      throw InputError(path + ": an IDX array of " + dims + " bytes is not " + (rank == 3 ? "N x " : "") +
                       std::to_string(size.height) + " x " + std::to_string(size.width) +
                       " images (the model's size); expected a PNG or an IDX image file");
    }
    images.images.insert(images.images.end(), idx.data.begin(), idx.data.end());
    for (int64_t i = 0; i < count; ++i) names.push_back(path + "[" + std::to_string(i) + "]");
  }
  images.count = static_cast<int64_t>(names.size());
  images.labels.assign(static_cast<size_t>(images.count), 0);
}

}  // namespace

int predictVerb(const std::vector<std::string>& args) {
  VerbFlags flags("predict", "graphc predict FILE.mnn --load CHECKPOINT IMAGE... [flags]", kPredictDescription);
  std::optional<std::string> load;
  std::optional<int64_t> topFlag, digitsFlag;
  TargetFlags target;
  flags.text("load", load, "the checkpoint, in the safetensors format (required)");
  flags.integer("top", topFlag, 1, "print the K most probable classes, most probable first (default 1)", "K");
  flags.integer("digits", digitsFlag, 1, "print probabilities with D decimals (default 4; 9 shows every float)", "D");
  addTargetFlags(flags, target, "where kernels run: host (default), cuda, opencl, or a Halide target string");
  if (!flags.parse(args)) return 0;
  if (flags.positional().size() < 2)
    throw FlagError{flags.positional().empty() ? "expected a .mnn file and images"
                                               : "expected images after the .mnn file"};
  std::string checkpoint = load.value_or("");
  if (checkpoint.empty()) throw FlagError{"predict needs a checkpoint: --load FILE"};
  int64_t top = topFlag.value_or(1);
  int digits = static_cast<int>(std::min<int64_t>(digitsFlag.value_or(4), 17));
  CompileOptions compile = configureTarget(target);

  Model model = loadModel(flags.positional()[0]);
  if (!model.train.present)
    throw UserError({}, "predict needs the train block: its feed says which placeholder takes images");
  const FeedSpec* imageFeed = nullptr;
  std::vector<FeedSpec> feeds = evaluationFeeds(model.train, model.graph);
  for (const FeedSpec& f : feeds)
    if (f.kind == FeedSpec::Kind::Image) imageFeed = &f;
  if (!imageFeed) throw UserError(model.train.loc, "predict needs a placeholder fed with `image` in the train block");
  int scores = findScores(model);
  Graph& graph = model.graph;
  int probs = graph.node(scores).op == Op::Softmax ? scores : graph.add(Op::Softmax, {scores}, {}, {}, "predict/probs");

  LabeledImages images;
  std::vector<std::string> names;
  readImages({flags.positional().begin() + 1, flags.positional().end()}, imageSize(graph.node(imageFeed->placeholder)),
             images, names);

  Session session(graph, model.train.seed, compile);
  loadCheckpoint(checkpoint, session);
  for (const char* name : {kTrainingFlagName, kStepName}) {
    int id = graph.findByName(name);
    if (id >= 0) session.feed(id, scalarValue(graph.node(id).dtype, 0.0));
  }
  int64_t classes = graph.node(probs).shape[1];
  top = std::min(top, classes);
  // One batch size for every batch (the last is padded), so one program is compiled.
  int64_t batch = std::min(images.count, kMaxBatch);
  std::vector<int64_t> order(static_cast<size_t>(batch * ((images.count + batch - 1) / batch)));
  for (size_t i = 0; i < order.size(); ++i) order[i] = std::min(static_cast<int64_t>(i), images.count - 1);
  std::map<int, Halide::Buffer<>> buffers;
  for (int64_t first = 0; first < images.count; first += batch) {
    for (const FeedSpec& f : feeds) {
      if (f.kind == FeedSpec::Kind::Label) continue;  // nothing to feed; the scores never need labels
      auto it = buffers.find(f.placeholder);
      if (it == buffers.end()) it = buffers.emplace(f.placeholder, feedBuffer(graph, f, batch)).first;
      fillFeed(graph, f, images, model.train.data, order, first, batch, it->second);
      session.feed(f.placeholder, it->second);
    }
    Halide::Buffer<float> p(session.run({probs}, batch)[0]);
    for (int64_t i = 0; i < batch && first + i < images.count; ++i) {
      // p is in Halide's order: p(class, row).
      std::vector<int> ranked(static_cast<size_t>(classes));
      for (int c = 0; c < classes; ++c) ranked[static_cast<size_t>(c)] = c;
      std::stable_sort(ranked.begin(), ranked.end(),
                       [&](int a, int b) { return p(a, static_cast<int>(i)) > p(b, static_cast<int>(i)); });
      std::string line = names[static_cast<size_t>(first + i)] + ":";
      for (int64_t k = 0; k < top; ++k) {
        int c = ranked[static_cast<size_t>(k)];
        line += fmt::format("{}{} ({:.{}f})", k ? ", " : " ", c, p(c, static_cast<int>(i)), digits);
      }
      fmt::print("{}\n", line);
    }
  }
  std::fflush(stdout);
  return 0;
}

}  // namespace graphc
