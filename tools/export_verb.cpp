// \file `graphc export`: the model's inference graph with a checkpoint's weights as an ONNX file
// (export/onnx_export.h), for ONNX Runtime and the other runtimes that read ONNX.
#include <fmt/core.h>

#include "driver/pipeline.h"
#include "export/onnx_export.h"
#include "runtime/checkpoint.h"
#include "runtime/metrics_json.h"
#include "runtime/session.h"
#include "support/diagnostics.h"
#include "tools/verbs.h"

namespace graphc {
namespace {

const char* kExportDescription =
    "Writes the model's inference graph as an ONNX model (opset 13) with the checkpoint's weights as\n"
    "initializers, for ONNX Runtime and the other runtimes that read ONNX:\n"
    "  input   named after the placeholder the train block feeds with `image`, f32 with its shape\n"
    "          (NHWC for images: [N, 28, 28, 1]; N, the batch, is symbolic), pixels scaled as the\n"
    "          train block's data says (the model's metadata graphc.pixel_scale gives the factor)\n"
    "  output  the class scores `graphc predict` finds: the probabilities where the model ends in a\n"
    "          softmax, else the logits, [N, K] (the metadata graphc.scores says which); a model\n"
    "          without class scores (an autoencoder) outputs, as in Keras, the value its loss\n"
    "          compares: binary_crossentropy's probabilities, sigmoid_cross_entropy's logits or\n"
    "          the first operand of mean_squared_error, mean_absolute_error or huber\n"
    "          (graphc.scores is none)\n"
    "The graph is the one an evaluation runs: the training flag is 0 (dropout is removed, BatchNorm\n"
    "uses its moving statistics), placeholders fed a constant take it, and the loss, metrics and\n"
    "optimizer are left out. Conv and pooling, which ONNX defines on NCHW, are wrapped in Transpose\n"
    "nodes. The file is checked with ONNX's checker before it is written. An op with no ONNX form\n"
    "is an error naming its node and op (docs/onnx.md lists the ops).";

}  // namespace

int exportVerb(const std::vector<std::string>& args) {
  VerbFlags flags("export", "graphc export FILE.mnn --load CHECKPOINT -o MODEL.onnx", kExportDescription);
  std::optional<std::string> load, out;
  flags.text("load", load, "the checkpoint, in the safetensors format (required)");
  flags.text("o", out, "the ONNX file to write (required)");
  if (!flags.parse(args)) return 0;
  std::string path = flags.fileArg();
  if (!load || load->empty()) throw FlagError{"export needs a checkpoint: --load FILE"};
  if (!out || out->empty()) throw FlagError{"export needs the file to write: -o MODEL.onnx"};
  checkDestination(*out, "the ONNX model");

  Model model = loadModel(path);
  OnnxExportOptions options;
  static_cast<ForwardGraphOptions&>(options) =
      forwardGraphOptions(model, "export", ForwardOutput::ClassScoresOrPrediction);
  Session session(model.graph, model.train.seed);
  loadCheckpoint(*load, session);
  options.variableData = [&session](int id) -> const float* { return session.variable(id).data(); };
  options.producerVersion = GRAPHC_VERSION;
  options.metadata["graphc.source"] = path;
  options.metadata["graphc.checkpoint"] = *load;
  options.metadata["graphc.pixel_scale"] = fmt::format("{}", model.train.present ? model.train.data.scale : 1.0);
  options.metadata["graphc.scores"] = !options.classScores                                 ? "none"
                                      : model.graph.node(options.output).op == Op::Softmax ? "probabilities"
                                                                                           : "logits";
  writeTextFile(*out, exportOnnx(model.graph, options), "the ONNX model");
  return 0;
}

}  // namespace graphc
