// \file `graphc compile`: the model's inference program and train step compiled ahead of time into
// a static library plus a C header (codegen/aot.h), for applications that link without Halide.
#include <fmt/core.h>
#include <fmt/ranges.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "codegen/aot.h"
#include "driver/pipeline.h"
#include "passes/class_scores.h"
#include "runtime/trainer.h"
#include "support/diagnostics.h"
#include "tools/verbs.h"

namespace graphc {
namespace {

// --target for the library: the names of cli.md as every verb reads them (cuda: compute
// capability 8.0), or any Halide target string, another machine's included (ahead of time).
Halide::Target libraryTarget(const std::string& name) {
  if (name == "host" || name == "cuda" || name == "opencl")
    return parseTarget(name).without_feature(Halide::Target::JIT);
  if (!Halide::Target::validate_target_string(name))
    throw FlagError{"--target " + name + " is neither host, cuda, opencl nor a Halide target string"};
  return Halide::Target(name);
}

// `x`: images, pixel values (0-255) times 0.00392157 (numbers as a C++ stream writes them: %g),
// then less the data's mean and over its std per channel when it has them.
std::string feedText(const Graph& graph, const FeedSpec& f, const DataSpec& data) {
  std::string text = fmt::format("`{}`: ", graph.node(f.placeholder).name);
  if (f.kind == FeedSpec::Kind::Image) {
    text += fmt::format("images, pixel values (0-255) times {:g}", data.scale);
    if (!data.mean.empty()) text += fmt::format(", less the mean [{:g}]", fmt::join(data.mean, ", "));
    if (!data.std.empty()) text += fmt::format(", over the std [{:g}]", fmt::join(data.std, ", "));
    return text + (data.mean.empty() && data.std.empty() ? "" : " per channel");
  }
  if (f.kind == FeedSpec::Kind::Label)
    return text + "labels (class ids, or one-hot rows for an f32 [?, K] placeholder)";
  return text + fmt::format("the constant {:g}", f.value);
}

// The -o folder, checked before minutes of compilation: an existing non-folder, or a missing folder
// whose parent cannot take it, is an InputError (aot.cpp creates the folder itself).
void checkOutputFolder(const std::string& dir) {
  struct stat st;
  if (stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) throw InputError(dir + ": -o names an existing file, not a folder for the library");
    if (access(dir.c_str(), W_OK) != 0) throw InputError(dir + ": cannot write there: " + std::strerror(errno));
    return;
  }
  size_t slash = dir.find_last_of('/', dir.size() > 1 ? dir.size() - 2 : std::string::npos);
  std::string parent = slash == std::string::npos ? "." : slash == 0 ? "/" : dir.substr(0, slash);
  if (access(parent.c_str(), W_OK) != 0)
    throw InputError(dir + ": cannot create the folder: '" + parent + "' is missing or not writable (" +
                     std::strerror(errno) + ")");
}

}  // namespace

int compileVerb(const std::vector<std::string>& args) {
  VerbFlags flags("compile", "graphc compile FILE.mnn [-o DIR] [--batch N] [--target T]",
                  "Compiles the model ahead of time into DIR/MODEL.a, a static library holding the Halide runtime\n"
                  "and two functions, and DIR/MODEL.h, which declares them and lists their arguments (names as in\n"
                  "checkpoints and dumps, types, shapes) in call order; HalideRuntime.h is copied beside them.\n"
                  "Applications link MODEL.a -lpthread -ldl, without Halide or LLVM.\n"
                  "  MODEL_infer       images (and the model's other inputs) and variables in, class\n"
                  "                    probabilities out (the softmax of the scores `predict` finds)\n"
                  "  MODEL_train_step  one training step: the batch, labels, learning rate, variables and optimizer\n"
                  "                    slots in; the loss, the metrics and every variable's next value out");
  std::optional<std::string> outDir, targetName;
  std::optional<int64_t> batch;
  flags.text("o", outDir, "where the files go (default: the current folder; created if missing)", "DIR");
  flags.integer("batch", batch, 1, "the batch size both functions are compiled for (default: the train block's)");
  flags.text("target", targetName,
             "host (default), cuda, opencl, or a Halide target string (host-cuda-cuda_capability_80)", "T");
  if (!flags.parse(args)) return 0;
  std::string path = flags.fileArg();
  CompileOptions options;
  options.target = libraryTarget(targetName.value_or("host"));
  checkOutputFolder(outDir.value_or("."));
  auto start = std::chrono::steady_clock::now();
  Model model = loadModel(path);
  Graph& graph = model.graph;

  AotLibrary library;
  library.name = cIdentifier(graph.modelName);
  library.outDir = outDir.value_or(".");
  library.batch = batch.value_or(model.train.batch);

  std::string preamble = "How the model is fed (its train block):\n";
  for (const FeedSpec& f : model.train.feeds) preamble += "  " + feedText(graph, f, model.train.data) + "\n";
  preamble += fmt::format(
      "`{}` (when present) is 1 in a train step, else 0; `{}` is the step number (dropout masks).\n"
      "Variables and optimizer slots: initialise them from a checkpoint (`graphc run --save`, safetensors)\n"
      "under the same names; slots missing from it start at zero.",
      kTrainingFlagName, kStepName);
  library.preamble = preamble;

  int scores = findClassScores(model);
  if (scores < 0)
    throw UserError(model.train.loc, "compile cannot find the class scores: no f32 [?, K] value to output");
  int probs = graph.node(scores).op == Op::Softmax ? scores : graph.add(Op::Softmax, {scores}, {}, {}, "predict/probs");
  library.functions.push_back(
      {library.name + "_infer", {probs}, {"probabilities"}, "Inference: class probabilities of a batch of images."});

  if (model.train.present && model.train.minimize >= 0) {
    TrainGraph train = differentiate(model);
    TrainStep step = trainStep(model, train);
    AotFunction fn{library.name + "_train_step",
                   step.fetches,
                   {},
                   "One training step (" + model.train.optimizer.kind +
                       "): the loss and metrics of the batch, and the next value of every variable and\n"
                       "optimizer slot (`next/NAME`), which the caller swaps in for the next step."};
    for (size_t i = 0; i < step.fetches.size(); ++i) {
      if (i < step.firstUpdate) {
        const Node& n = graph.node(step.fetches[i]);
        fn.outputNames.push_back(n.name.empty() ? "output" + std::to_string(i) : n.name);
      } else {
        fn.outputNames.push_back("next/" + graph.node(step.updates[i - step.firstUpdate].variable).name);
      }
    }
    library.functions.push_back(fn);
  }

  AotResult result = compileLibrary(graph, library, options);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  fmt::print("wrote {} and {} ({} functions, batch {}, target {}) in {:.1f}s\n", result.library, result.header,
             library.functions.size(), library.batch, options.target.to_string(), seconds);
  return 0;
}

}  // namespace graphc
