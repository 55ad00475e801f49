// \file The import driver (onnx_import.h): the model's opset and inputs checked, each node handed
// to its translator in graph order, the outputs and the train block written.
#include "importer/onnx_import.h"

#include <fmt/core.h>

#include <algorithm>
#include <cctype>
#include <cmath>

#include "frontend/lowerer.h"
#include "importer/onnx_importer.h"
#include "support/diagnostics.h"
#include "support/regular_file.h"
#include "support/spelling.h"

namespace graphc {

const std::vector<int> kToNhwc = {0, 2, 3, 1};
const std::vector<int> kToNchw = {0, 3, 1, 2};

namespace {

// ONNX 1.12 (Debian's libonnx) defines the default domain's opsets up to 17.
constexpr int64_t kMaxOpset = 17;
// A model file larger than this is refused rather than read whole (weights of 1 GiB).
constexpr uint64_t kMaxModelBytes = uint64_t{1} << 30;

bool isDefaultDomain(const std::string& domain) { return domain.empty() || domain == "ai.onnx"; }

// Words a binding must not take: the lexer's keywords (frontend/lexer.cpp), the bare words of
// arguments (`padding = same`), dtypes, feed sources, and every call and layer name.
const std::set<std::string>& reservedNames() {
  static const std::set<std::string> names = [] {
    std::set<std::string> s = {"model",  "scope",   "train",    "true",    "false",     "def",   "return",
                               "for",    "in",      "if",       "else",    "same",      "valid", "none",
                               "linear", "nearest", "bilinear", "reflect", "symmetric", "f32",   "i32",
                               "bool",   "image",   "label",    "test",    "split"};
    for (const std::string& n : callableNames()) s.insert(n);
    for (const std::string& n : layerNames()) s.insert(n);
    for (const std::string& n : activationNames()) s.insert(n);
    return s;
  }();
  return names;
}

// An ONNX name as a .mnn identifier: [A-Za-z_][A-Za-z0-9_]*, runs of other characters as one '_'.
std::string sanitize(const std::string& name) {
  std::string out;
  for (unsigned char c : name) {
    if (std::isalnum(c) || c == '_')
      out.push_back(static_cast<char>(c));
    else if (!out.empty() && out.back() != '_')
      out.push_back('_');
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  if (out.empty() || std::isdigit(static_cast<unsigned char>(out[0]))) out = "t_" + out;
  return out;
}

}  // namespace

const OpTable& opTable() {
  static const OpTable table = [] {
    OpTable t;
    addNnOps(t);
    addMathOps(t);
    addShapeOps(t);
    return t;
  }();
  return table;
}

const std::vector<std::string>& supportedOnnxOps() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const auto& [name, translate] : opTable()) n.push_back(name);
    return n;
  }();
  return names;
}

const std::vector<std::string>& foldedOnlyOnnxOps() {
  static const std::vector<std::string> names = {"Cast", "ConstantOfShape", "Gather", "Shape"};
  return names;
}

Importer::Importer(const onnx::ModelProto& model, std::string path, ImportOptions options)
    : model_(model), path_(std::move(path)), options_(std::move(options)) {}

size_t Importer::inputCount() const { return static_cast<size_t>(node_->input_size()); }
bool Importer::hasInput(size_t i) const { return i < inputCount() && !node_->input(static_cast<int>(i)).empty(); }
size_t Importer::outputCount() const { return static_cast<size_t>(node_->output_size()); }

const Value& Importer::input(size_t i) const {
  if (!hasInput(i)) fail(fmt::format("input {} is missing", i + 1));
  return values_.at(node_->input(static_cast<int>(i)));
}

const Tensor& Importer::constantInput(size_t i, const std::string& what) const {
  const Value& v = input(i);
  if (!v.constant)
    unsupported(
        fmt::format("a {} computed by the graph (input '{}'); graphc needs it known at import time (an "
                    "initializer, a Constant or shape arithmetic on fixed shapes)",
                    what, node_->input(static_cast<int>(i))));
  return *v.constant;
}

double Importer::scalarInput(size_t i, const std::string& what) const {
  const Tensor& t = constantInput(i, what);
  if (t.size() != 1)
    fail(fmt::format("the {} (input '{}') has {} values; ONNX makes it a scalar", what,
                     node_->input(static_cast<int>(i)), t.size()));
  return t.at(0);
}

std::string Importer::number(double v) {
  float f = static_cast<float>(v);
  // The range test first: converting an infinity or a NaN to an integer is undefined behaviour.
  if (std::abs(f) < 1e15 && f == std::trunc(f)) return fmt::format("{}", static_cast<int64_t>(f));
  std::string s = fmt::format("{}", f);
  if (s == "inf") return "3.4028234663852886e38";
  if (s == "-inf") return "-3.4028234663852886e38";
  return s;
}

std::string Importer::intList(const std::vector<int64_t>& v) {
  std::string s = "[";
  for (size_t k = 0; k < v.size(); ++k) s += (k ? ", " : "") + std::to_string(v[k]);
  return s + "]";
}

std::string Importer::shapeList(const Dims& dims) {
  std::string s = "[";
  for (size_t k = 0; k < dims.size(); ++k)
    s += (k ? ", " : "") + (dims[k] == kBatchDim ? std::string("?") : std::to_string(dims[k]));
  return s + "]";
}

std::string Importer::bindingName(const std::string& onnxName) {
  std::string base = sanitize(onnxName), name = base;
  for (int k = 2; usedNames_.count(name) || reservedNames().count(name); ++k) name = fmt::format("{}_{}", base, k);
  usedNames_.insert(name);
  return name;
}

std::string Importer::variable(const Tensor& t, const std::string& hint, bool trainable) {
  if (t.isInt) unsupported("an integer constant used as a graph value (graphc's variables are f32)");
  for (int64_t d : t.dims)
    if (d == 0) unsupported("an empty constant (a dimension of 0)");
  std::string name = bindingName(hint);
  weights_.push_back(
      fmt::format("{} = variable({}, init = zeros{})", name, intList(t.dims), trainable ? "" : ", trainable = false"));
  tensors_.push_back({name, t.dims, t.f});
  return name;
}

std::string Importer::asLayout(const Value& v, bool nhwc) {
  if (v.dims.size() != 4 || v.nhwc == nhwc) return v.expr;
  return fmt::format("transpose({}, {})", v.expr, v.nhwc ? "[0, 3, 1, 2]" : "[0, 2, 3, 1]");
}

std::string Importer::operand(size_t i, bool nhwc) {
  const Value& v = input(i);
  if (!v.constant) return asLayout(v, nhwc);
  Value& c = values_.at(node_->input(static_cast<int>(i)));
  bool permute = nhwc && c.dims.size() == 4;
  std::string& written = permute ? c.nhwcVariable : c.variable;  // each layout is written once
  if (written.empty())
    written =
        variable(permute ? transposed(*c.constant, kToNhwc) : *c.constant, node_->input(static_cast<int>(i)), c.weight);
  return written;
}

int64_t Importer::axis(int64_t a, size_t rank) const {
  auto r = static_cast<int64_t>(rank);
  if (a < -r || a >= r) fail(fmt::format("axis {} is outside a rank-{} value", a, r));
  return a < 0 ? a + r : a;
}

void Importer::define(size_t k, const std::string& expr, const Dims& dims, bool nhwc, bool isInt) {
  if (k >= outputCount() || node_->output(static_cast<int>(k)).empty()) return;
  const std::string& onnxName = node_->output(static_cast<int>(k));
  std::string name = bindingName(onnxName);
  checkShape(dims);
  std::string comment = node_->name().empty() ? node_->op_type() : node_->op_type() + " " + node_->name();
  body_.push_back(fmt::format("{} = {}  # {}", name, expr, comment));
  Value v;
  v.expr = name;
  v.dims = dims;
  v.nhwc = nhwc && dims.size() == 4;
  v.isInt = isInt;
  values_[onnxName] = v;
  bindings_[onnxName] = name;
}

void Importer::defineConstant(size_t k, Tensor t) {
  checkShape(t.dims);
  if (k >= outputCount() || node_->output(static_cast<int>(k)).empty()) return;
  Value v;
  v.dims = t.dims;
  v.isInt = t.isInt;
  v.constant = std::move(t);
  values_[node_->output(static_cast<int>(k))] = std::move(v);
}

void Importer::alias(size_t k, const Value& v) {
  if (k >= outputCount() || node_->output(static_cast<int>(k)).empty()) return;
  values_[node_->output(static_cast<int>(k))] = v;
}

const onnx::AttributeProto* Importer::attr(const std::string& name) const {
  for (const auto& a : node_->attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

bool Importer::hasAttr(const std::string& name) const { return attr(name) != nullptr; }

int64_t Importer::attrInt(const std::string& name, int64_t fallback) const {
  const auto* a = attr(name);
  return a ? saturatedInt(a->i()) : fallback;
}

float Importer::attrFloat(const std::string& name, float fallback) const {
  const auto* a = attr(name);
  return a ? a->f() : fallback;
}

std::vector<int64_t> Importer::attrInts(const std::string& name, std::vector<int64_t> fallback) const {
  const auto* a = attr(name);
  if (!a) return fallback;
  std::vector<int64_t> v;
  for (int64_t x : a->ints()) v.push_back(saturatedInt(x));
  return v;
}

std::vector<int64_t> Importer::attrSizes(const std::string& name, std::vector<int64_t> fallback) const {
  const auto* a = attr(name);
  if (!a) return fallback;
  std::vector<int64_t> v(a->ints().begin(), a->ints().end());
  checkSizes(v, name);  // the file's values, before attrInts would saturate them
  return v;
}

void Importer::checkSizes(const std::vector<int64_t>& values, const std::string& what) const {
  for (int64_t x : values)
    if (x < -kMaxElements || x > kMaxElements)
      fail(fmt::format("{} holds {}, outside -{} to {} (no model graphc runs has a longer axis)", what, x, kMaxElements,
                       kMaxElements));
}

void Importer::checkShape(const Dims& dims) const {
  std::string problem = shapeProblem(dims);
  if (!problem.empty()) fail(problem);
}

std::vector<float> Importer::attrFloats(const std::string& name) const {
  const auto* a = attr(name);
  if (!a) return {};
  return {a->floats().begin(), a->floats().end()};
}

std::string Importer::attrString(const std::string& name, const std::string& fallback) const {
  const auto* a = attr(name);
  return a ? a->s() : fallback;
}

Tensor Importer::attrTensor(const std::string& name) const {
  const auto* a = attr(name);
  if (!a || !a->has_t()) fail("attribute '" + name + "' (a tensor) is missing");
  return readTensor(a->t(), path_ + ": node " + nodeLabel() + ": attribute '" + name + "'");
}

std::string Importer::nodeLabel() const {
  if (!node_) return "";
  std::string name = node_->name().empty() ? (node_->output_size() ? node_->output(0) : "") : node_->name();
  return fmt::format("'{}' ({})", name, node_->op_type());
}

void Importer::fail(const std::string& message) const {
  throw InputError(fmt::format("{}: node {}: {}", path_, nodeLabel(), message));
}

void Importer::unsupported(const std::string& what) const { fail("unsupported: " + what); }

void Importer::readInputs() {
  std::set<std::string> initializers;
  for (const auto& init : model_.graph().initializer()) {
    if (init.name().empty() || values_.count(init.name()))
      throw InputError(fmt::format("{}: initializer '{}' is unnamed or given twice", path_, init.name()));
    Value v;
    v.constant = readTensor(init, path_ + ": initializer '" + init.name() + "'");
    v.dims = v.constant->dims;
    v.isInt = v.constant->isInt;
    v.weight = !v.isInt;
    values_[init.name()] = std::move(v);
    initializers.insert(init.name());
  }
  bool first = true;
  for (const auto& in : model_.graph().input()) {
    if (initializers.count(in.name())) continue;  // an initializer listed as an input (IR version 3)
    std::string where = fmt::format("{}: graph input '{}'", path_, in.name());
    if (in.name().empty() || values_.count(in.name())) throw InputError(where + " is unnamed or given twice");
    if (!in.type().has_tensor_type() || in.type().tensor_type().elem_type() != onnx::TensorProto_DataType_FLOAT)
      throw InputError(where + ": unsupported: only float (f32) tensors can be fed to graphc models");
    if (!in.type().tensor_type().has_shape())
      throw InputError(where +
                       ": unsupported: the input has no shape (graphc needs every dimension but the batch fixed)");
    Value v;
    const auto& shape = in.type().tensor_type().shape();
    for (int d = 0; d < shape.dim_size(); ++d) {
      const auto& dim = shape.dim(d);
      bool batch = d == 0 && (!dim.has_dim_value() || (first && !options_.data.empty()));
      if (batch) {
        v.dims.push_back(kBatchDim);
      } else if (dim.has_dim_value() && dim.dim_value() > 0) {
        v.dims.push_back(dim.dim_value());
      } else {
        throw InputError(fmt::format(
            "{}: unsupported: dimension {} is dynamic ('{}'); graphc needs every dimension but the batch (the first) "
            "fixed",
            where, d, dim.dim_param()));
      }
    }
    if (v.dims.size() > 6) throw InputError(where + ": unsupported: more than 6 dimensions");
    if (std::string problem = shapeProblem(v.dims); !problem.empty()) throw InputError(where + ": " + problem);
    v.expr = bindingName(in.name());
    v.nhwc = v.dims.size() == 4;
    Dims stored = v.dims;
    if (v.nhwc) stored = {v.dims[0], v.dims[2], v.dims[3], v.dims[1]};
    inputs_.push_back(fmt::format("{} = placeholder(f32, {})", v.expr, shapeList(stored)));
    header_.push_back(fmt::format("# input {}: ONNX '{}' f32{}{}", v.expr, in.name(), dimsText(v.dims),
                                  v.nhwc ? ", fed as NHWC" : ""));
    values_[in.name()] = std::move(v);
    first = false;
  }
}

void Importer::writeOutputs() {
  node_ = nullptr;
  for (const auto& out : model_.graph().output()) {
    auto it = values_.find(out.name());
    if (it == values_.end())
      throw InputError(fmt::format("{}: graph output '{}' is computed by no node", path_, out.name()));
    Value v = it->second;
    if (v.constant) {  // written as a variable holding its value
      if (v.isInt)
        throw InputError(fmt::format("{}: unsupported: graph output '{}' is an integer constant", path_, out.name()));
      v.nhwc = v.dims.size() == 4;
      if (v.nhwc) v.constant = transposed(*v.constant, kToNhwc);
      v.expr = variable(*v.constant, out.name(), false);
      bindings_[out.name()] = v.expr;
    }
    std::string expr = asLayout(v, v.dims.size() == 4);
    std::string name = expr;
    if (expr != v.expr) {  // a transposed value gets its own binding (an alias is named as the value it is)
      name = bindingName(out.name() + "_output");
      outputs_.push_back(fmt::format("{} = {}", name, expr));
    }
    header_.push_back(fmt::format("# output {}: ONNX '{}' f32{}{}", name, out.name(), dimsText(v.dims),
                                  v.dims.size() == 4 ? ", as NHWC" : ""));
    if (outputName_.empty()) {
      outputName_ = name;
      outputDims_ = v.dims;
      outputOp_ = v.producer;
    }
  }
  if (outputName_.empty()) throw InputError(path_ + ": the graph has no output");
}

void Importer::writeTrainBlock() {
  if (firstInput_.empty()) throw InputError(path_ + ": --data needs a graph input to feed the images to");
  if (outputDims_.size() != 2 || outputDims_[0] != kBatchDim)
    throw InputError(fmt::format("{}: --data needs the first output to be class scores f32[?, K], found f32{}", path_,
                                 dimsText(outputDims_)));
  const std::string& image = values_.at(firstInput_).expr;
  // Probabilities get Keras' cross-entropy on probabilities, logits (or log-probabilities) softmax's.
  std::string loss = outputOp_ == "Softmax" ? "sparse_categorical_crossentropy" : "softmax_cross_entropy";
  outputs_.push_back("");
  outputs_.push_back("labels = placeholder(i32, [?])");
  outputs_.push_back(fmt::format("loss = {}({}, labels)", loss, outputName_));
  outputs_.push_back(fmt::format("acc = accuracy({}, labels)", outputName_));
  outputs_.push_back("");
  outputs_.push_back("train {");
  outputs_.push_back(fmt::format("  data      = {}", options_.data));
  outputs_.push_back(fmt::format("  feed      = {{{}: image, labels: label}}", image));
  outputs_.push_back("  optimizer = adam()");
  outputs_.push_back("  minimize  = loss");
  outputs_.push_back("  metrics   = [acc]");
  outputs_.push_back("}");
}

ImportedModel Importer::run() {
  opset_ = -1;
  for (const auto& o : model_.opset_import()) {
    if (!isDefaultDomain(o.domain())) continue;
    opset_ = static_cast<int>(std::clamp<int64_t>(o.version(), -1, 1 << 20));
    if (o.version() < 1 || o.version() > kMaxOpset)
      throw InputError(
          fmt::format("{}: unsupported: opset {} of the default ONNX domain (graphc import knows opsets 1 to {})",
                      path_, o.version(), kMaxOpset));
  }
  if (opset_ < 0) throw InputError(path_ + ": the model imports no opset of the default ONNX domain (opset_import)");
  if (!options_.data.empty()) {
    for (const char* name : {"labels", "loss", "acc"}) usedNames_.insert(name);
  }
  readInputs();
  for (const auto& in : model_.graph().input())
    if (values_.count(in.name()) && !values_.at(in.name()).constant) {
      firstInput_ = in.name();
      break;
    }
  const OpTable& table = opTable();
  for (const auto& n : model_.graph().node()) {
    node_ = &n;
    if (!isDefaultDomain(n.domain()))
      fail(fmt::format("unsupported op '{}' of domain '{}' (graphc import translates the default domain's: {})",
                       n.op_type(), n.domain(), listOfNames(supportedOnnxOps())));
    auto it = table.find(n.op_type());
    if (it == table.end())
      fail(fmt::format("unsupported op '{}'{} (graphc import translates: {})", n.op_type(),
                       didYouMean(n.op_type(), supportedOnnxOps()), listOfNames(supportedOnnxOps())));
    // Every translator names things after output 0; a node computing nothing has no use.
    if (n.output_size() == 0) fail("the node has no output");
    for (int i = 0; i < n.input_size(); ++i)
      if (!n.input(i).empty() && !values_.count(n.input(i)))
        fail(fmt::format("input '{}' is computed by no earlier node (the nodes must be in graph order)", n.input(i)));
    it->second(*this);
    for (int k = 0; k < n.output_size(); ++k) {
      auto out = values_.find(n.output(k));
      if (out != values_.end() && k == 0) out->second.producer = n.op_type();
    }
  }
  writeOutputs();
  if (!options_.data.empty()) writeTrainBlock();

  std::string text;
  std::string name = sanitize(options_.modelName.empty() ? model_.graph().name() : options_.modelName);
  if (reservedNames().count(name)) name += "_onnx";
  text += fmt::format("# Imported by `graphc import` from {} (opset {}{}).\n", path_, opset_,
                      model_.producer_name().empty() ? "" : ", made by " + model_.producer_name());
  text += "# The weights are in the safetensors file beside it (`--load`); 4-D values are NHWC.\n";
  for (const std::string& line : header_) text += line + "\n";
  text += fmt::format("model {}\n\n", name);
  for (const std::string& line : inputs_) text += line + "\n";
  if (!weights_.empty()) text += "\n";
  for (const std::string& line : weights_) text += line + "\n";
  text += "\n";
  for (const std::string& line : body_) text += line + "\n";
  for (const std::string& line : outputs_) text += line + "\n";
  return {text, tensors_};
}

ImportedModel importOnnx(const std::string& path, const std::string& bytes, const ImportOptions& options) {
  onnx::ModelProto model;
  if (bytes.empty() || !model.ParseFromString(bytes))
    throw InputError(path + ": not an ONNX model (the protobuf message is malformed or truncated)");
  if (!model.has_graph()) throw InputError(path + ": not an ONNX model (it has no graph)");
  return Importer(model, path, options).run();
}

ImportedModel importOnnxFile(const std::string& path, const ImportOptions& options) {
  std::string bytes, why;
  if (!readRegularFile(path, kMaxModelBytes, &bytes, &why)) throw InputError(path + ": " + why);
  return importOnnx(path, bytes, options);
}

}  // namespace graphc
