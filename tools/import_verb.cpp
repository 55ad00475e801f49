// \file `graphc import`: an ONNX model to a .mnn file and a safetensors file of its weights
// (importer/onnx_import.h does the translation; docs/onnx.md describes it).
#include <fmt/core.h>

#include <cstdio>

#include "driver/pipeline.h"
#include "importer/onnx_import.h"
#include "runtime/checkpoint.h"
#include "runtime/metrics_json.h"
#include "support/diagnostics.h"
#include "support/spelling.h"
#include "tools/verbs.h"

namespace graphc {
namespace {

const char* kImportDescription =
    "Translates an ONNX model (as torch.onnx.export writes it) into FILE.mnn, one statement per\n"
    "node named after the ONNX graph's values, and its initializers into FILE.safetensors beside\n"
    "it, for `--load`. graphc is NHWC: 4-D values (NCHW in ONNX) are NHWC in the .mnn file, the\n"
    "weights rearranged at import, so the model takes a data set's images as they come and 4-D\n"
    "inputs and outputs are NHWC. Shape arithmetic on fixed shapes (Shape, Gather, Unsqueeze,\n"
    "Concat feeding Reshape) folds to constants. The model is checked as `graphc check` does before\n"
    "anything is written.\n"
    "\n"
    "With --data, the file gets a train block: the first input fed with the data's images, an i32\n"
    "label placeholder, softmax cross-entropy on the first output (Keras' cross-entropy when it is\n"
    "a Softmax), accuracy and Adam, so that `graphc eval FILE.mnn --load FILE.safetensors`\n"
    "evaluates the model and `graphc run FILE.mnn --load FILE.safetensors` fine-tunes it.";

std::string withExtension(const std::string& path, const std::string& from, const std::string& to) {
  if (path.size() > from.size() && path.compare(path.size() - from.size(), from.size(), from) == 0)
    return path.substr(0, path.size() - from.size()) + to;
  return path + to;
}

// text broken into lines of at most 96 characters, at spaces.
std::string wrapped(const std::string& text) {
  std::string out, line;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(' ', start);
    std::string word = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!line.empty() && line.size() + 1 + word.size() > 96) {
      out += line + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
    start = end == std::string::npos ? text.size() : end + 1;
  }
  return out + line;
}

std::string stem(const std::string& path) {
  std::string base = path.substr(path.find_last_of('/') + 1);
  return base.substr(0, base.find('.'));
}

}  // namespace

int importVerb(const std::vector<std::string>& args) {
  std::string footer =
      wrapped("ONNX ops translated (opsets 1 to 17): " + listOfNames(supportedOnnxOps()) + ".") + "\n" +
      wrapped("Of these, shape arithmetic on constants and fixed shapes, folded at import time only: " +
              listOfNames(foldedOnlyOnnxOps()) + ".");
  VerbFlags flags("import", "graphc import MODEL.onnx -o FILE.mnn [--data SOURCE]", kImportDescription, footer);
  std::optional<std::string> out, data;
  flags.text("o", out,
             "the .mnn file to write (default: MODEL.mnn); the weights go to the same name\n"
             ".safetensors");
  flags.text("data", data,
             "add a train block on this data source, as the train block spells it:\n"
             "\"mnist(scale = 1/255)\", \"fashion_mnist(...)\", \"idx(\\\"DIR\\\", ...)\"",
             "SOURCE");
  if (!flags.parse(args)) return 0;
  if (flags.positional().size() != 1)
    throw FlagError{flags.positional().empty() ? "expected an .onnx file" : "expected one .onnx file"};
  const std::string& onnxPath = flags.positional()[0];
  std::string mnnPath = out.value_or(withExtension(onnxPath, ".onnx", ".mnn"));
  if (mnnPath.size() < 5 || mnnPath.compare(mnnPath.size() - 4, 4, ".mnn") != 0)
    throw FlagError{"-o must name a .mnn file, found '" + mnnPath + "'"};
  std::string weightsPath = withExtension(mnnPath, ".mnn", ".safetensors");
  checkDestination(mnnPath, "the model");
  checkDestination(weightsPath, "the weights");

  ImportOptions options;
  options.data = data.value_or("");
  options.modelName = stem(mnnPath);
  ImportedModel model = importOnnxFile(onnxPath, options);
  // The translation must be a model graphc accepts; one it rejects is a construct graphc lacks.
  try {
    loadModelSource(mnnPath, model.mnn);
  } catch (const UserError& e) {
    SourceLoc loc = e.loc();
    std::string line;
    size_t start = 0;
    for (int k = 1; k < loc.line && start != std::string::npos; ++k) start = model.mnn.find('\n', start) + 1;
    if (start != std::string::npos && start < model.mnn.size())
      line = model.mnn.substr(start, model.mnn.find('\n', start) - start);
    throw InputError(
        fmt::format("{}: unsupported: graphc rejects the translation at `{}`: {}", onnxPath, line, e.what()));
  }
  std::vector<NamedTensor> tensors;
  int64_t parameters = 0;
  for (const ImportedTensor& t : model.tensors) {
    tensors.push_back({t.name, t.shape, t.values.data()});
    parameters += static_cast<int64_t>(t.values.size());
  }
  writeSafetensors(weightsPath, tensors, {{"imported_from", onnxPath}});
  try {
    writeTextFile(mnnPath, model.mnn, "the model");
  } catch (...) {  // no weights without their model
    std::remove(weightsPath.c_str());
    throw;
  }
  fmt::print("graphc import: wrote {} and {} ({} tensors, {} values)\n", mnnPath, weightsPath, tensors.size(),
             parameters);
  return 0;
}

}  // namespace graphc
