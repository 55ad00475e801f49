// \file `graphc predict`: classifies PNG and JPEG images or the images of an IDX file with a checkpoint,
// printing each image's most probable classes.
#include <fmt/core.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <set>

#include "driver/pipeline.h"
#include "passes/class_scores.h"
#include "runtime/checkpoint.h"
#include "runtime/data_metadata.h"
#include "runtime/dataset.h"
#include "runtime/feeder.h"
#include "runtime/idx.h"
#include "runtime/image_decode.h"
#include "runtime/image_folder.h"
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
    "IMAGE is a PNG or JPEG file of any size and colour type, or an IDX file of images (such as\n"
    "t10k-images-idx3-ubyte, plain or .gz), whose images print as FILE[i]. A PNG or JPEG is\n"
    "converted to the model's channels (grey is repeated into RGB; RGB becomes grey by ITU-R 601\n"
    "luma; alpha is dropped) and resized to the model's image size with stb_image_resize, each\n"
    "with a note. --invert turns dark on light into light on dark (255 - pixel); when an image's\n"
    "brightness is the opposite of the training images' (a dark digit on white paper fed to an\n"
    "MNIST model), a warning suggests it. Pixels are then scaled as the train block's data says\n"
    "and fed to the placeholder it feeds with `image`.\n"
    "\n"
    "CLASS is the class's name for a model trained on an image_folder (the checkpoint records the\n"
    "folder names; a checkpoint without them takes them from the data folder when it is there),\n"
    "else its number.\n"
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

// The image shape the model takes, from the shape of the placeholder fed with images.
struct ImageShape {
  int64_t height = 0, width = 0, channels = 1;
};

ImageShape imageShape(const Node& placeholder) {
  const Shape& s = placeholder.shape;
  std::string type = typeToString(placeholder.dtype, s);
  if (s.size() == 4 && (s[3] == 1 || s[3] == 3)) return {s[1], s[2], s[3]};
  if (s.size() == 3) return {s[1], s[2], 1};
  if (s.size() == 2) {
    auto side = static_cast<int64_t>(std::llround(std::sqrt(static_cast<double>(s[1]))));
    if (side * side == s[1]) return {side, side, 1};
  }
  throw InputError("predict: the image placeholder '" + placeholder.name + "' is " + type +
                   "; predict feeds images to f32[?,H,W,1], f32[?,H,W,3], f32[?,H,W] or square grey ones to "
                   "f32[?,N*N]");
}

// How predict prepares PNG and JPEG files.
struct ImageOptions {
  ImageShape shape;
  bool invert = false;
  std::optional<double> trainingMean;  // the training images' mean brightness in [0, 1], when known
};

// Warns when the image is bright where the training images were dark, or the other way round,
// and inverting it would bring it close to them.
void warnOnOppositeBrightness(const std::string& path, const Image& image, const ImageOptions& options) {
  if (!options.trainingMean || image.pixels.empty()) return;
  double sum = 0;
  for (uint8_t v : image.pixels) sum += v;
  double mean = sum / 255.0 / static_cast<double>(image.pixels.size()), train = *options.trainingMean;
  if (std::abs(mean - train) < 0.3 || std::abs(1 - mean - train) > std::abs(mean - train) / 2) return;
  auto tone = [](double m) { return m > 0.5 ? "light" : "dark"; };
  fmt::print(stderr,
             "graphc: warning: {}: the image is mostly {} (mean brightness {:.2f}) but the training images are mostly "
             "{} ({:.2f}); {} --invert?\n",
             path, tone(mean), mean, tone(train), train,
             options.invert ? "run without" : "a dark drawing on light paper? pass");
}

// A PNG or JPEG as the model takes it: converted, resized and inverted as options say.
std::vector<uint8_t> readModelImage(const std::string& path, const ImageOptions& options) {
  Image image = readImage(path);
  const ImageShape& want = options.shape;
  std::string changes;
  if (image.channels != want.channels) {
    changes += fmt::format("converted from {} to {}", channelsName(image.channels), channelsName(want.channels));
    image = convertChannels(image, want.channels);
  }
  if (image.height != want.height || image.width != want.width) {
    changes += fmt::format("{}resized from {}x{} to the model's {}x{}", changes.empty() ? "" : ", ", image.width,
                           image.height, want.width, want.height);
    image = resizeImage(image, want.height, want.width);
  }
  if (!changes.empty()) fmt::print(stderr, "graphc: note: {}: {}\n", path, changes);
  if (options.invert)
    for (uint8_t& v : image.pixels) v = static_cast<uint8_t>(255 - v);
  warnOnOppositeBrightness(path, image, options);
  return image.pixels;
}

// The images of each argument, appended to images; names[i] says where image i came from.
void readImages(const std::vector<std::string>& paths, const ImageOptions& options, LabeledImages& images,
                std::vector<std::string>& names) {
  const ImageShape& size = options.shape;
  images.height = size.height;
  images.width = size.width;
  images.channels = size.channels;
  images.pixels = size.width * size.height * size.channels;
  for (const std::string& path : paths) {
    if (hasImageExtension(path)) {
      std::vector<uint8_t> pixels = readModelImage(path, options);
      images.images.insert(images.images.end(), pixels.begin(), pixels.end());
      names.push_back(path);
      continue;
    }
    IdxArray idx = readIdx(path);
    // [N,] H, W for grey models, [N,] H, W, C for any.
    size_t rank = idx.dims.size(), imageRank = size.channels == 1 && rank <= 3 ? 2 : 3;
    bool fits = (rank == imageRank || rank == imageRank + 1) && idx.dims[rank - imageRank] == size.height &&
                idx.dims[rank - imageRank + 1] == size.width && (imageRank == 2 || idx.dims[rank - 1] == size.channels);
    if (!fits) {
      std::string dims;
      for (int64_t d : idx.dims) dims += (dims.empty() ? "" : "x") + std::to_string(d);
      throw InputError(fmt::format(
          "{}: an IDX array of {} bytes is not N x {} x {}{} images (the model's shape); "
          "expected a PNG, a JPEG or an IDX image file",
          path, dims, size.height, size.width, size.channels == 1 ? "" : " x " + std::to_string(size.channels)));
    }
    int64_t count = rank == imageRank + 1 ? idx.dims[0] : 1;
    if (options.invert)
      for (uint8_t& v : idx.data) v = static_cast<uint8_t>(255 - v);
    images.images.insert(images.images.end(), idx.data.begin(), idx.data.end());
    for (int64_t i = 0; i < count; ++i) names.push_back(path + "[" + std::to_string(i) + "]");
  }
  images.count = static_cast<int64_t>(names.size());
  images.labels.assign(static_cast<size_t>(images.count), 0);
}

// The class names: the checkpoint's, else an image_folder's folders when the folder is there
// (beside the .mnn file, then in the data folder); empty when neither names them (classes print as numbers).
std::vector<std::string> classNames(const Model& model, const CheckpointLoad& loaded, const std::string& checkpoint) {
  std::vector<std::string> names = classNamesFrom(loaded.metadata, checkpoint);
  const DataSpec& data = model.train.data;
  if (names.empty() && data.kind == "image_folder")
    for (const std::string& dir : dataPathCandidates(data, defaultDataDir(), data.dir)) {
      std::error_code ec;
      if (std::filesystem::is_directory(dir + "/train", ec)) return imageFolderClasses(dir);
    }
  return names;
}

}  // namespace

int predictVerb(const std::vector<std::string>& args) {
  VerbFlags flags("predict", "graphc predict FILE.mnn --load CHECKPOINT IMAGE... [flags]", kPredictDescription);
  std::optional<std::string> load;
  std::optional<int64_t> topFlag, digitsFlag;
  TargetFlags target;
  flags.text("load", load, "the checkpoint, in the safetensors format (required)");
  flags.integer("top", topFlag, 1, "print the K most probable classes, most probable first (default 1)", "K");
  bool invert = false;
  flags.flag("invert", invert, "feed 255 - pixel: dark drawings on light paper for models trained on light on dark");
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

  Session session(graph, model.train.seed, compile);
  CheckpointLoad loaded = loadCheckpoint(checkpoint, session);
  std::vector<std::string> classes = classNames(model, loaded, checkpoint);
  ImageOptions options{imageShape(graph.node(imageFeed->placeholder)), invert, imageMeanFrom(loaded.metadata)};
  LabeledImages images;
  std::vector<std::string> names;
  readImages({flags.positional().begin() + 1, flags.positional().end()}, options, images, names);
  for (const char* name : {kTrainingFlagName, kStepName}) {
    int id = graph.findByName(name);
    if (id >= 0) session.feed(id, scalarValue(graph.node(id).dtype, 0.0));
  }
  int64_t classCount = graph.node(probs).shape[1];
  top = std::min(top, classCount);
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
      std::vector<int> ranked(static_cast<size_t>(classCount));
      for (int c = 0; c < classCount; ++c) ranked[static_cast<size_t>(c)] = c;
      std::stable_sort(ranked.begin(), ranked.end(),
                       [&](int a, int b) { return p(a, static_cast<int>(i)) > p(b, static_cast<int>(i)); });
      std::string line = names[static_cast<size_t>(first + i)] + ":";
      for (int64_t k = 0; k < top; ++k) {
        int c = ranked[static_cast<size_t>(k)];
        std::string name =
            static_cast<size_t>(c) < classes.size() ? classes[static_cast<size_t>(c)] : std::to_string(c);
        line += fmt::format("{}{} ({:.{}f})", k ? ", " : " ", name, p(c, static_cast<int>(i)), digits);
      }
      fmt::print("{}\n", line);
    }
  }
  std::fflush(stdout);
  return 0;
}

}  // namespace graphc
