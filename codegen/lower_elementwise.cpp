// \file Halide lowerings of the elementwise ops: NumPy broadcasting, unary math, the activations, casts,
// the elementwise losses, SGD update.
#include "codegen/lowering.h"

namespace graphc {
namespace {

using Halide::Expr;
using Halide::Func;
using Halide::Var;

LowerFn binary(std::function<Expr(Expr, Expr)> op) {
  return [op](LowerContext& c) {
    LoweredNode out;
    out.func = Func(c.name());
    defineFunc(out.func, c.outShape.size(),
               [&](const std::vector<Var>& v) { return op(broadcastInput(c, 0, v), broadcastInput(c, 1, v)); });
    return out;
  };
}

// An elementwise map of all inputs at the same position (inputs broadcast to the output).
LowerFn pointwise(std::function<Expr(const std::vector<Expr>&, const LowerContext&)> op) {
  return [op](LowerContext& c) {
    LoweredNode out;
    out.func = Func(c.name());
    defineFunc(out.func, c.outShape.size(), [&](const std::vector<Var>& v) {
      std::vector<Expr> args;
      for (size_t i = 0; i < c.inputs.size(); ++i) args.push_back(broadcastInput(c, i, v));
      return op(args, c);
    });
    return out;
  };
}

// Whether Halide's simplifier could fold `a op b` to a finite constant whatever the operands
// hold: x * 0 and 0 / x become 0, x - x becomes 0, even where x is an infinity or a NaN (which
// then go unnoticed by the run's non-finite checks). That needs a literal operand (a constant
// node, inlined) or one value on both sides.
bool foldable(const LowerContext& c) {
  auto literal = [](const Func& f) {
    return f.defined() && !f.has_update_definition() && f.outputs() == 1 &&
           Halide::Internal::is_const(Halide::Internal::simplify(f.value()));
  };
  return literal(c.inputs[0]) || literal(c.inputs[1]) || c.inputs[0].name() == c.inputs[1].name();
}

// a op b, under strict_float where the simplifier could hide a non-finite operand.
LowerFn strictBinary(std::function<Expr(Expr, Expr)> op) {
  return [op](LowerContext& c) {
    bool strict = foldable(c);
    LoweredNode out;
    out.func = Func(c.name());
    defineFunc(out.func, c.outShape.size(), [&](const std::vector<Var>& v) {
      Expr value = op(broadcastInput(c, 0, v), broadcastInput(c, 1, v));
      return strict ? Halide::strict_float(value) : value;
    });
    return out;
  };
}

LowerFn unary(std::function<Expr(Expr)> op) {
  return pointwise([op](const std::vector<Expr>& a, const LowerContext&) { return op(a[0]); });
}

// log(1 + e^-|x|), exact where 1 + e^-|x| rounds to 1: log1p(e) as log(u) * e / (u - 1), u = 1 + e (Kahan).
Expr log1pExpNegAbs(Expr x) {
  Expr e = finiteSafeExp(-Halide::abs(x)), u = 1.0f + e;
  return Halide::select(u == 1.0f, e, Halide::log(u) * e / (u - 1.0f));
}

Expr softplus(Expr x) { return Halide::max(x, 0.0f) + log1pExpNegAbs(x); }

// e^x - 1 without losing small x (Kahan: (u - 1) * x / log(u), u = e^x), for x <= 0 (elu's branch).
Expr expm1(Expr x) {
  Expr u = finiteSafeExp(x);
  return Halide::select(u == 1.0f, x, u - 1.0f == -1.0f, -1.0f, (u - 1.0f) * x / Halide::log(u));
}

constexpr float kSeluAlpha = 1.6732632423543772f, kSeluScale = 1.0507009873554805f;  // Keras' constants
constexpr float kBinaryCrossentropyEpsilon = 1e-7f;                                  // Keras' backend epsilon

}  // namespace

void registerElementwiseLowerings(std::vector<std::pair<Op, LowerFn>>& t) {
  t.emplace_back(Op::Add, binary([](Expr a, Expr b) { return a + b; }));
  t.emplace_back(Op::Sub, strictBinary([](Expr a, Expr b) { return a - b; }));
  t.emplace_back(Op::Mul, strictBinary([](Expr a, Expr b) { return a * b; }));
  t.emplace_back(Op::Div, strictBinary([](Expr a, Expr b) { return a / b; }));
  t.emplace_back(Op::Maximum, binary([](Expr a, Expr b) { return Halide::max(a, b); }));
  t.emplace_back(Op::Minimum, binary([](Expr a, Expr b) { return Halide::min(a, b); }));
  t.emplace_back(Op::Equal, binary([](Expr a, Expr b) { return a == b; }));
  t.emplace_back(Op::NotEqual, binary([](Expr a, Expr b) { return a != b; }));
  t.emplace_back(Op::Less, binary([](Expr a, Expr b) { return a < b; }));
  t.emplace_back(Op::LessEqual, binary([](Expr a, Expr b) { return a <= b; }));
  t.emplace_back(Op::Greater, binary([](Expr a, Expr b) { return a > b; }));
  t.emplace_back(Op::GreaterEqual, binary([](Expr a, Expr b) { return a >= b; }));
  t.emplace_back(Op::Neg, unary([](Expr a) { return -a; }));
  t.emplace_back(Op::Exp, unary(finiteSafeExp));
  t.emplace_back(Op::Log, unary([](Expr a) { return Halide::log(a); }));
  t.emplace_back(Op::Sqrt, unary([](Expr a) { return Halide::sqrt(a); }));
  t.emplace_back(Op::Rsqrt, unary([](Expr a) { return 1.0f / Halide::sqrt(a); }));
  t.emplace_back(Op::Square, unary([](Expr a) { return a * a; }));
  t.emplace_back(Op::Abs, unary([](Expr a) { return Halide::abs(a); }));
  t.emplace_back(Op::Relu, unary([](Expr a) { return Halide::max(a, 0.0f); }));
  t.emplace_back(Op::Sigmoid, unary([](Expr a) { return 1.0f / (1.0f + finiteSafeExp(-a)); }));
  t.emplace_back(Op::Tanh, unary([](Expr a) { return Halide::tanh(a); }));
  t.emplace_back(Op::Softplus, unary(softplus));
  t.emplace_back(Op::Cast, pointwise([](const std::vector<Expr>& a, const LowerContext& c) {
                   // Halide's cast to bool keeps the lowest bit (2 and 0.5 become false); ours means != 0.
                   if (c.node.dtype == DType::Bool) return a[0] != Halide::cast(a[0].type(), 0);
                   return Halide::cast(halideType(c.node.dtype), a[0]);
                 }));
  t.emplace_back(Op::ReluGrad, pointwise([](const std::vector<Expr>& a, const LowerContext&) {
                   return Halide::select(a[0] > 0.0f, a[1], 0.0f);
                 }));
  // v2 activations, math and losses
  t.emplace_back(Op::Elu, pointwise([](const std::vector<Expr>& a, const LowerContext& c) {
                   Expr alpha = static_cast<float>(c.node.attrs.getFloat("alpha", 1.0));
                   return Halide::select(a[0] > 0.0f, a[0], alpha * expm1(a[0]));
                 }));
  t.emplace_back(Op::Selu,
                 unary([](Expr a) { return kSeluScale * Halide::select(a > 0.0f, a, kSeluAlpha * expm1(a)); }));
  t.emplace_back(Op::Gelu, pointwise([](const std::vector<Expr>& a, const LowerContext& c) {
                   Expr x = a[0];
                   if (c.node.attrs.getInt("approximate")) {
                     constexpr float k = 0.7978845608028654f;  // sqrt(2 / pi)
                     return 0.5f * x * (1.0f + Halide::tanh(k * (x + 0.044715f * x * x * x)));
                   }
                   return 0.5f * x * (1.0f + Halide::erf(x * 0.7071067811865476f));
                 }));
  t.emplace_back(Op::Swish, unary([](Expr a) { return a / (1.0f + finiteSafeExp(-a)); }));
  t.emplace_back(Op::Softsign, unary([](Expr a) { return a / (1.0f + Halide::abs(a)); }));
  t.emplace_back(Op::HardSigmoid, unary([](Expr a) { return Halide::clamp(0.2f * a + 0.5f, 0.0f, 1.0f); }));
  t.emplace_back(Op::Relu6, unary([](Expr a) { return Halide::clamp(a, 0.0f, 6.0f); }));
  t.emplace_back(Op::Mish, unary([](Expr a) { return a * Halide::tanh(softplus(a)); }));
  t.emplace_back(Op::Erf, unary([](Expr a) { return Halide::erf(a); }));
  t.emplace_back(Op::Pow, binary([](Expr a, Expr b) { return Halide::pow(a, b); }));
  t.emplace_back(Op::Reciprocal, unary([](Expr a) { return 1.0f / a; }));
  // 0 and NaN pass through (sign(NaN) is NaN, as in TensorFlow).
  t.emplace_back(Op::Sign, unary([](Expr a) { return Halide::select(a > 0.0f, 1.0f, a < 0.0f, -1.0f, a); }));
  t.emplace_back(Op::Floor, unary([](Expr a) { return Halide::floor(a); }));
  t.emplace_back(Op::Round, unary([](Expr a) { return Halide::round(a); }));
  t.emplace_back(Op::StopGradient, unary([](Expr a) { return a; }));
  // strict_float: Halide would otherwise fold 1 - p + eps into (1 + eps) - p, which in float32 is
  // 2.4e-7 instead of Keras' 2.2e-7 at the clip bound p = 1 - eps.
  t.emplace_back(Op::BinaryCrossentropy, binary([](Expr p, Expr y) {
                   constexpr float eps = kBinaryCrossentropyEpsilon;
                   Expr clipped = Halide::clamp(p, eps, 1.0f - eps);
                   return Halide::strict_float(
                       -(y * Halide::log(clipped + eps) + (1.0f - y) * Halide::log((1.0f - clipped) + eps)));
                 }));
  t.emplace_back(Op::SigmoidCrossEntropy,
                 binary([](Expr x, Expr z) { return Halide::max(x, 0.0f) - x * z + log1pExpNegAbs(x); }));
  t.emplace_back(Op::SgdUpdate,
                 pointwise([](const std::vector<Expr>& a, const LowerContext&) { return a[0] - a[2] * a[1]; }));
}

}  // namespace graphc
