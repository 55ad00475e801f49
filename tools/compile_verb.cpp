// \file `graphc compile`: the model's inference program and train step compiled ahead of time into
// a static library plus a C header (codegen/aot.h), for applications that link without Halide.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "codegen/aot.h"
#include "support/diagnostics.h"
#include "passes/class_scores.h"
#include "driver/pipeline.h"
#include "runtime/trainer.h"
#include "tools/verbs.h"

namespace graphc {
namespace {

const char* kCompileHelp =
    "usage: graphc compile FILE.mnn [-o DIR] [--batch N] [--target T]\n"
    "\n"
    "Compiles the model ahead of time into DIR/MODEL.a, a static library holding the Halide runtime\n"
    "and two functions, and DIR/MODEL.h, which declares them and lists their arguments (names as in\n"
    "checkpoints and dumps, types, shapes) in call order; HalideRuntime.h is copied beside them.\n"
    "Applications link MODEL.a -lpthread -ldl, without Halide or LLVM.\n"
    "  MODEL_infer       images (and the model's other inputs) and variables in, class\n"
    "                    probabilities out (the softmax of the scores `predict` finds)\n"
    "  MODEL_train_step  one training step: the batch, labels, learning rate, variables and optimizer\n"
    "                    slots in; the loss, the metrics and every variable's next value out\n"
    "\n"
    "  -o DIR      where the files go (default: the current folder; created if missing)\n"
    "  --batch N   the batch size both functions are compiled for (default: the train block's)\n"
    "  --target T  host (default), cuda, opencl, or a Halide target string (host-cuda-cuda_capability_80)\n";

// --target for the library: the names of cli.md as every verb reads them (cuda: compute
// capability 8.0), or any Halide target string, another machine's included (ahead of time).
Halide::Target libraryTarget(const std::string& name) {
  if (name == "host" || name == "cuda" || name == "opencl") return parseTarget(name).without_feature(Halide::Target::JIT);
  if (!Halide::Target::validate_target_string(name))
    throw FlagError{"--target " + name + " is neither host, cuda, opencl nor a Halide target string"};
  return Halide::Target(name);
}

std::string feedText(const Graph& graph, const FeedSpec& f, double scale) {
  std::ostringstream os;
  os << "`" << graph.node(f.placeholder).name << "`: ";
  if (f.kind == FeedSpec::Kind::Image) os << "images, pixel values (0-255) times " << scale;
  else if (f.kind == FeedSpec::Kind::Label) os << "labels (class ids, or one-hot rows for an f32 [?, K] placeholder)";
  else os << "the constant " << f.value;
  return os.str();
}

}  // namespace

int compileVerb(const std::vector<std::string>& args) {
  if (wantsHelp(args)) return std::cout << kCompileHelp, 0;
  Flags flags(args, {"o", "batch", "target"}, {});
  std::string path = fileArg(flags);
  CompileOptions options;
  options.target = libraryTarget(flags.text("target").value_or("host"));
  auto start = std::chrono::steady_clock::now();
  Model model = loadModel(path);
  Graph& graph = model.graph;

  AotLibrary library;
  library.name = cIdentifier(graph.modelName);
  library.outDir = flags.text("o").value_or(".");
  library.batch = flags.integer("batch", 1).value_or(model.train.batch);

  std::ostringstream preamble;
  preamble << "How the model is fed (its train block):\n";
  for (const FeedSpec& f : model.train.feeds) preamble << "  " << feedText(graph, f, model.train.data.scale) << "\n";
  preamble << "`" << kTrainingFlagName << "` (when present) is 1 in a train step, else 0; `" << kStepName
           << "` is the step number (dropout masks).\n"
           << "Variables and optimizer slots: initialise them from a checkpoint (`graphc run --save`, safetensors)\n"
           << "under the same names; slots missing from it start at zero.";
  library.preamble = preamble.str();

  int scores = findClassScores(model);
  if (scores < 0)
    throw UserError(model.train.loc, "compile cannot find the class scores: no f32 [?, K] value to output");
  int probs = graph.node(scores).op == Op::Softmax ? scores : graph.add(Op::Softmax, {scores}, {}, {}, "predict/probs");
  library.functions.push_back({library.name + "_infer", {probs}, {"probabilities"},
                               "Inference: class probabilities of a batch of images."});

  if (model.train.present && model.train.minimize >= 0) {
    TrainGraph train = buildTrainGraph(graph, model.train.minimize, model.train.optimizer, model.train.minimizeLoc);
    TrainStep step = trainStep(model, train);
    AotFunction fn{library.name + "_train_step", step.fetches, {},
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

  AotResult result = compileStaticLibrary(graph, library, options);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  char line[512];
  std::snprintf(line, sizeof line, "wrote %s and %s (%zu functions, batch %lld, target %s) in %.1fs\n",
                result.library.c_str(), result.header.c_str(), library.functions.size(),
                static_cast<long long>(library.batch), options.target.to_string().c_str(), seconds);
  std::cout << line;
  return 0;
}

}  // namespace graphc
