// \file The graphc command line: dispatches to the verbs, maps errors to exit codes (0 success,
// 1 the run failed, 2 the input is wrong), as README.md ("Using it") documents. The small verbs
// live here; run, eval and predict have their own *_verb.cpp files.
#include <Halide.h>
#include <fmt/core.h>

#include <algorithm>
#include <cstdlib>

#include "driver/pipeline.h"
#include "frontend/source_file.h"
#include "frontend/summary.h"
#include "runtime/interrupt.h"
#include "runtime/metrics_json.h"
#include "support/diagnostics.h"
#include "support/spelling.h"
#include "tools/dump_stages.h"
#include "tools/verbs.h"

namespace graphc {
namespace {

const char* kUsage =
    "usage: graphc VERB FILE.mnn [flags]\n"
    "\n"
    "verbs:\n"
    "  run      train as the file's train block says, then evaluate on the test set\n"
    "  eval     evaluate a checkpoint (--load) on the test set\n"
    "  predict  classify images with a checkpoint: PNG or JPEG files or an IDX file\n"
    "  check    parse and type-check only; prints nothing on success\n"
    "  summary  Keras-style table: layer, output shape, parameters; totals\n"
    "  bench    time every generated kernel and the whole step\n"
    "  compile  ahead-of-time: a static library + C header for inference and the train step\n"
    "  export   the inference graph with a checkpoint's weights as an ONNX model\n"
    "  dump     print the program at one compiler stage (--stage ast|graph|grad|...|ptx), or all\n"
    "  plot     redraw a --log-dir's pictures: curves.png, predictions.png, confusion.png\n"
    "  report   write a --log-dir's report.html: hyper-parameters, metrics, pictures, one file\n"
    "  import   translate an ONNX model into a .mnn file and a safetensors file of its weights\n"
    "  infer    run a model on .npy arrays and write chosen values as .npy files\n"
    "\n"
    "`graphc help VERB` (or `graphc VERB --help`) describes a verb's flags; `graphc --version` says\n"
    "which graphc this is. Exit codes: 0 success, 1 the run failed, 2 the input is wrong.\n";

const char* kDumpDescription =
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
    "  all    every stage, one file each in the folder -o DIR: 01-ast.txt, 02-graph.txt, 03-grad.txt,\n"
    "         04-opt.txt, 05-fused.txt, 06-halide.txt, 07-stmt.txt, 08-asm.txt, 09-ptx.txt (when the\n"
    "         target can be CUDA), 10-mlir.txt, 11-dot.txt; each as `--stage NAME` prints it";

std::vector<std::string> tail(int argc, char** argv) { return std::vector<std::string>(argv + 2, argv + argc); }

int checkVerb(const std::vector<std::string>& args) {
  VerbFlags flags("check", "graphc check FILE.mnn",
                  "Parses and type-checks the file, including the train block; prints nothing on success.\n"
                  "Errors are printed as FILE:LINE:COL with the source line and a caret; exit code 2.");
  if (!flags.parse(args)) return 0;
  Model model = loadModel(flags.fileArg());
  checkTrainable(model);
  return 0;
}

int summaryVerb(const std::vector<std::string>& args) {
  VerbFlags flags("summary", "graphc summary FILE.mnn",
                  "Prints Keras' model summary: one row per layer (or per scope of raw variables) with its output\n"
                  "shape and parameter count, then the total, trainable and non-trainable parameter counts.");
  if (!flags.parse(args)) return 0;
  fmt::print("{}", printSummary(loadModel(flags.fileArg())));
  return 0;
}

int dumpVerb(const std::vector<std::string>& args) {
  VerbFlags flags("dump", "graphc dump FILE.mnn --stage STAGE [-o FILE]", kDumpDescription);
  std::optional<std::string> stageFlag, out;
  DumpRequest request;
  flags.text("stage", stageFlag, "the stage to print (default: graph)", "STAGE");
  flags.text("o", out, "write to FILE instead of standard output (with --stage all: the folder DIR)");
  flags.integer("batch", request.batch, 1,
                "the batch size the train step is compiled for (default: the train block's)");
  flags.text("target", request.target,
             "the target halide, stmt, asm and ptx are scheduled and compiled for: host (default),\n"
             "cuda, opencl, or a Halide target string (host-cuda-cuda_capability_80)",
             "T");
  flags.integer("seed", request.seed, 0, "mlir: the seed the variables are initialised from");
  flags.text("load", request.load, "mlir: the checkpoint the variables come from");
  if (!flags.parse(args)) return 0;
  request.path = flags.fileArg();
  std::string stage = stageFlag.value_or("graph");
  const std::vector<std::string>& names = dumpStageNames();
  bool all = stage == "all";
  if (!all && std::find(names.begin(), names.end(), stage) == names.end())
    throw FlagError{"unknown or not yet supported --stage '" + stage +
                    "' (expected ast, graph, grad, opt, fused, halide, stmt, asm, ptx, dot, mlir or all)"};
  // The target is checked before any work, as a flag.
  if (request.target) {
    Halide::Target target = parseTarget(*request.target);
    if (stage == "ptx" && !target.has_feature(Halide::Target::CUDA))
      throw FlagError{"--stage ptx shows CUDA kernels and needs --target cuda (or a Halide target with cuda), found '" +
                      *request.target + "'"};
  }
  if (all) {
    if (!out) throw FlagError{"--stage all writes one file per stage and needs -o DIR, the folder to write them to"};
    return writeAllStages(request, *out);
  }
  if (out) checkDestination(*out, "the dump");
  std::string text = dumpStages(request, {stage}).at(stage);
  if (out)
    writeTextFile(*out, text, "the dump");
  else
    fmt::print("{}", text);
  return 0;
}

// --time-passes: the stages' wall times, after the verb's own output.
void printStageTimes() {
  std::vector<StageTime> times = stageTimes();
  double total = 0;
  std::string report =
      fmt::format("graphc: time per compiler stage (wall clock)\n  {:<14} {:>5} {:>12}\n", "stage", "runs", "seconds");
  for (const StageTime& t : times) {
    report += fmt::format("  {:<14} {:>5} {:>12.6f}\n", t.stage, t.runs, t.seconds);
    total += t.seconds;
  }
  report += fmt::format("  {:<14} {:>5} {:>12.6f}\n", "total", "", total);
  fmt::print(stderr, "{}", report);
}

// The text a diagnostic quotes: the parser's own reading of the file (same line ends, same limits).
std::string readSource(const std::string& path) {
  try {
    return readModelSource(path);
  } catch (const InputError&) {
    return "";
  }
}

int dispatch(int argc, char** argv) {
  bool help =
      argc >= 2 && (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h" || std::string(argv[1]) == "help");
  if (argc < 2 || (help && argc == 2)) {
    fmt::print("{}", kUsage);
    return argc < 2 ? 2 : 0;
  }
  if (std::string(argv[1]) == "--version" || std::string(argv[1]) == "version") {
    fmt::print("{}", versionText());
    return 0;
  }
  // `graphc help VERB` is `graphc VERB --help`.
  std::string verb = help ? argv[2] : argv[1];
  auto args = help ? std::vector<std::string>{"--help"} : tail(argc, argv);
  std::string file;
  for (const auto& a : args)
    if (a.size() > 4 && a.substr(a.size() - 4) == ".mnn") file = a;
  // --time-passes reports whether the verb succeeded or not.
  struct StageTimesAtExit {
    ~StageTimesAtExit() {
      if (pipelineOptions().timePasses) printStageTimes();
    }
  } stageTimesAtExit;
  try {
    if (verb == "run") return runVerb(args);
    if (verb == "eval") return evalVerb(args);
    if (verb == "predict") return predictVerb(args);
    if (verb == "check") return checkVerb(args);
    if (verb == "dump") return dumpVerb(args);
    if (verb == "summary") return summaryVerb(args);
    if (verb == "bench") return benchVerb(args);
    if (verb == "compile") return compileVerb(args);
    if (verb == "export") return exportVerb(args);
    if (verb == "plot") return plotVerb(args);
    if (verb == "report") return reportVerb(args);
    if (verb == "import") return importVerb(args);
    if (verb == "infer") return inferVerb(args);
    fmt::print(stderr, "graphc: unknown verb '{}'{}\n\n{}", verb,
               didYouMean(verb, {"run", "eval", "predict", "check", "dump", "summary", "bench", "compile", "export",
                                 "plot", "report", "import", "infer", "help"}),
               kUsage);
    return 2;
  } catch (const FlagError& e) {
    fmt::print(stderr, "graphc {}: {}\n", verb, e.message);
    return 2;
  } catch (const UserError& e) {
    fmt::print(stderr, "{}", formatDiagnostic(file, readSource(file), e.loc(), e.what()));
    return 2;
  } catch (const InputError& e) {
    fmt::print(stderr, "graphc: error: {}\n", e.what());
    return 2;
  } catch (const RunFailure& e) {
    fmt::print(stderr, "graphc: error: {}\n", e.what());
    return 1;
  } catch (const InternalError& e) {
    fmt::print(stderr, "graphc: internal error: {}\n", e.what());
    return 1;
  } catch (const Halide::Error& e) {
    fmt::print(stderr, "graphc: internal error in Halide: {}\n", e.what());
    return 1;
  } catch (const Interrupted& e) {
    fmt::print(stderr, "graphc: {}\n", e.what());
    return 130;
  } catch (const std::exception& e) {
    fmt::print(stderr, "graphc: error: {}\n", e.what());
    return 1;
  }
}

}  // namespace

// The helper of tools/verbs.h.

std::string testResultLine(double loss, const std::vector<double>& metrics) {
  std::string line = fmt::format("test_loss: {:.4f}", loss);
  if (!metrics.empty()) line += fmt::format(" - test_accuracy: {:.4f}", metrics[0]);
  return line;
}

}  // namespace graphc

int main(int argc, char** argv) { return graphc::dispatch(argc, argv); }
