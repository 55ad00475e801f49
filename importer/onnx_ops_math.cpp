// \file ONNX arithmetic, activations, softmax and matrix products as .mnn expressions.
#include <fmt/core.h>

#include <algorithm>
#include <cfloat>
#include <cmath>

#include "importer/onnx_fold.h"
#include "importer/onnx_importer.h"

namespace graphc {
namespace {

// Operand i of an elementwise op whose output has dims out, in the layout asked for: a number
// for a scalar constant, a variable of the constant's values (permuted, with leading axes of
// one added for NHWC), or the graph value reshaped to the output's rank when NHWC needs it.
std::string broadcastOperand(Importer& I, size_t i, const Dims& out, bool nhwc) {
  const Value& v = I.input(i);
  if (v.constant && dimsElementCount(v.dims) == 1 && v.dims.size() <= out.size()) {
    double x = v.constant->at(0);
    return x < 0 ? "(" + Importer::number(x) + ")" : Importer::number(x);
  }
  if (!nhwc || v.dims.size() == 4) return I.operand(i, nhwc);
  // Fewer axes than the NHWC output: leading ones added (ONNX broadcasts from the right), then permuted.
  Dims four(4 - v.dims.size(), 1);
  four.insert(four.end(), v.dims.begin(), v.dims.end());
  if (v.constant)
    return I.variable(transposed(reshaped(*v.constant, four), kToNhwc), I.node().input(static_cast<int>(i)), v.weight);
  if (four[0] == kBatchDim) I.unsupported("broadcasting a batched value against a higher-rank one");
  return fmt::format("transpose(reshape({}, {}), [0, 2, 3, 1])", v.expr, Importer::intList(four));
}

// An elementwise op of any number of operands, combined left to right by format ("{} + {}"):
// folded when every operand is a constant, else written with the operands in one layout.
void elementwise(Importer& I, const std::string& format, const std::function<double(double, double)>& fold) {
  size_t n = I.inputCount();
  if (n == 0) I.fail("no inputs");
  Dims out = I.input(0).dims;
  bool allConstant = true, anyInt = false, nhwc = false;
  for (size_t i = 0; i < n; ++i) {
    const Value& v = I.input(i);
    std::optional<Dims> d = broadcastDims(out, v.dims);
    if (!d) I.fail(fmt::format("the shapes {} and {} do not broadcast", dimsText(out), dimsText(v.dims)));
    out = *d;
    allConstant = allConstant && v.constant.has_value();
    anyInt = anyInt || v.isInt;
  }
  if (allConstant) {
    I.checkShape(out);  // before the folded result is allocated
    Tensor acc = *I.input(0).constant;
    for (size_t i = 1; i < n; ++i) {
      std::optional<Dims> d = broadcastDims(acc.dims, I.input(i).dims);
      std::optional<Tensor> r = foldBinary(acc, *I.input(i).constant, *d, fold);
      if (!r) I.unsupported("arithmetic on the batch size (a dynamic shape graphc cannot fix)");
      acc = *r;
    }
    I.defineConstant(0, acc);
    return;
  }
  if (anyInt) I.unsupported("integer arithmetic on graph values (graphc computes in f32)");
  for (size_t i = 0; i < n; ++i) nhwc = nhwc || (out.size() == 4 && !I.input(i).constant && I.input(i).nhwc);
  std::string e = broadcastOperand(I, 0, out, nhwc);
  for (size_t i = 1; i < n; ++i) e = fmt::format(fmt::runtime(format), e, broadcastOperand(I, i, out, nhwc));
  I.define(0, n == 1 ? fmt::format("{} + 0", e) : e, out, nhwc);
}

void binary(Importer& I, const std::string& format, const std::function<double(double, double)>& fold) {
  if (I.inputCount() != 2) I.fail(fmt::format("{} inputs, expected 2", I.inputCount()));
  elementwise(I, format, fold);
}

// A unary op of the same layout: `NAME(x, extra)`.
void unary(Importer& I, const std::string& name, const std::string& extra = "") {
  const Value& x = I.input(0);
  if (x.isInt) I.unsupported("an integer input (graphc computes in f32)");
  bool nhwc = x.nhwc;
  I.define(0, fmt::format("{}({}{})", name, I.operand(0, nhwc), extra), x.dims, nhwc);
}

// Softmax and LogSoftmax: over one axis from opset 13, over the axes from `axis` on before.
void softmaxLike(Importer& I, const std::string& name) {
  const Value& x = I.input(0);
  size_t rank = x.dims.size();
  if (rank == 0) I.fail("a scalar input");
  int64_t a = I.axis(I.attrInt("axis", I.opset() >= 13 ? -1 : 1), rank);
  if (I.opset() >= 13 || a == static_cast<int64_t>(rank) - 1) {
    // The axis where x stores it; graphc's softmax takes the last, so others are swapped there.
    int64_t stored = x.nhwc ? kToNchw[static_cast<size_t>(a)] : a;
    std::string e = I.operand(0, x.nhwc);
    if (stored == static_cast<int64_t>(rank) - 1) {
      I.define(0, fmt::format("{}({})", name, e), x.dims, x.nhwc);
      return;
    }
    std::vector<int64_t> swap;
    for (size_t k = 0; k < rank; ++k) swap.push_back(static_cast<int64_t>(k));
    std::swap(swap[static_cast<size_t>(stored)], swap.back());
    std::string p = Importer::intList(swap);
    I.define(0, fmt::format("transpose({}(transpose({}, {})), {})", name, e, p, p), x.dims, x.nhwc);
    return;
  }
  // Before opset 13: the input viewed as [prod(dims[:axis]), prod(dims[axis:])].
  int64_t inner = 1;
  for (size_t k = static_cast<size_t>(a); k < rank; ++k) inner *= x.dims[k];
  if (a == 0 && x.dims[0] == kBatchDim) I.unsupported("axis 0 of a batched value");
  std::string flat = fmt::format("reshape({}, [-1, {}])", I.operand(0, false), inner);
  I.define(0, fmt::format("reshape({}({}), {})", name, flat, Importer::shapeList(x.dims)), x.dims, false);
}

// a @ b for 2-D a and b; a of higher rank applies to its last axis; 1-D operands as NumPy.
void matmul(Importer& I, const std::string& a, const Dims& da, const std::string& b, const Dims& db, std::string bias,
            const Dims& biasDims) {
  if (db.size() != 2 && db.size() != 1)
    I.unsupported("a batched matrix product (the second operand's rank is above 2)");
  if (da.empty() || db.empty()) I.fail("a scalar operand");
  int64_t k = da.back(), kb = db[0];
  if (k != kb) I.fail(fmt::format("inner dimensions differ: {} @ {}", dimsText(da), dimsText(db)));
  std::string rhs = db.size() == 1 ? fmt::format("reshape({}, [{}, 1])", b, kb) : b;
  int64_t n = db.size() == 1 ? 1 : db[1];
  Dims out(da.begin(), da.end() - 1);
  if (db.size() == 2) out.push_back(n);
  std::string lhs = da.size() == 2 ? a : fmt::format("reshape({}, [{}, {}])", a, da[0] == kBatchDim ? "?" : "-1", k);
  if (da.size() > 2 && da[0] == kBatchDim)
    for (size_t d = 1; d + 1 < da.size(); ++d)
      if (da[d] != 1) I.unsupported("a matrix product over a batched value of rank above 2");
  std::string e = fmt::format("matmul({}, {})", lhs, rhs);
  if (!bias.empty()) e += " + " + bias;
  (void)biasDims;
  if (da.size() != 2 || db.size() != 2)
    e = fmt::format("reshape({}, {})", e, Importer::shapeList(out.empty() ? Dims{1} : out));
  I.define(0, e, out, false);
}

void gemm(Importer& I) {
  const Value& a = I.input(0);
  const Value& b = I.input(1);
  if (a.dims.size() != 2 || b.dims.size() != 2) I.fail("Gemm's A and B must be matrices");
  float alpha = I.attrFloat("alpha", 1), beta = I.attrFloat("beta", 1);
  bool transA = I.attrInt("transA", 0) != 0, transB = I.attrInt("transB", 0) != 0;
  std::string ea = I.operand(0, false);
  Dims da = a.dims;
  if (transA) ea = fmt::format("transpose({}, [1, 0])", ea), da = {da[1], da[0]};
  std::string eb;
  Dims db = b.dims;
  if (transB) db = {db[1], db[0]};
  if (b.constant) {
    // The weights rearranged to [K, N] (and scaled by alpha) once, at import.
    Tensor w = transB ? transposed(*b.constant, {1, 0}) : *b.constant;
    for (float& v : w.f) v *= alpha;
    eb = I.variable(w, I.node().input(1), b.weight);
    alpha = 1;
  } else {
    eb = I.operand(1, false);
    if (transB) eb = fmt::format("transpose({}, [1, 0])", eb);
  }
  std::string bias;
  Dims biasDims;
  if (I.hasInput(2) && beta != 0) {
    const Value& c = I.input(2);
    biasDims = c.dims;
    if (c.constant) {
      Tensor t = *c.constant;
      for (float& v : t.f) v *= beta;
      // A bias of [1, N] or [N] broadcasts along the batch; [M, N] is kept whole.
      if (t.dims.size() == 2 && t.dims[0] == 1) t.dims = {t.dims[1]};
      bias = dimsElementCount(t.dims) == 1 ? Importer::number(t.at(0)) : I.variable(t, I.node().input(2), c.weight);
    } else {
      bias = I.operand(2, false);
      if (beta != 1) bias = fmt::format("{} * {}", Importer::number(beta), bias);
    }
  }
  if (alpha != 1) {
    // alpha on a computed B: scale the product before the bias.
    std::string product = fmt::format("{} * matmul({}, {})", Importer::number(alpha), ea, eb);
    I.define(0, bias.empty() ? product : product + " + " + bias, {da[0], db[1]}, false);
    return;
  }
  if (da[1] != db[0]) I.fail(fmt::format("inner dimensions differ: {} @ {}", dimsText(da), dimsText(db)));
  matmul(I, ea, da, eb, db, bias, biasDims);
}

// f(x) written with X standing for the input, in the input's layout.
void unaryFormula(Importer& I, const std::string& formula) {
  const Value& x = I.input(0);
  if (x.isInt) I.unsupported("an integer input (graphc computes in f32)");
  std::string e = I.operand(0, x.nhwc), text = formula;
  for (size_t at = text.find('X'); at != std::string::npos; at = text.find('X', at + e.size())) text.replace(at, 1, e);
  I.define(0, text, x.dims, x.nhwc);
}

// ReduceMean, ReduceSum, ReduceMax, ReduceMin and ReduceProd over the axes ONNX names.
void reduce(Importer& I, const std::string& name) {
  const Value& x = I.input(0);
  if (x.isInt) I.unsupported("an integer input (graphc computes in f32)");
  size_t rank = x.dims.size();
  bool keep = I.attrInt("keepdims", 1) != 0;
  std::vector<int64_t> axes = I.attrInts("axes");
  if (name == "reduce_sum" && I.opset() >= 13 && I.hasInput(1)) {
    const Tensor& t = I.constantInput(1, "ReduceSum axes");
    for (int64_t k = 0; k < t.size(); ++k) axes.push_back(saturatedInt(t.at(k)));
  }
  if (axes.empty()) {
    if (I.attrInt("noop_with_empty_axes", 0) != 0) {
      I.alias(0, x);
      return;
    }
    for (size_t k = 0; k < rank; ++k) axes.push_back(static_cast<int64_t>(k));
  }
  std::vector<bool> reduced(rank, false);
  for (int64_t a : axes) reduced[static_cast<size_t>(I.axis(a, rank))] = true;
  Dims out;
  for (size_t k = 0; k < rank; ++k) {
    if (reduced[k] && x.dims[k] == kBatchDim) I.unsupported("reducing over the batch");
    if (!reduced[k] || keep) out.push_back(reduced[k] ? 1 : x.dims[k]);
  }
  // Kept dimensions keep NHWC's order; without them the remaining axes must be in ONNX's.
  bool nhwc = x.nhwc && keep;
  std::vector<int64_t> stored;
  for (size_t k = 0; k < rank; ++k)
    if (reduced[k]) stored.push_back(nhwc ? kToNchw[k] : static_cast<int64_t>(k));
  std::sort(stored.begin(), stored.end());
  I.define(0,
           fmt::format("{}({}, axis = {}, keepdims = {})", name, I.operand(0, nhwc), Importer::intList(stored),
                       keep ? "true" : "false"),
           out, nhwc);
}

void clip(Importer& I) {
  double lo = -FLT_MAX, hi = FLT_MAX;
  if (I.opset() < 11) {
    lo = I.attrFloat("min", -FLT_MAX);
    hi = I.attrFloat("max", FLT_MAX);
  } else {
    if (I.hasInput(1)) lo = I.scalarInput(1, "Clip minimum");
    if (I.hasInput(2)) hi = I.scalarInput(2, "Clip maximum");
  }
  const Value& x = I.input(0);
  if (x.isInt) I.unsupported("an integer input (graphc computes in f32)");
  auto bound = [](double v) { return v < 0 ? "(" + Importer::number(v) + ")" : Importer::number(v); };
  I.define(0, fmt::format("clip({}, {}, {})", I.operand(0, x.nhwc), bound(lo), bound(hi)), x.dims, x.nhwc);
}

}  // namespace

void addMathOps(OpTable& t) {
  t["Add"] = [](Importer& I) { binary(I, "{} + {}", [](double a, double b) { return a + b; }); };
  t["Sub"] = [](Importer& I) { binary(I, "{} - {}", [](double a, double b) { return a - b; }); };
  t["Mul"] = [](Importer& I) { binary(I, "{} * {}", [](double a, double b) { return a * b; }); };
  t["Div"] = [](Importer& I) { binary(I, "{} / {}", [](double a, double b) { return a / b; }); };
  t["Pow"] = [](Importer& I) { binary(I, "pow({}, {})", [](double a, double b) { return std::pow(a, b); }); };
  for (const auto& [onnx, mnn] : std::vector<std::pair<std::string, std::string>>{{"Relu", "relu"},
                                                                                  {"Sigmoid", "sigmoid"},
                                                                                  {"Tanh", "tanh"},
                                                                                  {"Exp", "exp"},
                                                                                  {"Log", "log"},
                                                                                  {"Sqrt", "sqrt"},
                                                                                  {"Abs", "abs"},
                                                                                  {"Neg", "neg"},
                                                                                  {"Reciprocal", "reciprocal"},
                                                                                  {"Floor", "floor"},
                                                                                  {"Softplus", "softplus"},
                                                                                  {"Softsign", "softsign"},
                                                                                  {"Erf", "erf"},
                                                                                  {"Sign", "sign"}})
    t[onnx] = [mnn = mnn](Importer& I) { unary(I, mnn); };
  t["LeakyRelu"] = [](Importer& I) {
    unary(I, "leaky_relu", ", alpha = " + Importer::number(I.attrFloat("alpha", 0.01f)));
  };
  t["Elu"] = [](Importer& I) { unary(I, "elu", ", alpha = " + Importer::number(I.attrFloat("alpha", 1))); };
  t["Clip"] = clip;
  t["Max"] = [](Importer& I) { elementwise(I, "maximum({}, {})", [](double a, double b) { return std::max(a, b); }); };
  t["Min"] = [](Importer& I) { elementwise(I, "minimum({}, {})", [](double a, double b) { return std::min(a, b); }); };
  t["Sum"] = [](Importer& I) { elementwise(I, "{} + {}", [](double a, double b) { return a + b; }); };
  t["Ceil"] = [](Importer& I) { unaryFormula(I, "-floor(-X)"); };
  t["HardSigmoid"] = [](Importer& I) {
    unaryFormula(I, fmt::format("clip(X * {} + {}, 0, 1)", Importer::number(I.attrFloat("alpha", 0.2f)),
                                Importer::number(I.attrFloat("beta", 0.5f))));
  };
  t["HardSwish"] = [](Importer& I) { unaryFormula(I, "X * clip(X / 6 + 0.5, 0, 1)"); };
  t["Selu"] = [](Importer& I) {
    unaryFormula(
        I, fmt::format("{} * elu(X, alpha = {})", Importer::number(I.attrFloat("gamma", 1.05070102214813232421875f)),
                       Importer::number(I.attrFloat("alpha", 1.67326319217681884765625f))));
  };
  t["Celu"] = [](Importer& I) {
    std::string a = Importer::number(I.attrFloat("alpha", 1));
    unaryFormula(I, fmt::format("relu(X) + minimum({} * (exp(X / {}) - 1), 0)", a, a));
  };
  t["ThresholdedRelu"] = [](Importer& I) {
    unaryFormula(I, fmt::format("where(X > {}, X, 0)", Importer::number(I.attrFloat("alpha", 1))));
  };
  t["PRelu"] = [](Importer& I) {
    const Value& x = I.input(0);
    std::optional<Dims> out = broadcastDims(x.dims, I.input(1).dims);
    if (!out || *out != x.dims) I.fail("the slope does not broadcast to the input");
    std::string e = I.operand(0, x.nhwc);
    I.define(0, fmt::format("relu({}) + {} * minimum({}, 0)", e, broadcastOperand(I, 1, x.dims, x.nhwc), e), x.dims,
             x.nhwc);
  };
  for (const auto& [onnx, mnn] : std::vector<std::pair<std::string, std::string>>{{"ReduceMean", "reduce_mean"},
                                                                                  {"ReduceSum", "reduce_sum"},
                                                                                  {"ReduceMax", "reduce_max"},
                                                                                  {"ReduceMin", "reduce_min"},
                                                                                  {"ReduceProd", "reduce_prod"}})
    t[onnx] = [mnn = mnn](Importer& I) { reduce(I, mnn); };
  t["Softmax"] = [](Importer& I) { softmaxLike(I, "softmax"); };
  t["LogSoftmax"] = [](Importer& I) { softmaxLike(I, "log_softmax"); };
  t["Gemm"] = gemm;
  t["MatMul"] = [](Importer& I) {
    const Value& a = I.input(0);
    const Value& b = I.input(1);
    matmul(I, I.operand(0, false), a.dims, I.operand(1, false), b.dims, "", {});
  };
}

}  // namespace graphc
