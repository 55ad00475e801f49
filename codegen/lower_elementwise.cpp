// \file Halide lowerings of the elementwise ops: NumPy broadcasting, unary math, casts, SGD update.
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
  t.emplace_back(Op::Softplus, unary([](Expr a) {
                   // log1p(e) as log(u) * e / (u - 1), u = 1 + e (Kahan): exact where u rounds to 1.
                   Expr e = finiteSafeExp(-Halide::abs(a)), u = 1.0f + e;
                   return Halide::max(a, 0.0f) + Halide::select(u == 1.0f, e, Halide::log(u) * e / (u - 1.0f));
                 }));
  t.emplace_back(Op::Cast, pointwise([](const std::vector<Expr>& a, const LowerContext& c) {
                   // Halide's cast to bool keeps the lowest bit (2 and 0.5 become false); ours means != 0.
                   if (c.node.dtype == DType::Bool) return a[0] != Halide::cast(a[0].type(), 0);
                   return Halide::cast(halideType(c.node.dtype), a[0]);
                 }));
  t.emplace_back(Op::ReluGrad, pointwise([](const std::vector<Expr>& a, const LowerContext&) {
                   return Halide::select(a[0] > 0.0f, a[1], 0.0f);
                 }));
  t.emplace_back(Op::SgdUpdate,
                 pointwise([](const std::vector<Expr>& a, const LowerContext&) { return a[0] - a[2] * a[1]; }));
}

}  // namespace graphc
