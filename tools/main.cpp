// \file The graphc command line: dispatches to the verbs, maps errors to exit codes (0 success,
// 1 the run failed, 2 the input is wrong), as ../shared/docs/cli.md specifies. The small verbs
// live here; run, eval and predict have their own *_verb.cpp files.
#include <Halide.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "support/diagnostics.h"
#include "frontend/parser.h"
#include "frontend/summary.h"
#include "export/mlir_export.h"
#include "ir/printer.h"
#include "passes/optimizer.h"
#include "driver/pipeline.h"
#include "runtime/checkpoint.h"
#include "runtime/interrupt.h"
#include "runtime/metrics_json.h"
#include "runtime/session.h"
#include "tools/dump_stages.h"
#include "tools/flags.h"
#include "tools/verbs.h"

namespace graphc {
namespace {

const char* kUsage =
    "usage: graphc VERB FILE.mnn [flags]\n"
    "\n"
    "verbs:\n"
    "  run      train as the file's train block says, then evaluate on the test set\n"
    "  eval     evaluate a checkpoint (--load) on the test set\n"
    "  predict  classify images with a checkpoint: PNG files or an IDX file\n"
    "  check    parse and type-check only; prints nothing on success\n"
    "  summary  Keras-style table: layer, output shape, parameters; totals\n"
    "  bench    time every generated kernel and the whole step\n"
    "  compile  ahead-of-time: a static library + C header for inference and the train step\n"
    "  dump     print the program at one compiler stage (--stage ast|graph|grad|...|ptx)\n"
    "\n"
    "`graphc VERB --help` describes a verb's flags. Exit codes: 0 success, 1 the run failed,\n"
    "2 the input is wrong.\n";

const char* kCheckHelp =
    "usage: graphc check FILE.mnn\n"
    "\n"
    "Parses and type-checks the file, including the train block; prints nothing on success.\n"
    "Errors are printed as FILE:LINE:COL with the source line and a caret; exit code 2.\n";

const char* kSummaryHelp =
    "usage: graphc summary FILE.mnn\n"
    "\n"
    "Prints Keras' model summary: one row per layer (or per scope of raw variables) with its output\n"
    "shape and parameter count, then the total, trainable and non-trainable parameter counts.\n";

const char* kDumpHelp =
    "usage: graphc dump FILE.mnn --stage STAGE [-o FILE]\n"
    "\n"
    "Prints the program at one compiler stage:\n"
    "  ast    the syntax tree\n"
    "  graph  the typed graph after shape inference, one node per line with its source location\n"
    "  grad   the graph after autodiff and optimizer updates (gradient nodes marked `grad`)\n"
    "  opt    the train step after simplification: dead code, constant folding, identities and\n"
    "         common subexpressions removed (what the kernels compute)\n"
    "  mlir   the forward graph (image to class scores, inference) in MLIR 14's TOSA dialect, verified;\n"
    "         variables are tosa.const with their values from --seed N (default: the train block's)\n"
    "         or --load CHECKPOINT; the batch dimension is --batch N (default 1)\n"
    "  fused  the train step's kernels: the nodes fused into each, estimated FLOPs and bytes\n"
    "  halide the train step's Halide loop nests (the schedules)\n"
    "  stmt   Halide's lowered statement of the train step\n"
    "  asm    the host assembly of the train step\n"
    "  ptx    the PTX of the train step's CUDA kernels (--target cuda, the default here; no GPU needed)\n"
    "  dot    Graphviz of the train step: gradient nodes blue, kernels as clusters\n"
    "\n"
    "  -o FILE   write to FILE instead of standard output\n"
    "  --batch N the batch size the train step is compiled for (default: the train block's)\n"
    "  --target T the target halide, stmt, asm and ptx are scheduled and compiled for: host (default),\n"
    "            cuda, opencl, or a Halide target string (host-cuda-cuda_capability_80)\n";

std::vector<std::string> tail(int argc, char** argv) { return std::vector<std::string>(argv + 2, argv + argc); }

int checkVerb(const std::vector<std::string>& args) {
  if (wantsHelp(args)) return std::cout << kCheckHelp, 0;
  Flags flags(args, {}, {});
  Model model = loadModel(fileArg(flags));
  checkTrainable(model);
  return 0;
}

int summaryVerb(const std::vector<std::string>& args) {
  if (wantsHelp(args)) return std::cout << kSummaryHelp, 0;
  Flags flags(args, {}, {});
  std::cout << printSummary(loadModel(fileArg(flags)));
  return 0;
}

// The target the train step is scheduled and compiled for: --target, host by default; for ptx
// CUDA (compute capability 8.0) by default, and --target must name CUDA.
Halide::Target dumpTarget(const Flags& flags, const std::string& stage) {
  auto text = flags.text("target");
  if (stage != "ptx") return text ? parseTarget(*text) : Halide::get_host_target();
  Halide::Target target = parseTarget(text.value_or("cuda"));
  if (!target.has_feature(Halide::Target::CUDA))
    throw FlagError{"--stage ptx shows CUDA kernels and needs --target cuda (or a Halide target with cuda), found '" +
                    *text + "'"};
  return target;
}

int dumpVerb(const std::vector<std::string>& args) {
  if (wantsHelp(args)) return std::cout << kDumpHelp, 0;
  Flags flags(args, {"stage", "target", "batch", "seed", "load"}, {});
  std::string path = fileArg(flags);
  std::string stage = flags.text("stage").value_or("graph");
  std::string text;
  if (stage == "ast") {
    text = printAst(parseFile(path));
  } else if (stage == "graph" || stage == "grad") {
    Model model = loadModel(path);
    if (stage == "grad") {
      if (!model.train.present || model.train.minimize < 0)
        throw UserError({}, "--stage grad needs a train block with `minimize`");
      buildTrainGraph(model.graph, model.train.minimize, model.train.optimizer, model.train.minimizeLoc);
    }
    text = printGraph(model.graph);
  } else if (stage == "mlir") {
    Model model = loadModel(path);
    MlirExportOptions options = forwardExportOptions(model);
    options.batch = flags.integer("batch", 1).value_or(1);
    auto seed = static_cast<uint64_t>(flags.integer("seed", 0).value_or(static_cast<int64_t>(model.train.seed)));
    Session session(model.graph, seed);
    auto checkpoint = flags.text("load");
    if (checkpoint) loadCheckpoint(*checkpoint, session);
    options.variableData = [&session](int id) -> const float* { return session.variable(id).data(); };
    options.comment = "graphc dump --stage mlir: the forward graph of " + model.graph.modelName + ", batch " +
                      std::to_string(options.batch) + ", variables from " +
                      (checkpoint ? *checkpoint : "seed " + std::to_string(seed));
    text = exportMlir(model.graph, options);
  } else if (isTrainStepStage(stage)) {
    text = dumpTrainStepStage(path, stage, flags.integer("batch", 1).value_or(0), dumpTarget(flags, stage));
  } else {
    throw FlagError{"unknown or not yet supported --stage '" + stage +
                    "' (expected ast, graph, grad, opt, fused, halide, stmt, asm, ptx, dot or mlir)"};
  }
  if (auto out = flags.text("o"))
    writeTextFile(*out, text);
  else
    std::cout << text;
  return 0;
}

std::string readSource(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int dispatch(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h" || std::string(argv[1]) == "help") {
    std::cout << kUsage;
    return argc < 2 ? 2 : 0;
  }
  std::string verb = argv[1];
  auto args = tail(argc, argv);
  std::string file;
  for (const auto& a : args)
    if (a.size() > 4 && a.substr(a.size() - 4) == ".mnn") file = a;
  try {
    if (verb == "run") return runVerb(args);
    if (verb == "eval") return evalVerb(args);
    if (verb == "predict") return predictVerb(args);
    if (verb == "check") return checkVerb(args);
    if (verb == "dump") return dumpVerb(args);
    if (verb == "summary") return summaryVerb(args);
    if (verb == "bench") return benchVerb(args);
    if (verb == "compile") return compileVerb(args);
    std::cerr << "graphc: unknown verb '" << verb << "'\n\n" << kUsage;
    return 2;
  } catch (const FlagError& e) {
    std::cerr << "graphc " << verb << ": " << e.message << "\n";
    return 2;
  } catch (const UserError& e) {
    std::cerr << formatDiagnostic(file, readSource(file), e.loc(), e.what());
    return 2;
  } catch (const InputError& e) {
    std::cerr << "graphc: error: " << e.what() << "\n";
    return 2;
  } catch (const RunFailure& e) {
    std::cerr << "graphc: error: " << e.what() << "\n";
    return 1;
  } catch (const InternalError& e) {
    std::cerr << "graphc: internal error: " << e.what() << "\n";
    return 1;
  } catch (const Halide::Error& e) {
    std::cerr << "graphc: internal error in Halide: " << e.what() << "\n";
    return 1;
  } catch (const Interrupted& e) {
    std::cerr << "graphc: " << e.what() << "\n";
    return 130;
  } catch (const std::exception& e) {
    std::cerr << "graphc: error: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace

// The helpers of tools/verbs.h.

std::string testResultLine(double loss, const std::vector<double>& metrics) {
  std::ostringstream line;
  line.setf(std::ios::fixed);
  line.precision(4);
  line << "test_loss: " << loss;
  if (!metrics.empty()) line << " - test_accuracy: " << metrics[0];
  return line.str();
}

bool wantsHelp(const std::vector<std::string>& args) {
  for (const auto& a : args)
    if (a == "--help" || a == "-h") return true;
  return false;
}

std::string fileArg(const Flags& flags) {
  if (flags.positional().size() != 1)
    throw FlagError{flags.positional().empty()
                        ? "expected a .mnn file"
                        : "expected one .mnn file, found " + std::to_string(flags.positional().size())};
  return flags.positional()[0];
}

}  // namespace graphc

int main(int argc, char** argv) { return graphc::dispatch(argc, argv); }
