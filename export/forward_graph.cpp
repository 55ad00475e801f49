// \file Which part of a model the exporters translate (forwardGraphOptions) and the nodes that
// part needs once the scalars known at export time are folded (ForwardNodes).
#include "export/forward_graph.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>

#include "passes/class_scores.h"
#include "support/diagnostics.h"

namespace graphc {
namespace {

int findImagePlaceholder(const Model& model, const std::string& who) {
  for (const auto* feeds : {&model.train.evalFeeds, &model.train.feeds})
    for (const FeedSpec& f : *feeds)
      if (f.kind == FeedSpec::Kind::Image) return f.placeholder;
  if (model.train.present)
    throw UserError(model.train.loc, who + " needs a placeholder fed with `image` in the train block");
  int found = -1;
  for (const Node& n : model.graph.nodes()) {
    if (n.op != Op::Placeholder || n.dtype != DType::F32 || !hasBatch(n.shape) || n.attrs.has("default")) continue;
    if (found >= 0)
      throw UserError(n.loc, who +
                                 " cannot tell the input: without a train block the graph must have one "
                                 "f32 placeholder with a batch dimension, and it has '" +
                                 model.graph.node(found).name + "' and '" + n.name + "'");
    found = n.id;
  }
  if (found < 0) throw UserError({}, who + " finds no f32 placeholder with a batch dimension to take images");
  return found;
}

// The value of n on the known scalars a, b, c, where it is an op folded here.
std::optional<double> foldOp(const Node& n, double a, double b, double c) {
  switch (n.op) {
    case Op::Add:
      return a + b;
    case Op::Sub:
      return a - b;
    case Op::Mul:
      return a * b;
    case Op::Maximum:
      return std::max(a, b);
    case Op::Minimum:
      return std::min(a, b);
    case Op::Neg:
      return -a;
    case Op::Equal:
      return double(a == b);
    case Op::NotEqual:
      return double(a != b);
    case Op::Less:
      return double(a < b);
    case Op::LessEqual:
      return double(a <= b);
    case Op::Greater:
      return double(a > b);
    case Op::GreaterEqual:
      return double(a >= b);
    case Op::Where:
      return a != 0 ? b : c;
    case Op::Div:  // Halide's i32 division is Euclidean
      if (n.dtype == DType::I32) return b == 0 ? 0 : b > 0 ? std::floor(a / b) : std::ceil(a / b);
      return a / b;
    case Op::Cast:
      return n.dtype == DType::Bool ? double(a != 0) : a;
    default:
      return std::nullopt;
  }
}

std::optional<double> foldScalar(const Node& n, const std::vector<double>& in) {
  std::optional<double> value = foldOp(n, in[0], in.size() > 1 ? in[1] : 0, in.size() > 2 ? in[2] : 0);
  if (!value) return std::nullopt;
  if (n.dtype == DType::I32) return std::trunc(*value);  // Halide's cast
  if (n.dtype == DType::F32) return static_cast<float>(*value);
  return value;
}

}  // namespace

ForwardGraphOptions forwardGraphOptions(const Model& model, const std::string& who, ForwardOutput wanted) {
  const Graph& g = model.graph;
  ForwardGraphOptions options;
  options.input = findImagePlaceholder(model, who);
  options.output = findClassScores(model);
  if (options.output < 0 && wanted == ForwardOutput::ClassScoresOrPrediction) {
    options.output = findLossPrediction(model);
    options.classScores = false;
  }
  if (options.output < 0)
    throw UserError(model.train.loc,
                    who +
                        " cannot find the class scores: the train block's first metric and its minimize value "
                        "depend on no f32 [?, K] value" +
                        (wanted == ForwardOutput::ClassScoresOrPrediction
                             ? ", nor on a loss whose prediction it could output (binary_crossentropy, "
                               "sigmoid_cross_entropy, mean_squared_error, mean_absolute_error, huber)"
                             : ""));
  // As in an evaluation (runtime/trainer.cpp, evaluationFeeds): a default wins over a constant
  // feed, an eval_feed constant over a feed constant.
  for (const Node& n : g.nodes()) {
    if (n.op != Op::Placeholder || n.id == options.input) continue;
    if (n.attrs.has("default")) {
      options.fixedPlaceholders[n.id] = n.attrs.getFloat("default");
      continue;
    }
    for (const auto* feeds : {&model.train.feeds, &model.train.evalFeeds})
      for (const FeedSpec& f : *feeds)
        if (f.placeholder == n.id && f.kind == FeedSpec::Kind::Constant) options.fixedPlaceholders[n.id] = f.value;
  }
  return options;
}

std::pair<int64_t, int64_t> windowPadding(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t dilation,
                                          int64_t before) {
  int64_t span = (kernel - 1) * dilation + 1;
  int64_t total = std::max<int64_t>((out - 1) * stride + span - in, 0);
  return {before, std::max<int64_t>(total - before, 0)};
}

ForwardNodes::ForwardNodes(const Graph& graph, const ForwardGraphOptions& options) : graph_(graph), options_(options) {
  for (const Node& n : graph_.nodes()) {
    if (!n.shape.empty()) continue;
    if (n.op == Op::Constant) {
      known_[n.id] = n.attrs.getFloat("value");
    } else if (n.op == Op::Placeholder) {
      auto it = options_.fixedPlaceholders.find(n.id);
      if (it != options_.fixedPlaceholders.end()) known_[n.id] = it->second;
    } else if (!n.inputs.empty() && n.op != Op::Variable) {
      std::vector<double> in;
      for (int i : n.inputs) {
        auto it = known_.find(i);
        if (it == known_.end()) break;
        in.push_back(it->second);
      }
      if (in.size() != n.inputs.size()) continue;
      if (std::optional<double> value = foldScalar(n, in)) known_[n.id] = *value;
    }
  }
}

const double* ForwardNodes::known(int id) const {
  auto it = known_.find(id);
  return it == known_.end() ? nullptr : &it->second;
}

int ForwardNodes::resolve(int id) const {
  for (;;) {
    const Node& n = graph_.node(id);
    if (n.op == Op::Dropout) {
      const double* flag = known(n.inputs[2]);
      if (!flag || *flag != 0) return id;  // the exporter reports it
      id = n.inputs[0];
    } else if (n.op == Op::Where && known(n.inputs[0]) && !known(id)) {
      int branch = n.inputs[*known(n.inputs[0]) != 0 ? 1 : 2];
      const Node& b = graph_.node(branch);
      if (b.shape != n.shape || b.dtype != n.dtype) return id;
      id = branch;
    } else {
      return id;
    }
  }
}

std::vector<int> ForwardNodes::needed() const {
  std::set<int> seen;
  std::vector<int> stack = {options_.output};
  while (!stack.empty()) {
    int id = resolve(stack.back());
    stack.pop_back();
    if (id == options_.input || known(id) || !seen.insert(id).second) continue;
    for (int in : graph_.node(id).inputs) stack.push_back(in);
  }
  return std::vector<int>(seen.begin(), seen.end());
}

}  // namespace graphc
