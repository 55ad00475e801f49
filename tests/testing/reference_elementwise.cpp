// \file Reference implementations of the elementwise ops: NumPy broadcasting arithmetic and
// comparisons, unary math, casts, selections (where, clip, leaky_relu), batch_norm, dropout,
// the activation gradients and the SGD update.
#include <algorithm>
#include <cmath>
#include <functional>
#include <stdexcept>

#include "codegen/random_bits.h"
#include "testing/reference_ops.h"

namespace graphc {
namespace {

// NumPy broadcasting: align shapes on the right, a dimension of 1 stretches to any size.
Shape broadcastAll(const std::vector<RefTensor>& inputs) {
  size_t rank = 0;
  for (const RefTensor& t : inputs) rank = std::max(rank, t.shape.size());
  Shape out(rank, 1);
  for (const RefTensor& t : inputs) {
    size_t offset = rank - t.shape.size();
    for (size_t d = 0; d < t.shape.size(); ++d) {
      int64_t& o = out[offset + d];
      if (o == 1)
        o = t.shape[d];
      else if (t.shape[d] != 1 && t.shape[d] != o)
        throw std::invalid_argument("reference: shapes do not broadcast");
    }
  }
  return out;
}

// The element of t that broadcasting puts at output index outIndex.
double broadcastRead(const RefTensor& t, const std::vector<int64_t>& outIndex) {
  size_t offset = outIndex.size() - t.shape.size();
  size_t flat = 0;
  for (size_t d = 0; d < t.shape.size(); ++d) {
    int64_t i = t.shape[d] == 1 ? 0 : outIndex[offset + d];
    flat = flat * static_cast<size_t>(t.shape[d]) + static_cast<size_t>(i);
  }
  return t.data[flat];
}

using Pointwise = std::function<double(const std::vector<double>& args, const Node& node)>;

// Applies f at every output position to the broadcast inputs; the result has the node's dtype.
ReferenceFn pointwise(Pointwise f) {
  return [f](const Node& node, const std::vector<RefTensor>& in) {
    RefTensor out = zeros(broadcastAll(in), node.dtype);
    std::vector<double> args(in.size());
    for (size_t i = 0; i < out.data.size(); ++i) {
      std::vector<int64_t> index = unravelIndex(i, out.shape);
      for (size_t k = 0; k < in.size(); ++k) args[k] = broadcastRead(in[k], index);
      out.data[i] = f(args, node);
    }
    return out;
  };
}

ReferenceFn binary(std::function<double(double, double)> f) {
  return pointwise([f](const std::vector<double>& a, const Node&) { return f(a[0], a[1]); });
}

ReferenceFn unary(std::function<double(double)> f) {
  return pointwise([f](const std::vector<double>& a, const Node&) { return f(a[0]); });
}

// Integer division rounds so that the remainder is non-negative (Euclidean), as Halide defines
// it; dividing by zero gives zero.
double divide(double a, double b, DType dtype) {
  if (dtype != DType::I32) return a / b;
  if (b == 0) return 0;
  return b > 0 ? std::floor(a / b) : std::ceil(a / b);
}

double castTo(DType to, double v) {
  switch (to) {
    case DType::F32:
      return v;
    case DType::I32:
      return std::trunc(v);  // C semantics: toward zero
    case DType::Bool:
      return v != 0 ? 1 : 0;
  }
  return v;
}

// Inputs x, keep_prob, training flag, step. The mask bits are the kernel's hash of the row-major
// index; keep_prob is compared as the f32 the kernel reads.
RefTensor dropout(const Node& n, const std::vector<RefTensor>& in) {
  RefTensor out = in[0];
  double keep = static_cast<float>(in[1].data.at(0));
  if (in[2].data.at(0) <= 0.5) return out;
  auto step = static_cast<uint32_t>(static_cast<int64_t>(in[3].data.at(0)));
  auto seed = static_cast<uint32_t>(n.attrs.getInt("seed"));
  for (size_t i = 0; i < out.data.size(); ++i) {
    bool kept = uniformFromBits(dropoutBits(static_cast<uint32_t>(i), step, seed)) < keep;
    out.data[i] = kept ? out.data[i] / keep : 0.0;
  }
  return out;
}

constexpr double kSeluAlpha = 1.6732632423543772, kSeluScale = 1.0507009873554805;  // Keras' constants
constexpr double kKerasEpsilon = 1e-7;

// The standard normal CDF, Phi(x) = erfc(-x / sqrt(2)) / 2.
double normalCdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

double softplus(double a) { return std::max(a, 0.0) + std::log1p(std::exp(-std::fabs(a))); }

}  // namespace

void registerElementwiseReferences(ReferenceTable& t) {
  t.emplace_back(Op::Add, binary([](double a, double b) { return a + b; }));
  t.emplace_back(Op::Sub, binary([](double a, double b) { return a - b; }));
  t.emplace_back(Op::Mul, binary([](double a, double b) { return a * b; }));
  t.emplace_back(Op::Div,
                 pointwise([](const std::vector<double>& a, const Node& n) { return divide(a[0], a[1], n.dtype); }));
  t.emplace_back(Op::Maximum, binary([](double a, double b) { return a >= b ? a : b; }));
  t.emplace_back(Op::Minimum, binary([](double a, double b) { return a <= b ? a : b; }));
  t.emplace_back(Op::Equal, binary([](double a, double b) { return a == b ? 1.0 : 0.0; }));
  t.emplace_back(Op::NotEqual, binary([](double a, double b) { return a != b ? 1.0 : 0.0; }));
  t.emplace_back(Op::Less, binary([](double a, double b) { return a < b ? 1.0 : 0.0; }));
  t.emplace_back(Op::LessEqual, binary([](double a, double b) { return a <= b ? 1.0 : 0.0; }));
  t.emplace_back(Op::Greater, binary([](double a, double b) { return a > b ? 1.0 : 0.0; }));
  t.emplace_back(Op::GreaterEqual, binary([](double a, double b) { return a >= b ? 1.0 : 0.0; }));
  t.emplace_back(Op::Neg, unary([](double a) { return -a; }));
  t.emplace_back(Op::Exp, unary([](double a) { return std::exp(a); }));
  t.emplace_back(Op::Log, unary([](double a) { return std::log(a); }));
  t.emplace_back(Op::Sqrt, unary([](double a) { return std::sqrt(a); }));
  t.emplace_back(Op::Rsqrt, unary([](double a) { return 1.0 / std::sqrt(a); }));
  t.emplace_back(Op::Square, unary([](double a) { return a * a; }));
  t.emplace_back(Op::Abs, unary([](double a) { return std::fabs(a); }));
  t.emplace_back(Op::Relu, unary([](double a) { return a > 0 ? a : 0.0; }));
  t.emplace_back(Op::Sigmoid, unary([](double a) { return 1.0 / (1.0 + std::exp(-a)); }));
  t.emplace_back(Op::Tanh, unary([](double a) { return std::tanh(a); }));
  t.emplace_back(Op::Softplus, unary([](double a) { return std::max(a, 0.0) + std::log1p(std::exp(-std::fabs(a))); }));
  t.emplace_back(Op::Cast,
                 pointwise([](const std::vector<double>& a, const Node& n) { return castTo(n.dtype, a[0]); }));
  // d relu(x) / dx is the step function; at 0 the subgradient 0 is used.
  t.emplace_back(Op::ReluGrad, binary([](double x, double g) { return x > 0 ? g : 0.0; }));
  t.emplace_back(Op::Where,
                 pointwise([](const std::vector<double>& a, const Node&) { return a[0] != 0 ? a[1] : a[2]; }));
  t.emplace_back(Op::Clip, pointwise([](const std::vector<double>& a, const Node&) {
                   return std::min(std::max(a[0], a[1]), a[2]);
                 }));
  t.emplace_back(Op::LeakyRelu, pointwise([](const std::vector<double>& a, const Node& n) {
                   return a[0] > 0 ? a[0] : n.attrs.getFloat("alpha", 0.2) * a[0];
                 }));
  t.emplace_back(Op::LeakyReluGrad, pointwise([](const std::vector<double>& a, const Node& n) {
                   return a[0] > 0 ? a[1] : n.attrs.getFloat("alpha", 0.2) * a[1];
                 }));
  // Inputs x, gamma, beta, mean, var.
  t.emplace_back(Op::BatchNorm, pointwise([](const std::vector<double>& a, const Node& n) {
                   return a[1] * (a[0] - a[3]) / std::sqrt(a[4] + n.attrs.getFloat("epsilon", 1e-3)) + a[2];
                 }));
  t.emplace_back(Op::Dropout, dropout);
  // v2 activations, math and losses
  t.emplace_back(Op::Elu, pointwise([](const std::vector<double>& a, const Node& n) {
                   return a[0] > 0 ? a[0] : n.attrs.getFloat("alpha", 1.0) * std::expm1(a[0]);
                 }));
  t.emplace_back(Op::Selu, unary([](double a) { return kSeluScale * (a > 0 ? a : kSeluAlpha * std::expm1(a)); }));
  t.emplace_back(Op::Gelu, pointwise([](const std::vector<double>& a, const Node& n) {
                   double x = a[0];
                   if (n.attrs.getInt("approximate") == 0) return x * normalCdf(x);
                   return 0.5 * x * (1 + std::tanh(std::sqrt(2 / std::acos(-1.0)) * (x + 0.044715 * x * x * x)));
                 }));
  t.emplace_back(Op::Swish, unary([](double a) { return a / (1 + std::exp(-a)); }));
  t.emplace_back(Op::Softsign, unary([](double a) { return a / (1 + std::fabs(a)); }));
  t.emplace_back(Op::HardSigmoid, unary([](double a) { return std::max(0.0, std::min(1.0, 0.2 * a + 0.5)); }));
  t.emplace_back(Op::Relu6, unary([](double a) { return std::min(std::max(a, 0.0), 6.0); }));
  t.emplace_back(Op::Mish, unary([](double a) { return a * std::tanh(softplus(a)); }));
  t.emplace_back(Op::Erf, unary([](double a) { return std::erf(a); }));
  t.emplace_back(Op::Pow, binary([](double a, double b) { return std::pow(a, b); }));
  t.emplace_back(Op::Reciprocal, unary([](double a) { return 1 / a; }));
  t.emplace_back(Op::Sign, unary([](double a) { return a > 0 ? 1.0 : a < 0 ? -1.0 : a; }));
  t.emplace_back(Op::Floor, unary([](double a) { return std::floor(a); }));
  t.emplace_back(Op::Round, unary([](double a) { return std::nearbyint(a); }));  // the default mode: ties to even
  t.emplace_back(Op::StopGradient, unary([](double a) { return a; }));
  // Keras computes in float32: the clip's upper bound 1 - 1e-7 is the float 1 - 2^-23.
  t.emplace_back(Op::BinaryCrossentropy, binary([](double p, double y) {
                   double q = std::clamp(p, kKerasEpsilon, static_cast<double>(static_cast<float>(1 - kKerasEpsilon)));
                   return -(y * std::log(q + kKerasEpsilon) + (1 - y) * std::log(1 - q + kKerasEpsilon));
                 }));
  // The textbook form, -(z log sigmoid(x) + (1 - z) log(1 - sigmoid(x))), in double precision.
  t.emplace_back(Op::SigmoidCrossEntropy, binary([](double x, double z) {
                   double logSigmoid = -std::log1p(std::exp(-x)), logOneMinus = -std::log1p(std::exp(x));
                   return -(z * logSigmoid + (1 - z) * logOneMinus);
                 }));
  t.emplace_back(Op::SgdUpdate,
                 pointwise([](const std::vector<double>& a, const Node&) { return a[0] - a[2] * a[1]; }));
}

}  // namespace graphc
