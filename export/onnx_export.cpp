// \file exportOnnx: the forward graph translated node by node into an ONNX GraphProto (opset 13)
// with ONNX's protobuf classes, checked with onnx::checker, serialized.
//
// ONNX's conventions differ from the graph's in a few places, each handled where it arises: Conv,
// ConvTranspose and the pools take NCHW (the NHWC value goes through Transpose nodes both ways) and
// OIHW filters (graphc's HWIO filter goes through a Transpose node); Reshape takes its shape as an
// int64 tensor (-1 for the batch dimension, which stays symbolic); ArgMax returns int64 (cast back to
// int32); opset 13 has no Gelu or Mish (composed from Erf, Tanh, Softplus). Scalars known at export
// time become rank-0 initializers, which ONNX broadcasts as graphc does.
#include "export/onnx_export.h"

#include <onnx/checker.h>

#include <limits>
#include <set>
#include <vector>

#include "export/onnx_common.h"
#include "ir/op_table.h"
#include "support/diagnostics.h"

namespace graphc {
namespace {

using Ints = std::vector<int64_t>;
using Names = std::vector<std::string>;

onnx::AttributeProto intAttr(const std::string& name, int64_t value) {
  onnx::AttributeProto a;
  a.set_name(name);
  a.set_type(onnx::AttributeProto_AttributeType_INT);
  a.set_i(value);
  return a;
}

onnx::AttributeProto floatAttr(const std::string& name, double value) {
  onnx::AttributeProto a;
  a.set_name(name);
  a.set_type(onnx::AttributeProto_AttributeType_FLOAT);
  a.set_f(static_cast<float>(value));
  return a;
}

onnx::AttributeProto intsAttr(const std::string& name, const Ints& values) {
  onnx::AttributeProto a;
  a.set_name(name);
  a.set_type(onnx::AttributeProto_AttributeType_INTS);
  for (int64_t v : values) a.add_ints(v);
  return a;
}

onnx::AttributeProto stringAttr(const std::string& name, const std::string& value) {
  onnx::AttributeProto a;
  a.set_name(name);
  a.set_type(onnx::AttributeProto_AttributeType_STRING);
  a.set_s(value);
  return a;
}

const Ints kToNchw = {0, 3, 1, 2}, kToNhwc = {0, 2, 3, 1};
// HWIO (graphc's conv2d filter, and conv2d_transpose's [kh, kw, filters, C]) to OIHW / IOHW.
const Ints kFilterToOihw = {3, 2, 0, 1};

// Translates the nodes the output needs, in id order (a topological order), into one graph.
class OnnxTranslator {
 public:
  OnnxTranslator(const Graph& graph, const OnnxExportOptions& options)
      : graph_(graph), options_(options), nodes_(graph, options) {
    file_ = graph.file.substr(graph.file.find_last_of('/') + 1);
  }

  onnx::ModelProto translate() {
    onnx::ModelProto model;
    model.set_ir_version(kOnnxIrVersion);
    model.set_producer_name("graphc");
    model.set_producer_version(options_.producerVersion);
    model.add_opset_import()->set_version(kOnnxOpset);
    for (const auto& [key, value] : options_.metadata) {
      onnx::StringStringEntryProto* entry = model.add_metadata_props();
      entry->set_key(key);
      entry->set_value(value);
    }
    graph_proto_ = model.mutable_graph();
    graph_proto_->set_name(graph_.modelName.empty() ? "graphc" : graph_.modelName);

    const Node& input = graph_.node(options_.input);
    const Node& output = graph_.node(options_.output);
    std::string inputName = reserve(input.name.empty() ? "input" : input.name);
    std::string outputName = reserve(output.name.empty() ? "scores" : output.name);
    addValueInfo(graph_proto_->add_input(), inputName, input);
    values_[options_.input] = inputName;
    for (int id : nodes_.needed()) {
      current_ = &graph_.node(id);
      values_[id] = translateNode(*current_);
    }
    current_ = &output;
    add("Identity", {value(options_.output)}, {}, outputName);
    addValueInfo(graph_proto_->add_output(), outputName, output);
    return model;
  }

 private:
  // ---- names, nodes, initializers

  // A value name no other value has: base, else base_2, base_3...
  std::string reserve(const std::string& base) {
    std::string name = base;
    for (int i = 2; !names_.insert(name).second; ++i) name = base + "_" + std::to_string(i);
    return name;
  }

  // The name of the node being translated, for the names of the ONNX nodes and values it makes.
  std::string baseName() const { return current_->name.empty() ? "n" + std::to_string(current_->id) : current_->name; }

  void addValueInfo(onnx::ValueInfoProto* info, const std::string& name, const Node& n) {
    info->set_name(name);
    onnx::TypeProto_Tensor* tensor = info->mutable_type()->mutable_tensor_type();
    tensor->set_elem_type(onnxElementType(n.dtype));
    onnx::TensorShapeProto* shape = tensor->mutable_shape();
    for (int64_t d : n.shape) {
      if (d == kBatch)
        shape->add_dim()->set_dim_param("N");
      else
        shape->add_dim()->set_dim_value(d);
    }
  }

  // One ONNX node of the current graphc node; returns its output's name (out, or a fresh one).
  std::string add(const std::string& type, const Names& inputs, const std::vector<onnx::AttributeProto>& attrs = {},
                  const std::string& out = "") {
    onnx::NodeProto* node = graph_proto_->add_node();
    node->set_op_type(type);
    node->set_name(reserveNode(baseName() + "/" + type));
    for (const std::string& in : inputs) node->add_input(in);
    for (const onnx::AttributeProto& a : attrs) *node->add_attribute() = a;
    std::string name = out.empty() ? reserve(baseName()) : out;
    node->add_output(name);
    if (current_->loc.valid())
      node->set_doc_string(file_ + ":" + std::to_string(current_->loc.line) + ":" + std::to_string(current_->loc.col));
    return name;
  }

  std::string reserveNode(const std::string& base) {
    std::string name = base;
    for (int i = 2; !nodeNames_.insert(name).second; ++i) name = base + "_" + std::to_string(i);
    return name;
  }

  onnx::TensorProto* initializer(const std::string& base, onnx::TensorProto_DataType type, const Ints& dims) {
    onnx::TensorProto* t = graph_proto_->add_initializer();
    t->set_name(reserve(base));
    t->set_data_type(type);
    for (int64_t d : dims) t->add_dims(d);
    return t;
  }

  std::string int64s(const Ints& values) {
    onnx::TensorProto* t =
        initializer(baseName() + "/ints", onnx::TensorProto_DataType_INT64, {static_cast<int64_t>(values.size())});
    for (int64_t v : values) t->add_int64_data(v);
    return t->name();
  }

  // value repeated over dims (rank 0 for a scalar), of element type dtype.
  std::string filled(double value, DType dtype, const Ints& dims) {
    onnx::TensorProto* t = initializer(baseName() + "/const", onnxElementType(dtype), dims);
    int64_t count = 1;
    for (int64_t d : dims) count *= d;
    for (int64_t i = 0; i < count; ++i) {
      if (dtype == DType::F32)
        t->add_float_data(static_cast<float>(value));
      else
        t->add_int32_data(dtype == DType::Bool ? value != 0 : static_cast<int32_t>(value));
    }
    return t->name();
  }
  std::string scalar(double value) { return filled(value, DType::F32, {}); }

  // A node's value in inference (another node's where it resolves to one; a rank-0 constant where
  // it is a known scalar).
  std::string value(int id) {
    id = nodes_.resolve(id);
    const double* k = nodes_.known(id);
    if (k && id != options_.input) return filled(*k, graph_.node(id).dtype, {});
    auto it = values_.find(id);
    if (it == values_.end()) throw InternalError("exportOnnx: node %" + std::to_string(id) + " used before it is made");
    return it->second;
  }
  std::string input(const Node& n, size_t i) { return value(n.inputs[i]); }

  // A constant shaped value: batch-free shapes are filled, the others a scalar ONNX broadcasts.
  std::string constantOf(const Node& n, double v) { return filled(v, n.dtype, hasBatch(n.shape) ? Ints{} : n.shape); }

  std::string variable(const Node& n) {
    if (n.dtype != DType::F32) unsupported(n, "a variable that is not f32");
    if (!options_.variableData) throw InternalError("exportOnnx: no values for variable '" + n.name + "'");
    const float* data = options_.variableData(n.id);
    onnx::TensorProto* t = initializer(n.name.empty() ? baseName() : n.name, onnx::TensorProto_DataType_FLOAT, n.shape);
    auto count = static_cast<size_t>(numElements(n.shape, 1));
    t->set_raw_data(std::string(reinterpret_cast<const char*>(data), count * sizeof(float)));
    return t->name();
  }

  // ---- the ops

  [[noreturn]] void unsupported(const Node& n, const std::string& what) {
    throw UserError(n.loc, "export: node '" + baseName() + "' (op '" + opName(n.op) + "'): " + what +
                               " has no ONNX form in graphc's export");
  }

  std::string unary(const std::string& type, const Node& n) { return add(type, {input(n, 0)}); }
  std::string binary(const std::string& type, const Node& n) { return add(type, {input(n, 0), input(n, 1)}); }

  // One case per op (-Wswitch makes a new op pick one).
  std::string translateNode(const Node& n) {
    switch (n.op) {
      case Op::Variable:
        return variable(n);
      case Op::Placeholder: {
        auto fixed = options_.fixedPlaceholders.find(n.id);
        if (fixed != options_.fixedPlaceholders.end()) return constantOf(n, fixed->second);
        throw UserError(n.loc, "export: placeholder '" + n.name +
                                   "' is needed by the scores but is neither the image input nor fed a constant");
      }
      case Op::Constant:
        return constantOf(n, n.attrs.getFloat("value"));
      case Op::Add:
        return binary("Add", n);
      case Op::Sub:
        return binary("Sub", n);
      case Op::Mul:
        return binary("Mul", n);
      case Op::Div:
        // ONNX's integer Div truncates; graphc's (Halide's) i32 division is Euclidean.
        if (n.dtype != DType::F32) unsupported(n, "i32 division");
        return binary("Div", n);
      case Op::Maximum:
        return binary("Max", n);
      case Op::Minimum:
        return binary("Min", n);
      case Op::Equal:
        return binary("Equal", n);
      case Op::NotEqual:
        return add("Not", {binary("Equal", n)});
      case Op::Greater:
        return binary("Greater", n);
      case Op::GreaterEqual:
        return binary("GreaterOrEqual", n);
      case Op::Less:
        return binary("Less", n);
      case Op::LessEqual:
        return binary("LessOrEqual", n);
      case Op::Pow:
        return binary("Pow", n);
      case Op::Neg:
        return unary("Neg", n);
      case Op::Exp:
        return unary("Exp", n);
      case Op::Log:
        return unary("Log", n);
      case Op::Rsqrt:
        return add("Reciprocal", {unary("Sqrt", n)});
      case Op::Sqrt:
        return unary("Sqrt", n);
      case Op::Abs:
        return unary("Abs", n);
      case Op::Sigmoid:
        return unary("Sigmoid", n);
      case Op::Tanh:
        return unary("Tanh", n);
      case Op::Softplus:
        return unary("Softplus", n);
      case Op::Square:
        return add("Mul", {input(n, 0), input(n, 0)});
      case Op::Relu:
        return unary("Relu", n);
      case Op::LeakyRelu:
        return add("LeakyRelu", {input(n, 0)}, {floatAttr("alpha", n.attrs.getFloat("alpha", 0.2))});
      case Op::Clip:
        return add("Min", {add("Max", {input(n, 0), input(n, 1)}), input(n, 2)});
      case Op::Where:
        return add("Where", {input(n, 0), input(n, 1), input(n, 2)});
      case Op::Cast:
        return cast(n);
      case Op::BatchNorm:
        return batchNorm(n);
      case Op::Conv2d:
      case Op::DepthwiseConv2d:
        return conv2d(n);
      case Op::Conv2dTranspose:
        return conv2dTranspose(n);
      case Op::MaxPool:
      case Op::AvgPool:
        return pool(n);
      case Op::GlobalAvgPool:
        return add("ReduceMean", {input(n, 0)}, {intsAttr("axes", {1, 2}), intAttr("keepdims", 0)});
      case Op::Matmul:
        return add(
            "Gemm", {input(n, 0), input(n, 1)},
            {intAttr("transA", n.attrs.getInt("transpose_a")), intAttr("transB", n.attrs.getInt("transpose_b"))});
      case Op::Reshape:
        return add("Reshape", {input(n, 0), int64s(bindBatch(n.shape, -1))});
      case Op::Transpose:
        return add("Transpose", {input(n, 0)}, {intsAttr("perm", n.attrs.getInts("perm"))});
      case Op::Concat: {
        Names parts;
        for (size_t i = 0; i < n.inputs.size(); ++i) parts.push_back(input(n, i));
        return add("Concat", parts, {intAttr("axis", n.attrs.getInt("axis"))});
      }
      case Op::SliceAxis: {
        int64_t axis = n.attrs.getInt("axis"), begin = n.attrs.getInt("begin");
        int64_t size = n.shape[static_cast<size_t>(axis)];
        int64_t end = size == kBatch ? std::numeric_limits<int64_t>::max() : begin + size;
        return add("Slice", {input(n, 0), int64s({begin}), int64s({end}), int64s({axis})});
      }
      case Op::Tile:
        return add("Tile", {input(n, 0), int64s(n.attrs.getInts("multiples"))});
      case Op::Pad:
        return pad(n);
      case Op::Resize:
        return resize(n);
      case Op::ReduceSum:
      case Op::ReduceMean:
      case Op::ReduceMax:
      case Op::ReduceMin:
      case Op::ReduceProd:
        return reduce(n);
      case Op::Argmax: {
        Ints axes = n.attrs.getInts("axes");
        if (axes.size() != 1) unsupported(n, "argmax over several axes");
        std::string index = add("ArgMax", {input(n, 0)}, {intAttr("axis", axes[0]), intAttr("keepdims", 0)});
        index = add("Cast", {index}, {intAttr("to", onnx::TensorProto_DataType_INT32)});
        return add("Reshape", {index, int64s(bindBatch(n.shape, -1))});
      }
      case Op::Softmax:
        return add("Softmax", {input(n, 0)}, {intAttr("axis", -1)});
      case Op::LogSoftmax:
        return add("LogSoftmax", {input(n, 0)}, {intAttr("axis", -1)});
      case Op::Elu:
        return add("Elu", {input(n, 0)}, {floatAttr("alpha", n.attrs.getFloat("alpha", 1.0))});
      case Op::Selu:  // Keras' constants, which are also ONNX's defaults
        return add("Selu", {input(n, 0)},
                   {floatAttr("alpha", 1.6732632423543772), floatAttr("gamma", 1.0507009873554805)});
      case Op::Gelu:
        return gelu(n);
      case Op::Swish: {
        std::string x = input(n, 0);
        return add("Mul", {x, add("Sigmoid", {x})});
      }
      case Op::Softsign:
        return unary("Softsign", n);
      case Op::HardSigmoid:  // Keras': clip(0.2 x + 0.5, 0, 1)
        return add("HardSigmoid", {input(n, 0)}, {floatAttr("alpha", 0.2), floatAttr("beta", 0.5)});
      case Op::Relu6:
        return add("Clip", {input(n, 0), scalar(0), scalar(6)});
      case Op::Mish: {  // x tanh(softplus(x)); ONNX's Mish is opset 18
        std::string x = input(n, 0);
        return add("Mul", {x, add("Tanh", {add("Softplus", {x})})});
      }
      case Op::Erf:
        return unary("Erf", n);
      case Op::Reciprocal:
        return unary("Reciprocal", n);
      case Op::Sign:
        return unary("Sign", n);
      case Op::Floor:
        return unary("Floor", n);
      case Op::Round:  // both round half to even
        return unary("Round", n);
      case Op::StopGradient:
        return unary("Identity", n);
      case Op::Dropout:
        unsupported(n, "dropout whose training flag is not fixed at 0 (the export is of inference)");
      // Training-only ops: losses, metrics, gradients, updates.
      case Op::BinaryCrossentropy:
      case Op::SigmoidCrossEntropy:
      case Op::LeakyReluGrad:
      case Op::ReluGrad:
      case Op::Conv2dBackpropInput:
      case Op::Conv2dBackpropFilter:
      case Op::MaxPoolGrad:
      case Op::OneHot:
      case Op::AvgPoolGrad:
      case Op::ElementCount:
      case Op::BroadcastLike:
      case Op::SumLike:
      case Op::SoftmaxGrad:
      case Op::LogSoftmaxGrad:
      case Op::SoftmaxCrossEntropy:
      case Op::SoftmaxCrossEntropyGrad:
      case Op::ProbsCrossEntropy:
      case Op::ProbsCrossEntropyGrad:
      case Op::Accuracy:
      case Op::DepthwiseConv2dBackpropInput:
      case Op::DepthwiseConv2dBackpropFilter:
      case Op::ResizeGrad:
      case Op::PadGrad:
      case Op::SgdUpdate:
        break;
    }
    unsupported(n, "this op");
  }

  // graphc's cast truncates floats toward zero, as ONNX's Cast does; to bool it is `nonzero`.
  std::string cast(const Node& n) {
    if (graph_.node(n.inputs[0]).dtype == n.dtype) return unary("Identity", n);
    return add("Cast", {input(n, 0)}, {intAttr("to", onnxElementType(n.dtype))});
  }

  // gamma * (x - mean) / sqrt(variance + epsilon) + beta over the last axis (NHWC's channels),
  // as graphc computes it; ONNX's BatchNormalization normalizes axis 1.
  std::string batchNorm(const Node& n) {
    std::string x = input(n, 0), gamma = input(n, 1), beta = input(n, 2), mean = input(n, 3), variance = input(n, 4);
    std::string inv = add("Reciprocal", {add("Sqrt", {add("Add", {variance, scalar(n.attrs.getFloat("epsilon"))})})});
    return add("Add", {add("Mul", {add("Sub", {x, mean}), add("Mul", {gamma, inv})}), beta});
  }

  std::string toNchw(const std::string& x) { return add("Transpose", {x}, {intsAttr("perm", kToNchw)}); }
  std::string toNhwc(const std::string& x) { return add("Transpose", {x}, {intsAttr("perm", kToNhwc)}); }

  // The pads attribute of a window op on input x and output n: [top, left, bottom, right].
  Ints windowPads(const Node& n, const Shape& x, const Ints& kernel, const Ints& strides, const Ints& dilation) {
    auto h = windowPadding(x[1], n.shape[1], kernel[0], strides[0], dilation[0], n.attrs.getInt("pad_top"));
    auto w = windowPadding(x[2], n.shape[2], kernel[1], strides[1], dilation[1], n.attrs.getInt("pad_left"));
    return {h.first, w.first, h.second, w.second};
  }

  // conv2d with an HWIO filter; depthwise_conv2d's [kh, kw, C, M] filter is a grouped convolution
  // with C groups, output channel c * M + q in both.
  std::string conv2d(const Node& n) {
    const Shape& x = graph_.node(n.inputs[0]).shape;
    const Shape& w = graph_.node(n.inputs[1]).shape;
    Ints s = n.attrs.getInts("strides"), d = n.attrs.getInts("dilation");
    std::string filter = input(n, 1);
    int64_t groups = 1;
    if (n.op == Op::DepthwiseConv2d) {
      groups = w[2];
      filter = add("Reshape", {filter, int64s({w[0], w[1], 1, w[2] * w[3]})});
    }
    filter = add("Transpose", {filter}, {intsAttr("perm", kFilterToOihw)});
    std::string y = add("Conv", {toNchw(input(n, 0)), filter},
                        {intsAttr("kernel_shape", {w[0], w[1]}), intsAttr("strides", s), intsAttr("dilations", d),
                         intsAttr("pads", windowPads(n, x, {w[0], w[1]}, s, d)), intAttr("group", groups)});
    return toNhwc(y);
  }

  // conv2d_transpose's [kh, kw, filters, C] filter is ONNX's [C, filters, kh, kw]. ONNX's output
  // size is s (in - 1) + span - pad_begin - pad_end + output_padding: the end padding is what
  // makes graphc's size, and where that is negative, output_padding adds the missing rows.
  std::string conv2dTranspose(const Node& n) {
    const Shape& x = graph_.node(n.inputs[0]).shape;
    const Shape& w = graph_.node(n.inputs[1]).shape;
    Ints s = n.attrs.getInts("strides"), d = n.attrs.getInts("dilation");
    Ints pads(4), extra(2);
    for (size_t a = 0; a < 2; ++a) {
      int64_t before = n.attrs.getInt(a == 0 ? "pad_top" : "pad_left");
      int64_t after = s[a] * (x[a + 1] - 1) + (w[a] - 1) * d[a] + 1 - before - n.shape[a + 1];
      pads[a] = before;
      pads[a + 2] = std::max<int64_t>(after, 0);
      extra[a] = std::max<int64_t>(-after, 0);
    }
    std::string filter = add("Transpose", {input(n, 1)}, {intsAttr("perm", kFilterToOihw)});
    std::string y = add("ConvTranspose", {toNchw(input(n, 0)), filter},
                        {intsAttr("kernel_shape", {w[0], w[1]}), intsAttr("strides", s), intsAttr("dilations", d),
                         intsAttr("pads", pads), intsAttr("output_padding", extra)});
    return toNhwc(y);
  }

  // ONNX's AveragePool without count_include_pad divides by the real (unpadded) elements, as
  // TensorFlow and graphc do; MaxPool's padding never wins.
  std::string pool(const Node& n) {
    const Shape& x = graph_.node(n.inputs[0]).shape;
    Ints k = n.attrs.getInts("size"), s = n.attrs.getInts("strides");
    std::vector<onnx::AttributeProto> attrs = {intsAttr("kernel_shape", k), intsAttr("strides", s),
                                               intsAttr("pads", windowPads(n, x, k, s, {1, 1}))};
    return toNhwc(add(n.op == Op::MaxPool ? "MaxPool" : "AveragePool", {toNchw(input(n, 0))}, attrs));
  }

  // graphc's paddings are (before, after) per axis, ONNX's all befores then all afters; both crop
  // where negative. Reflect is ONNX's reflect; symmetric (the edge repeated) has no ONNX mode.
  std::string pad(const Node& n) {
    Ints p = n.attrs.getInts("paddings"), pads;
    for (size_t i = 0; i < p.size(); i += 2) pads.push_back(p[i]);
    for (size_t i = 1; i < p.size(); i += 2) pads.push_back(p[i]);
    std::string mode = n.attrs.getString("mode");
    if (mode != "constant" && mode != "reflect") unsupported(n, "'" + mode + "' padding");
    return add("Pad", {input(n, 0), int64s(pads), scalar(n.attrs.getFloat("value"))}, {stringAttr("mode", mode)});
  }

  // TF2's resize (half-pixel centres, edges clamped) of NHWC images, resized on axes 1 and 2. The
  // sizes input needs the batch, taken from the input's shape. Nearest: the source pixel is
  // floor((o + 1/2) in / out), ONNX's half_pixel coordinate rounded with ties up.
  std::string resize(const Node& n) {
    std::string x = input(n, 0);
    std::string batch = add("Slice", {add("Shape", {x}), int64s({0}), int64s({1})});
    std::string sizes = add("Concat", {batch, int64s({n.shape[1], n.shape[2], n.shape[3]})}, {intAttr("axis", 0)});
    bool bilinear = n.attrs.getString("method") == "bilinear";
    std::vector<onnx::AttributeProto> attrs = {stringAttr("mode", bilinear ? "linear" : "nearest"),
                                               stringAttr("coordinate_transformation_mode", "half_pixel")};
    if (!bilinear) attrs.push_back(stringAttr("nearest_mode", "round_prefer_ceil"));
    return add("Resize", {x, "", "", sizes}, attrs);
  }

  // Opset 13: ReduceSum takes its axes as an input, the others as an attribute.
  std::string reduce(const Node& n) {
    Ints axes = n.attrs.getInts("axes");
    int64_t keep = n.shape.size() == graph_.node(n.inputs[0]).shape.size() ? 1 : 0;
    if (n.op == Op::ReduceSum) return add("ReduceSum", {input(n, 0), int64s(axes)}, {intAttr("keepdims", keep)});
    const char* type = n.op == Op::ReduceMean  ? "ReduceMean"
                       : n.op == Op::ReduceMax ? "ReduceMax"
                       : n.op == Op::ReduceMin ? "ReduceMin"
                                               : "ReduceProd";
    return add(type, {input(n, 0)}, {intsAttr("axes", axes), intAttr("keepdims", keep)});
  }

  // 0.5 x (1 + erf(x / sqrt 2)), or with approximate, 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))).
  std::string gelu(const Node& n) {
    std::string x = input(n, 0), inner;
    if (n.attrs.getInt("approximate")) {
      std::string cube = add("Mul", {x, add("Mul", {x, x})});
      std::string sum = add("Add", {x, add("Mul", {scalar(0.044715), cube})});
      inner = add("Tanh", {add("Mul", {scalar(0.7978845608028654), sum})});
    } else {
      inner = add("Erf", {add("Mul", {x, scalar(0.7071067811865476)})});
    }
    return add("Mul", {add("Mul", {scalar(0.5), x}), add("Add", {scalar(1), inner})});
  }

  const Graph& graph_;
  const OnnxExportOptions& options_;
  ForwardNodes nodes_;
  std::string file_;
  onnx::GraphProto* graph_proto_ = nullptr;
  const Node* current_ = nullptr;
  std::set<std::string> names_, nodeNames_;
  std::map<int, std::string> values_;
};

}  // namespace

std::string exportOnnx(const Graph& graph, const OnnxExportOptions& options) {
  internalCheck(options.input >= 0 && options.output >= 0, "exportOnnx", "no input or output node");
  onnx::ModelProto model = OnnxTranslator(graph, options).translate();
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    throw InternalError(std::string("the ONNX model of '") + graph.modelName + "' fails ONNX's checker: " + e.what());
  }
  std::string bytes;
  if (!model.SerializeToString(&bytes)) throw InternalError("exportOnnx: the ONNX model does not serialize");
  return bytes;
}

}  // namespace graphc
