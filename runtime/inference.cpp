// \file Running a model on arrays (inference.h).
#include "runtime/inference.h"

#include <fmt/core.h>

#include "runtime/checkpoint.h"
#include "runtime/session.h"
#include "support/diagnostics.h"

namespace graphc {
namespace {

std::string shapeText(const std::vector<int64_t>& s) {
  std::string t = "[";
  for (size_t k = 0; k < s.size(); ++k)
    t += (k ? ", " : "") + (s[k] == kBatch ? std::string("?") : std::to_string(s[k]));
  return t + "]";
}

// The array as a Halide buffer (Halide's first dimension is the innermost: the shape reversed).
Halide::Buffer<float> toBuffer(const NpyArray& a) {
  std::vector<int> extents(a.shape.rbegin(), a.shape.rend());
  Halide::Buffer<float> b(extents);
  std::copy(a.values.begin(), a.values.end(), b.data());
  return b;
}

NpyArray fromBuffer(const Halide::Buffer<float>& b) {
  NpyArray a;
  for (int d = b.dimensions(); d-- > 0;) a.shape.push_back(b.dim(d).extent());
  a.values.reserve(b.number_of_elements());
  // Row-major order whatever the buffer's strides: the last ONNX axis (Halide's 0) fastest.
  std::vector<int> at(static_cast<size_t>(b.dimensions()));
  for (int d = 0; d < b.dimensions(); ++d) at[static_cast<size_t>(d)] = b.dim(d).min();
  for (size_t k = 0; k < b.number_of_elements(); ++k) {
    a.values.push_back(b(at.data()));
    for (int d = 0; d < b.dimensions(); ++d) {
      auto& c = at[static_cast<size_t>(d)];
      if (++c < b.dim(d).max() + 1) break;
      c = b.dim(d).min();
    }
  }
  return a;
}

}  // namespace

std::vector<NpyArray> inferArrays(const Model& model, const std::string& checkpoint,
                                  const std::map<std::string, NpyArray>& inputs,
                                  const std::vector<std::string>& outputs, const CompileOptions& options) {
  const Graph& graph = model.graph;
  int64_t batch = -1;
  std::map<int, const NpyArray*> feeds;
  for (const auto& [name, array] : inputs) {
    int id = graph.findByName(name);
    if (id < 0 || graph.node(id).op != Op::Placeholder)
      throw InputError(fmt::format("--input {}: the model has no placeholder '{}'", name, name));
    const Node& p = graph.node(id);
    if (p.dtype != DType::F32) throw InputError(fmt::format("--input {}: the placeholder is not f32", name));
    bool fits = p.shape.size() == array.shape.size();
    for (size_t d = 0; fits && d < p.shape.size(); ++d) {
      if (p.shape[d] != kBatch) {
        fits = p.shape[d] == array.shape[d];
      } else {
        fits = batch < 0 || batch == array.shape[d];
        batch = array.shape[d];
      }
    }
    if (!fits)
      throw InputError(fmt::format("--input {}: an array of {} does not fit the placeholder's {}{}", name,
                                   shapeText(array.shape), shapeText(p.shape),
                                   batch >= 0 ? fmt::format(" (the batch is {})", batch) : ""));
    feeds[id] = &array;
  }
  std::vector<int> fetches;
  for (const std::string& name : outputs) {
    int id = graph.findByName(name);
    if (id < 0) throw InputError(fmt::format("--output {}: the model has no value '{}'", name, name));
    if (graph.node(id).dtype != DType::F32) throw InputError(fmt::format("--output {}: the value is not f32", name));
    fetches.push_back(id);
  }
  // Every placeholder the outputs depend on must be fed (the training flag and step are set below).
  std::vector<bool> needed(graph.size(), false);
  std::vector<int> stack = fetches;
  while (!stack.empty()) {
    int id = stack.back();
    stack.pop_back();
    if (needed[static_cast<size_t>(id)]) continue;
    needed[static_cast<size_t>(id)] = true;
    const Node& n = graph.node(id);
    if (n.op == Op::Placeholder && !feeds.count(id) && n.name != kTrainingFlagName && n.name != kStepName &&
        !n.attrs.has("default"))
      throw InputError(fmt::format("placeholder '{}' is not fed: give --input {}=FILE.npy", n.name, n.name));
    stack.insert(stack.end(), n.inputs.begin(), n.inputs.end());
  }
  Session session(graph, 0, options);
  if (!checkpoint.empty()) loadCheckpoint(checkpoint, session);
  for (const char* name : {kTrainingFlagName, kStepName}) {
    int id = graph.findByName(name);
    if (id >= 0) session.feed(id, scalarValue(graph.node(id).dtype, 0.0));
  }
  for (const auto& [id, array] : feeds) session.feed(id, toBuffer(*array));
  std::vector<Halide::Buffer<>>& values = session.run(fetches, batch < 0 ? 1 : batch);
  std::vector<NpyArray> result;
  for (Halide::Buffer<>& v : values) result.push_back(fromBuffer(Halide::Buffer<float>(v)));
  return result;
}

}  // namespace graphc
