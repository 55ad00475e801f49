// \file graphc export's ONNX model, read back with ONNX's protobuf classes: the inference graph
// (no dropout, BatchNorm on its moving statistics, no loss or metric), the image placeholder in and
// the class scores out with their NHWC shapes, the variables as initializers holding the values
// given, and a UserError naming the node for an op with no ONNX form. (tests/e2e/onnx_export.sh
// runs exported models in ONNX Runtime against graphc.)
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

#include "driver/pipeline.h"
#include "export/onnx_common.h"
#include "export/onnx_export.h"
#include "support/diagnostics.h"

namespace graphc {
namespace {

const char* kModel = R"(model small
x = placeholder(f32, [?, 8, 8, 1])
y = placeholder(i32, [?])
c = Conv2D(x, 4, kernel = 3, padding = same, activation = relu)
b = BatchNorm(c)
d = Dropout(Flatten(b), 0.5)
probs = Dense(d, 10, activation = softmax)
loss = sparse_categorical_crossentropy(probs, y)
acc = accuracy(probs, y)
train {
  data = mnist(scale = 1/255)
  feed = {x: image, y: label}
  optimizer = sgd(lr = 0.1)
  minimize = loss
  batch = 4
  epochs = 1
  metrics = [acc]
}
)";

// Every variable of the graph filled with 0.001 * (its id + 1) * (1 + its index).
struct Values {
  std::map<int, std::vector<float>> data;
  explicit Values(const Graph& g) {
    for (const Node& n : g.nodes()) {
      if (n.op != Op::Variable) continue;
      std::vector<float>& v = data[n.id];
      v.resize(static_cast<size_t>(numElements(n.shape, 1)));
      for (size_t i = 0; i < v.size(); ++i) v[i] = 0.001f * static_cast<float>(n.id + 1) * static_cast<float>(1 + i);
    }
  }
};

onnx::ModelProto exportAndRead(const Model& model, const Values& values,
                               ForwardOutput wanted = ForwardOutput::ClassScores) {
  OnnxExportOptions options;
  static_cast<ForwardGraphOptions&>(options) = forwardGraphOptions(model, "export", wanted);
  options.variableData = [&values](int id) { return values.data.at(id).data(); };
  onnx::ModelProto proto;
  EXPECT_TRUE(proto.ParseFromString(exportOnnx(model.graph, options)));
  return proto;
}

std::vector<std::string> dims(const onnx::ValueInfoProto& v) {
  std::vector<std::string> out;
  for (const auto& d : v.type().tensor_type().shape().dim())
    out.push_back(d.has_dim_param() ? d.dim_param() : std::to_string(d.dim_value()));
  return out;
}

TEST(OnnxExport, TheInferenceGraphFromTheImageToTheProbabilities) {
  Model model = loadModelSource("small.mnn", kModel);
  Values values(model.graph);
  onnx::ModelProto proto = exportAndRead(model, values);
  ASSERT_EQ(proto.opset_import_size(), 1);
  EXPECT_EQ(proto.opset_import(0).version(), kOnnxOpset);
  const onnx::GraphProto& g = proto.graph();
  ASSERT_EQ(g.input_size(), 1);
  EXPECT_EQ(g.input(0).name(), "x");
  EXPECT_EQ(dims(g.input(0)), (std::vector<std::string>{"N", "8", "8", "1"}));
  ASSERT_EQ(g.output_size(), 1);
  EXPECT_EQ(g.output(0).name(), "probs");
  EXPECT_EQ(dims(g.output(0)), (std::vector<std::string>{"N", "10"}));

  std::multiset<std::string> ops;
  for (const onnx::NodeProto& n : g.node()) ops.insert(n.op_type());
  EXPECT_EQ(ops.count("Conv"), 1u);
  EXPECT_EQ(ops.count("Softmax"), 1u);
  EXPECT_EQ(ops.count("Dropout"), 0u);
  // BatchNorm on its moving statistics: no mean or variance of the batch is computed.
  EXPECT_EQ(ops.count("ReduceMean"), 0u);
  EXPECT_EQ(ops.count("ReduceSum"), 0u);

  // Each variable the scores need is an initializer under its name, with the values given (the
  // optimizer's slots and the loss's values are not).
  std::map<std::string, const onnx::TensorProto*> inits;
  for (const onnx::TensorProto& t : g.initializer()) inits[t.name()] = &t;
  int variables = 0;
  for (const Node& n : model.graph.nodes()) {
    if (n.op != Op::Variable) continue;
    auto it = inits.find(n.name);
    bool moving = n.name.find("moving") != std::string::npos;
    bool inference = n.name.rfind("c/", 0) == 0 || n.name.rfind("b/", 0) == 0 || n.name.rfind("probs/", 0) == 0;
    if (!inference) {
      EXPECT_EQ(it, inits.end()) << n.name << " is not needed by the scores";
      continue;
    }
    ++variables;
    ASSERT_NE(it, inits.end()) << n.name << (moving ? " (a moving statistic)" : "");
    const std::vector<float>& want = values.data.at(n.id);
    ASSERT_EQ(it->second->raw_data().size(), want.size() * sizeof(float)) << n.name;
    EXPECT_EQ(std::memcmp(it->second->raw_data().data(), want.data(), want.size() * sizeof(float)), 0) << n.name;
  }
  EXPECT_EQ(variables, 8);  // c: kernel, bias; b: gamma, beta, moving mean, moving variance; probs: kernel, bias
}

TEST(OnnxExport, AnOpWithNoOnnxFormNamesItsNode) {
  std::string text = kModel;
  text.replace(text.find("c = Conv2D(x,"), 13,
               "xp = pad(x, [[0, 0], [1, 0], [0, 0], [0, 0]], mode = symmetric)\n"
               "xs = slice(xp, [0, 0, 0, 0], [-1, 8, 8, 1])\nc = Conv2D(xs,");
  Model model = loadModelSource("small.mnn", text);
  Values values(model.graph);
  try {
    exportAndRead(model, values);
    FAIL() << "the export of a symmetric pad succeeded";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("node 'xp' (op 'pad'): 'symmetric' padding has no ONNX form"),
              std::string::npos)
        << e.what();
    EXPECT_EQ(e.loc().line, 4);
  }
}

// An autoencoder's model: no class scores; the loss compares the reconstruction with the input.
std::string autoencoder(const std::string& output) {
  return R"(model ae
x = placeholder(f32, [?, 8, 8, 1])
h = Conv2D(x, 4, kernel = 3, padding = same, activation = relu)
z = Conv2D(h, 1, kernel = 3, padding = same)
)" + output +
         R"(
train {
  data = mnist(scale = 1/255)
  feed = {x: image}
  optimizer = adam()
  minimize = loss
  batch = 4
  epochs = 1
}
)";
}

std::vector<std::string> opTypes(const onnx::GraphProto& g) {
  std::vector<std::string> ops;
  for (const onnx::NodeProto& n : g.node()) ops.push_back(n.op_type());
  return ops;
}

TEST(OnnxExport, WithoutClassScoresTheOutputIsWhatTheLossCompares) {
  // binary_crossentropy(sigmoid(z), x), which the stable-loss rewrite computes from z: the output
  // is still the sigmoid's probabilities, as Keras' model output.
  Model model =
      loadModelSource("ae.mnn", autoencoder("reconstruction = sigmoid(z)\n"
                                            "loss = binary_crossentropy(reconstruction, x) + 0.01 * l2_loss(z)"));
  Values values(model.graph);
  onnx::ModelProto proto = exportAndRead(model, values, ForwardOutput::ClassScoresOrPrediction);
  ASSERT_EQ(proto.graph().output_size(), 1);
  EXPECT_EQ(proto.graph().output(0).name(), "reconstruction");
  EXPECT_EQ(dims(proto.graph().output(0)), (std::vector<std::string>{"N", "8", "8", "1"}));
  std::vector<std::string> ops = opTypes(proto.graph());
  ASSERT_GE(ops.size(), 2u);
  EXPECT_EQ(ops[ops.size() - 2], "Sigmoid");  // then the Identity naming the output

  // sigmoid_cross_entropy on logits the model takes no sigmoid of: the output is the logits.
  model = loadModelSource("ae.mnn", autoencoder("loss = sigmoid_cross_entropy(z, x)"));
  proto = exportAndRead(model, Values(model.graph), ForwardOutput::ClassScoresOrPrediction);
  ops = opTypes(proto.graph());
  EXPECT_EQ(std::count(ops.begin(), ops.end(), "Sigmoid"), 0) << "the logits, not the probabilities";
  EXPECT_EQ(dims(proto.graph().output(0)), (std::vector<std::string>{"N", "8", "8", "1"}));
}

TEST(OnnxExport, WithoutClassScoresARegressionOutputsWhatItsErrorCompares) {
  for (const char* loss : {"mean_squared_error", "mean_absolute_error", "huber"}) {
    Model model = loadModelSource("ae.mnn", autoencoder(std::string("out = tanh(z)\nloss = ") + loss +
                                                        "(out, x) + 0.1 * reduce_mean(square(z))"));
    onnx::ModelProto proto = exportAndRead(model, Values(model.graph), ForwardOutput::ClassScoresOrPrediction);
    EXPECT_EQ(proto.graph().output(0).name(), "out") << loss;
    std::vector<std::string> ops = opTypes(proto.graph());
    EXPECT_EQ(ops[ops.size() - 2], "Tanh") << loss;
  }
}

TEST(OnnxExport, WithoutClassScoresOrAPredictionItIsAnError) {
  // A loss of none of the forms: the square of a difference of values of two shapes.
  Model model = loadModelSource("ae.mnn", autoencoder("loss = reduce_mean(square(z - reduce_mean(z, [0])))"));
  for (ForwardOutput wanted : {ForwardOutput::ClassScores, ForwardOutput::ClassScoresOrPrediction}) {
    try {
      exportAndRead(model, Values(model.graph), wanted);
      FAIL() << "exported a model with no output to find";
    } catch (const UserError& e) {
      EXPECT_NE(std::string(e.what()).find("export cannot find the class scores"), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).find("binary_crossentropy") != std::string::npos,
                wanted == ForwardOutput::ClassScoresOrPrediction)
          << e.what();
    }
  }
}

}  // namespace
}  // namespace graphc
