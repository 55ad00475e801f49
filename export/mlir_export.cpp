// \file exportMlir: the forward graph translated node by node into MLIR 14's TOSA dialect with
// mlir::OpBuilder, verified, printed. The only file of graphc that includes MLIR's headers (each
// such file takes 10-12 s to compile).
//
// TOSA's conventions differ from the graph's in a few places, each handled where it arises:
// elementwise operands must have equal ranks (lower ranks are reshaped with leading 1s, the
// broadcasting of size-1 dimensions is TOSA's own); conv2d wants OHWI filters (the graph's HWIO
// filter goes through tosa.transpose) and a bias (zeros); matmul is batched 3-D; reductions keep
// the reduced axis; f32 division is a multiplication by tosa.reciprocal; tosa.cast rounds floats
// to the nearest integer where graphc truncates.
#include "export/mlir_export.h"

#include <cmath>
#include <limits>
#include <vector>

#include "ir/op_table.h"
#include "llvm/Support/raw_ostream.h"
#include "mlir/Dialect/StandardOps/IR/Ops.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "support/diagnostics.h"

namespace graphc {
namespace {

namespace tosa = mlir::tosa;
using Dims = std::vector<int64_t>;

Dims dimsOf(mlir::Value v) {
  auto shape = v.getType().cast<mlir::RankedTensorType>().getShape();
  return Dims(shape.begin(), shape.end());
}

// Translates the nodes the output needs, in id order (a topological order), into one function.
class TosaTranslator {
 public:
  TosaTranslator(mlir::MLIRContext& context, const Graph& graph, const MlirExportOptions& options)
      : graph_(graph), options_(options), nodes_(graph, options), builder_(&context) {
    file_ = graph.file.substr(graph.file.find_last_of('/') + 1);
  }

  mlir::OwningOpRef<mlir::ModuleOp> translate() {
    int output = nodes_.resolve(options_.output);
    const Node& input = graph_.node(options_.input);
    mlir::Location fileLoc = mlir::FileLineColLoc::get(builder_.getContext(), file_, 0, 0);
    mlir::OwningOpRef<mlir::ModuleOp> module(mlir::ModuleOp::create(fileLoc));
    auto type = builder_.getFunctionType({tensorType(input.shape, input.dtype)},
                                         {tensorType(graph_.node(options_.output).shape, graph_.node(output).dtype)});
    mlir::FuncOp func = mlir::FuncOp::create(locationOf(input), options_.functionName, type);
    module->push_back(func);
    builder_.setInsertionPointToStart(func.addEntryBlock());
    values_[options_.input] = func.getArgument(0);
    for (int id : nodes_.needed()) {
      loc_ = locationOf(graph_.node(id));
      values_[id] = translateNode(graph_.node(id));
    }
    loc_ = locationOf(graph_.node(options_.output));
    builder_.create<mlir::ReturnOp>(loc_, valueAtRank(options_.output, graph_.node(options_.output).shape.size()));
    return module;
  }

 private:
  // ---- types, locations, constants

  mlir::Type elementType(DType t) {
    switch (t) {
      case DType::F32:
        return builder_.getF32Type();
      case DType::I32:
        return builder_.getI32Type();
      case DType::Bool:
        return builder_.getI1Type();
    }
    return builder_.getF32Type();
  }

  mlir::RankedTensorType tensorType(const Shape& shape, DType t) {
    return mlir::RankedTensorType::get(bindBatch(shape, options_.batch), elementType(t));
  }
  mlir::RankedTensorType tensorType(const Dims& dims, mlir::Type element) {
    return mlir::RankedTensorType::get(dims, element);
  }

  // `"lenet5.mnn":7:6`, wrapped in the node's name where it has one: `"c1"("lenet5.mnn":7:6)`.
  mlir::Location locationOf(const Node& n) {
    mlir::Location loc =
        n.loc.valid()
            ? mlir::Location(mlir::FileLineColLoc::get(builder_.getContext(), file_, static_cast<unsigned>(n.loc.line),
                                                       static_cast<unsigned>(n.loc.col)))
            : mlir::Location(builder_.getUnknownLoc());
    if (n.name.empty()) return loc;
    return mlir::NameLoc::get(builder_.getStringAttr(n.name), loc);
  }

  // One value repeated over dims, of the given element type.
  mlir::Value splat(double value, DType t, const Dims& dims) {
    auto type = tensorType(dims, elementType(t));
    mlir::DenseElementsAttr attr;
    if (t == DType::F32)
      attr = mlir::DenseElementsAttr::get(type, static_cast<float>(value));
    else if (t == DType::I32)
      attr = mlir::DenseElementsAttr::get(type, static_cast<int32_t>(value));
    else
      attr = mlir::DenseElementsAttr::get(type, value != 0);
    return builder_.create<tosa::ConstOp>(loc_, type, attr);
  }
  mlir::Value splatF32(double value, size_t rank) { return splat(value, DType::F32, Dims(rank, 1)); }

  mlir::Value indexConstant(const std::vector<int32_t>& values) {
    auto type = tensorType(Dims{static_cast<int64_t>(values.size())}, builder_.getI32Type());
    return builder_.create<tosa::ConstOp>(loc_, type, mlir::DenseElementsAttr::get(type, llvm::makeArrayRef(values)));
  }

  mlir::Value variable(const Node& n) {
    if (n.dtype != DType::F32) throw UserError(n.loc, "dump --stage mlir: variable '" + n.name + "' is not f32");
    if (!options_.variableData) throw InternalError("exportMlir: no values for variable '" + n.name + "'");
    const float* data = options_.variableData(n.id);
    auto type = tensorType(n.shape, n.dtype);
    auto count = static_cast<size_t>(numElements(n.shape, options_.batch));
    return builder_.create<tosa::ConstOp>(loc_, type,
                                          mlir::DenseElementsAttr::get(type, llvm::makeArrayRef(data, count)));
  }

  // ---- values and shapes

  // A node's value with leading 1s up to rank (NumPy's broadcasting, spelled out for TOSA).
  mlir::Value valueAtRank(int id, size_t rank) {
    id = nodes_.resolve(id);
    const Node& n = graph_.node(id);
    const double* k = nodes_.known(id);
    if (k && id != options_.input) return splat(*k, n.dtype, Dims(rank, 1));
    auto it = values_.find(id);
    if (it == values_.end()) throw InternalError("exportMlir: node %" + std::to_string(id) + " used before it is made");
    mlir::Value v = it->second;
    Dims dims = dimsOf(v);
    if (dims.size() >= rank) return v;
    dims.insert(dims.begin(), rank - dims.size(), 1);
    return reshape(v, dims);
  }
  mlir::Value input(const Node& n, size_t i) { return valueAtRank(n.inputs[i], graph_.node(n.inputs[i]).shape.size()); }
  mlir::Value inputAtRank(const Node& n, size_t i) { return valueAtRank(n.inputs[i], n.shape.size()); }

  mlir::Value reshape(mlir::Value v, const Dims& dims) {
    if (dimsOf(v) == dims) return v;
    auto type = tensorType(dims, v.getType().cast<mlir::RankedTensorType>().getElementType());
    return builder_.create<tosa::ReshapeOp>(loc_, type, v, builder_.getI64ArrayAttr(dims));
  }

  mlir::Value transpose(mlir::Value v, const std::vector<int64_t>& perm) {
    Dims in = dimsOf(v), out;
    std::vector<int32_t> perm32;
    for (int64_t p : perm) {
      out.push_back(in[static_cast<size_t>(p)]);
      perm32.push_back(static_cast<int32_t>(p));
    }
    auto type = tensorType(out, v.getType().cast<mlir::RankedTensorType>().getElementType());
    return builder_.create<tosa::TransposeOp>(loc_, type, v, indexConstant(perm32));
  }

  // Elementwise ops on equal-rank operands: the result takes the larger size of each dimension.
  mlir::RankedTensorType broadcastType(mlir::Value a, mlir::Value b, mlir::Type element) {
    Dims da = dimsOf(a), db = dimsOf(b);
    for (size_t i = 0; i < da.size() && i < db.size(); ++i) da[i] = std::max(da[i], db[i]);
    return tensorType(da, element);
  }
  mlir::Type elementOf(mlir::Value v) { return v.getType().cast<mlir::RankedTensorType>().getElementType(); }

  template <typename Op>
  mlir::Value binary(mlir::Value a, mlir::Value b) {
    return builder_.create<Op>(loc_, broadcastType(a, b, elementOf(a)), a, b);
  }
  template <typename Op>
  mlir::Value compare(mlir::Value a, mlir::Value b) {
    return builder_.create<Op>(loc_, broadcastType(a, b, builder_.getI1Type()), a, b);
  }
  mlir::Value mul(mlir::Value a, mlir::Value b) {
    return builder_.create<tosa::MulOp>(loc_, broadcastType(a, b, elementOf(a)), a, b, builder_.getI32IntegerAttr(0));
  }
  template <typename Op>
  mlir::Value unary(mlir::Value x) {
    return builder_.create<Op>(loc_, x.getType(), x);
  }
  mlir::Value select(mlir::Value c, mlir::Value a, mlir::Value b) {
    Dims d = dimsOf(c), da = dimsOf(a), db = dimsOf(b);
    for (size_t i = 0; i < d.size(); ++i) d[i] = std::max({d[i], da[i], db[i]});
    return builder_.create<tosa::SelectOp>(loc_, tensorType(d, elementOf(a)), c, a, b);
  }
  mlir::Value relu(mlir::Value x) {
    float max = std::numeric_limits<float>::max();
    return builder_.create<tosa::ClampOp>(loc_, x.getType(), x, builder_.getI64IntegerAttr(0),
                                          builder_.getI64IntegerAttr(std::numeric_limits<int32_t>::max()),
                                          builder_.getF32FloatAttr(0.0f), builder_.getF32FloatAttr(max));
  }

  // A reduction over one axis, which TOSA keeps with size 1.
  template <typename Op>
  mlir::Value reduceAxis(mlir::Value x, int64_t axis) {
    Dims dims = dimsOf(x);
    dims[static_cast<size_t>(axis)] = 1;
    return builder_.create<Op>(loc_, tensorType(dims, elementOf(x)), x, builder_.getI64IntegerAttr(axis));
  }

  // ---- the ops

  [[noreturn]] void unsupported(const Node& n, const std::string& why) {
    throw UserError(n.loc, "dump --stage mlir: '" + opName(n.op) + "' " + why);
  }

  // One case per op (-Wswitch makes a new op pick one): a translation where ops.def says
  // Tosa::Translated, the table's "no TOSA form" otherwise.
  mlir::Value translateNode(const Node& n) {
    size_t rank = n.shape.size();
    if (opDef(n.op).tosa == Tosa::None) {
      if (n.op == Op::Dropout) unsupported(n, "is only exported in inference, with the training flag fixed at 0");
      unsupported(n, "has no TOSA translation yet (the scores depend on it)");
    }
    switch (n.op) {
      case Op::Variable:
        return variable(n);
      case Op::Placeholder: {
        auto fixed = options_.fixedPlaceholders.find(n.id);
        if (fixed != options_.fixedPlaceholders.end())
          return splat(fixed->second, n.dtype, bindBatch(n.shape, options_.batch));
        throw UserError(n.loc, "dump --stage mlir: placeholder '" + n.name +
                                   "' is needed by the scores but is neither the image input nor fed a constant");
      }
      case Op::Constant:
        return splat(n.attrs.getFloat("value"), n.dtype, bindBatch(n.shape, options_.batch));
      case Op::Add:
        return binary<tosa::AddOp>(inputAtRank(n, 0), inputAtRank(n, 1));
      case Op::Sub:
        return binary<tosa::SubOp>(inputAtRank(n, 0), inputAtRank(n, 1));
      case Op::Mul:
        return mul(inputAtRank(n, 0), inputAtRank(n, 1));
      case Op::Div:
        // tosa.div truncates; graphc's (Halide's) i32 division is Euclidean.
        if (n.dtype != DType::F32) unsupported(n, "of i32 tensors has no TOSA translation yet");
        return mul(inputAtRank(n, 0), unary<tosa::ReciprocalOp>(inputAtRank(n, 1)));
      case Op::Maximum:
        return binary<tosa::MaximumOp>(inputAtRank(n, 0), inputAtRank(n, 1));
      case Op::Minimum:
        return binary<tosa::MinimumOp>(inputAtRank(n, 0), inputAtRank(n, 1));
      case Op::Equal:
        return compare<tosa::EqualOp>(inputAtRank(n, 0), inputAtRank(n, 1));
      case Op::NotEqual:
        return unary<tosa::LogicalNotOp>(compare<tosa::EqualOp>(inputAtRank(n, 0), inputAtRank(n, 1)));
      case Op::Greater:
        return compare<tosa::GreaterOp>(inputAtRank(n, 0), inputAtRank(n, 1));
      case Op::GreaterEqual:
        return compare<tosa::GreaterEqualOp>(inputAtRank(n, 0), inputAtRank(n, 1));
      case Op::Less:
        return compare<tosa::GreaterOp>(inputAtRank(n, 1), inputAtRank(n, 0));
      case Op::LessEqual:
        return compare<tosa::GreaterEqualOp>(inputAtRank(n, 1), inputAtRank(n, 0));
      case Op::Neg:
        return unary<tosa::NegateOp>(input(n, 0));
      case Op::Exp:
        return unary<tosa::ExpOp>(input(n, 0));
      case Op::Log:
        return unary<tosa::LogOp>(input(n, 0));
      case Op::Rsqrt:
        return unary<tosa::RsqrtOp>(input(n, 0));
      case Op::Sqrt:
        return unary<tosa::ReciprocalOp>(unary<tosa::RsqrtOp>(input(n, 0)));
      case Op::Abs:
        return unary<tosa::AbsOp>(input(n, 0));
      case Op::Sigmoid:
        return unary<tosa::SigmoidOp>(input(n, 0));
      case Op::Tanh:
        return unary<tosa::TanhOp>(input(n, 0));
      case Op::Softplus:
        return softplus(input(n, 0));
      case Op::Square:
        return mul(input(n, 0), input(n, 0));
      case Op::Relu:
        return relu(input(n, 0));
      case Op::LeakyRelu: {
        mlir::Value x = input(n, 0);
        mlir::Value positive = compare<tosa::GreaterOp>(x, splatF32(0, rank));
        return select(positive, x, mul(x, splatF32(n.attrs.getFloat("alpha", 0.2), rank)));
      }
      case Op::Clip:
        return binary<tosa::MinimumOp>(binary<tosa::MaximumOp>(inputAtRank(n, 0), inputAtRank(n, 1)),
                                       inputAtRank(n, 2));
      case Op::Where:
        return select(inputAtRank(n, 0), inputAtRank(n, 1), inputAtRank(n, 2));
      case Op::Cast:
        return cast(n);
      case Op::BatchNorm:
        return batchNorm(n);
      case Op::Conv2d:
        return conv2d(n);
      case Op::MaxPool:
      case Op::AvgPool:
        return pool(n);
      case Op::Matmul:
        return matmul(n);
      case Op::Reshape:
        return reshape(input(n, 0), bindBatch(n.shape, options_.batch));
      case Op::Transpose:
        return transpose(input(n, 0), n.attrs.getInts("perm"));
      case Op::Concat: {
        std::vector<mlir::Value> parts;
        for (size_t i = 0; i < n.inputs.size(); ++i) parts.push_back(input(n, i));
        return builder_.create<tosa::ConcatOp>(loc_, tensorType(n.shape, n.dtype), parts,
                                               builder_.getI64IntegerAttr(n.attrs.getInt("axis")));
      }
      case Op::SliceAxis: {
        Dims start(rank, 0);
        start[static_cast<size_t>(n.attrs.getInt("axis"))] = n.attrs.getInt("begin");
        Dims size = bindBatch(n.shape, options_.batch);
        return builder_.create<tosa::SliceOp>(loc_, tensorType(size, elementType(n.dtype)), input(n, 0),
                                              builder_.getI64ArrayAttr(start), builder_.getI64ArrayAttr(size));
      }
      case Op::ReduceSum:
      case Op::ReduceMean:
      case Op::ReduceMax:
        return reduce(n);
      case Op::Argmax: {
        auto axes = n.attrs.getInts("axes");
        if (axes.size() != 1) unsupported(n, "over several axes has no TOSA translation");
        mlir::Value x = input(n, 0);
        Dims dims = dimsOf(x);
        dims.erase(dims.begin() + axes[0]);
        mlir::Value index = builder_.create<tosa::ArgMaxOp>(loc_, tensorType(dims, builder_.getI32Type()), x,
                                                            builder_.getI64IntegerAttr(axes[0]));
        return reshape(index, bindBatch(n.shape, options_.batch));
      }
      case Op::Softmax:
      case Op::LogSoftmax:
        return softmax(n);
      // v2 activations, math and losses
      case Op::Elu:
      case Op::Selu:
      case Op::Gelu:
      case Op::Swish:
      case Op::Softsign:
      case Op::HardSigmoid:
      case Op::Relu6:
      case Op::Mish:
      case Op::Erf:
        return activation(n);
      case Op::Pow:
        return binary<tosa::PowOp>(inputAtRank(n, 0), inputAtRank(n, 1));
      case Op::Reciprocal:
        return unary<tosa::ReciprocalOp>(input(n, 0));
      case Op::Sign: {
        mlir::Value x = input(n, 0);
        mlir::Value negative = select(compare<tosa::GreaterOp>(splatF32(0, rank), x), splatF32(-1, rank), x);
        return select(compare<tosa::GreaterOp>(x, splatF32(0, rank)), splatF32(1, rank), negative);
      }
      case Op::Floor:
        return unary<tosa::FloorOp>(input(n, 0));
      case Op::Round:
        return roundHalfToEven(input(n, 0));
      case Op::StopGradient:
        return input(n, 0);
      case Op::ReduceMin:
      case Op::ReduceProd:
        return reduce(n);
      // v2 nn ops
      case Op::GlobalAvgPool: {  // the sums over H and W, times 1 / (H * W)
        mlir::Value x = input(n, 0);
        Dims in = dimsOf(x);
        x = reduceAxis<tosa::ReduceSumOp>(reduceAxis<tosa::ReduceSumOp>(x, 1), 2);
        x = mul(x, splatF32(1.0 / static_cast<double>(in[1] * in[2]), 4));
        return reshape(x, bindBatch(n.shape, options_.batch));
      }
      case Op::DepthwiseConv2d:
        return depthwiseConv2d(n);
      case Op::Conv2dTranspose:
        return conv2dTranspose(n);
      case Op::Resize:
        return resize(n);
      case Op::Pad:
        return pad(n);
      case Op::Tile:
        return builder_.create<tosa::TileOp>(loc_, tensorType(bindBatch(n.shape, options_.batch), elementType(n.dtype)),
                                             input(n, 0), builder_.getI64ArrayAttr(n.attrs.getInts("multiples")));
      // Tosa::None in ops.def (handled above).
      case Op::BinaryCrossentropy:
      case Op::SigmoidCrossEntropy:
      case Op::LeakyReluGrad:
      case Op::Dropout:
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
    throw InternalError("exportMlir: ops.def says '" + opName(n.op) + "' has a TOSA translation, but it has none");
  }

  // tosa.cast rounds floats to the nearest integer; graphc's cast truncates toward zero.
  mlir::Value cast(const Node& n) {
    mlir::Value x = input(n, 0);
    auto type = tensorType(n.shape, n.dtype);
    const Node& from = graph_.node(n.inputs[0]);
    if (from.dtype == n.dtype) return x;
    size_t rank = n.shape.size();
    if (n.dtype == DType::Bool)  // nonzero
      return unary<tosa::LogicalNotOp>(compare<tosa::EqualOp>(x, splat(0, from.dtype, Dims(rank, 1))));
    if (from.dtype == DType::F32) {
      mlir::Value nonNegative = compare<tosa::GreaterEqualOp>(x, splatF32(0, rank));
      x = select(nonNegative, unary<tosa::FloorOp>(x), unary<tosa::CeilOp>(x));
    }
    return builder_.create<tosa::CastOp>(loc_, type, x);
  }

  // gamma * (x - mean) * rsqrt(var + epsilon) + beta, the statistics broadcast into x.
  mlir::Value batchNorm(const Node& n) {
    size_t rank = n.shape.size();
    mlir::Value x = input(n, 0);
    mlir::Value gamma = inputAtRank(n, 1), beta = inputAtRank(n, 2);
    mlir::Value mean = inputAtRank(n, 3), variance = inputAtRank(n, 4);
    mlir::Value inv = unary<tosa::RsqrtOp>(binary<tosa::AddOp>(variance, splatF32(n.attrs.getFloat("epsilon"), rank)));
    return binary<tosa::AddOp>(mul(binary<tosa::SubOp>(x, mean), mul(gamma, inv)), beta);
  }

  mlir::Value conv2d(const Node& n) {
    mlir::Value x = input(n, 0);
    mlir::Value filter = input(n, 1);  // HWIO
    Dims xd = dimsOf(x), wd = dimsOf(filter), out = bindBatch(n.shape, options_.batch);
    auto s = n.attrs.getInts("strides"), d = n.attrs.getInts("dilation");
    auto h = windowPadding(xd[1], out[1], wd[0], s[0], d[0], n.attrs.getInt("pad_top"));
    auto w = windowPadding(xd[2], out[2], wd[1], s[1], d[1], n.attrs.getInt("pad_left"));
    mlir::Value ohwi = transpose(filter, {3, 0, 1, 2});
    mlir::Value bias = splat(0, DType::F32, Dims{wd[3]});
    return builder_.create<tosa::Conv2DOp>(loc_, tensorType(out, builder_.getF32Type()), x, ohwi, bias,
                                           builder_.getI64ArrayAttr({h.first, h.second, w.first, w.second}),
                                           builder_.getI64ArrayAttr({s[0], s[1]}),
                                           builder_.getI64ArrayAttr({d[0], d[1]}));
  }

  // TOSA's depthwise_conv2d takes the filter as [kh, kw, C, M] and orders output channels c * M + q, as graphc does.
  mlir::Value depthwiseConv2d(const Node& n) {
    mlir::Value x = input(n, 0);
    mlir::Value filter = input(n, 1);
    Dims xd = dimsOf(x), wd = dimsOf(filter), out = bindBatch(n.shape, options_.batch);
    auto s = n.attrs.getInts("strides"), d = n.attrs.getInts("dilation");
    auto h = windowPadding(xd[1], out[1], wd[0], s[0], d[0], n.attrs.getInt("pad_top"));
    auto w = windowPadding(xd[2], out[2], wd[1], s[1], d[1], n.attrs.getInt("pad_left"));
    mlir::Value bias = splat(0, DType::F32, Dims{wd[2] * wd[3]});
    return builder_.create<tosa::DepthwiseConv2DOp>(loc_, tensorType(out, builder_.getF32Type()), x, filter, bias,
                                                    builder_.getI64ArrayAttr({h.first, h.second, w.first, w.second}),
                                                    builder_.getI64ArrayAttr({s[0], s[1]}),
                                                    builder_.getI64ArrayAttr({d[0], d[1]}));
  }

  // x cut to [start, start + size) along each axis (no slice where that is all of x).
  mlir::Value slice(mlir::Value x, const Dims& start, const Dims& size) {
    if (size == dimsOf(x)) return x;
    return builder_.create<tosa::SliceOp>(loc_, tensorType(size, elementOf(x)), x, builder_.getI64ArrayAttr(start),
                                          builder_.getI64ArrayAttr(size));
  }

  // paddings: [before, after] for each axis, flattened; negative amounts crop (a slice), positive
  // ones pad with value (tosa.pad).
  mlir::Value padConstant(mlir::Value x, const std::vector<int64_t>& paddings, double value) {
    Dims dims = dimsOf(x), start(dims.size(), 0), out;
    std::vector<int32_t> grow;
    bool grows = false;
    for (size_t d = 0; d < dims.size(); ++d) {
      int64_t before = paddings[2 * d], after = paddings[2 * d + 1];
      if (before < 0) start[d] = -before;
      dims[d] -= std::max<int64_t>(-before, 0) + std::max<int64_t>(-after, 0);
      grow.push_back(static_cast<int32_t>(std::max<int64_t>(before, 0)));
      grow.push_back(static_cast<int32_t>(std::max<int64_t>(after, 0)));
      out.push_back(dims[d] + grow[2 * d] + grow[2 * d + 1]);
      grows = grows || before > 0 || after > 0;
    }
    x = slice(x, start, dims);
    if (!grows) return x;
    auto table = tensorType(Dims{static_cast<int64_t>(dims.size()), 2}, builder_.getI32Type());
    mlir::Value amounts =
        builder_.create<tosa::ConstOp>(loc_, table, mlir::DenseElementsAttr::get(table, llvm::makeArrayRef(grow)));
    return builder_.create<tosa::PadOp>(loc_, tensorType(out, elementOf(x)), x, amounts, splat(value, DType::F32, {}));
  }

  // reflect (the edge not repeated) or symmetric (repeated): along each axis in turn, the mirror
  // images of the first and last elements reversed and joined on, which composes to the corners.
  mlir::Value padMirror(mlir::Value x, const std::vector<int64_t>& paddings, bool reflect) {
    int64_t skip = reflect ? 1 : 0;
    for (size_t d = 0; d < dimsOf(x).size(); ++d) {
      int64_t before = paddings[2 * d], after = paddings[2 * d + 1];
      if (before == 0 && after == 0) continue;
      Dims dims = dimsOf(x);
      auto mirror = [&](int64_t begin, int64_t size) {
        Dims start(dims.size(), 0), extent = dims;
        start[d] = begin;
        extent[d] = size;
        mlir::Value part = slice(x, start, extent);
        return builder_
            .create<tosa::ReverseOp>(loc_, part.getType(), part, builder_.getI64IntegerAttr(static_cast<int64_t>(d)))
            .getResult();
      };
      std::vector<mlir::Value> parts;
      if (before > 0) parts.push_back(mirror(skip, before));
      parts.push_back(x);
      if (after > 0) parts.push_back(mirror(dims[d] - after - skip, after));
      Dims out = dims;
      out[d] += before + after;
      x = builder_.create<tosa::ConcatOp>(loc_, tensorType(out, elementOf(x)), parts,
                                          builder_.getI64IntegerAttr(static_cast<int64_t>(d)));
    }
    return x;
  }

  mlir::Value pad(const Node& n) {
    std::string mode = n.attrs.getString("mode");
    auto paddings = n.attrs.getInts("paddings");
    if (mode == "constant") return padConstant(input(n, 0), paddings, n.attrs.getFloat("value"));
    return padMirror(input(n, 0), paddings, mode == "reflect");
  }

  // tosa.resize in floating point reads output pixel o at o * scale + offset: TF2's half-pixel
  // centres are offset = scale / 2 - 1/2 (scale = in / out), and TOSA clamps at the edges as TF2
  // does. nearest rounds half up there, which is floor((o + 1/2) * scale) exactly; the offset gets
  // 1/(4 out) more so that f32 rounding cannot pull a tie below it (a value off a tie is 1/(2 out)
  // or more away).
  mlir::Value resize(const Node& n) {
    mlir::Value x = input(n, 0);
    Dims in = dimsOf(x), out = bindBatch(n.shape, options_.batch);
    bool nearest = n.attrs.getString("method") == "nearest";
    std::vector<mlir::Attribute> scale, offset;
    for (size_t d = 1; d <= 2; ++d) {
      double ratio = static_cast<double>(in[d]) / static_cast<double>(out[d]);
      double shift = ratio / 2 - 0.5 + (nearest ? 0.25 / static_cast<double>(out[d]) : 0.0);
      scale.push_back(builder_.getF32FloatAttr(static_cast<float>(ratio)));
      offset.push_back(builder_.getF32FloatAttr(static_cast<float>(shift)));
    }
    return builder_.create<tosa::ResizeOp>(loc_, tensorType(out, builder_.getF32Type()), x,
                                           builder_.getI64ArrayAttr({out[1], out[2]}), builder_.getI64ArrayAttr({0, 0}),
                                           builder_.getI64ArrayAttr({0, 0}), builder_.getI32IntegerAttr(0),
                                           builder_.getArrayAttr(scale), builder_.getArrayAttr(offset),
                                           builder_.getStringAttr(nearest ? "NEAREST_NEIGHBOR" : "BILINEAR"));
  }

  // The transposed convolution as a plain one, written out in TOSA (tosa.transpose_conv2d has no
  // lowering of its own in MLIR 14): the input spread out by the strides (zeros between pixels),
  // padded by span - 1 - pad_top above (a crop where negative) and so that the output has its
  // length below, then convolved at stride 1 with the filter flipped in both spatial axes.
  mlir::Value conv2dTranspose(const Node& n) {
    mlir::Value x = input(n, 0);
    mlir::Value filter = input(n, 1);  // [kh, kw, filters, C]
    Dims xd = dimsOf(x), wd = dimsOf(filter), out = bindBatch(n.shape, options_.batch);
    auto s = n.attrs.getInts("strides"), d = n.attrs.getInts("dilation");
    if (s[0] > 1 || s[1] > 1) {
      mlir::Value spread = reshape(x, {xd[0], xd[1], 1, xd[2], 1, xd[3]});
      spread = padConstant(spread, {0, 0, 0, 0, 0, s[0] - 1, 0, 0, 0, s[1] - 1, 0, 0}, 0);
      spread = reshape(spread, {xd[0], xd[1] * s[0], xd[2] * s[1], xd[3]});
      x = slice(spread, {0, 0, 0, 0}, {xd[0], (xd[1] - 1) * s[0] + 1, (xd[2] - 1) * s[1] + 1, xd[3]});
    }
    std::vector<int64_t> pads = {0, 0, 0, 0, 0, 0, 0, 0};
    const int64_t before[2] = {n.attrs.getInt("pad_top"), n.attrs.getInt("pad_left")};
    for (size_t a = 0; a < 2; ++a) {
      pads[2 + 2 * a] = (wd[a] - 1) * d[a] - before[a];
      pads[3 + 2 * a] = out[1 + a] - 1 + before[a] - (xd[1 + a] - 1) * s[a];
    }
    x = padConstant(x, pads, 0);
    mlir::Value flipped =
        builder_.create<tosa::ReverseOp>(loc_, filter.getType(), filter, builder_.getI64IntegerAttr(0));
    flipped = builder_.create<tosa::ReverseOp>(loc_, filter.getType(), flipped, builder_.getI64IntegerAttr(1));
    mlir::Value ohwi = transpose(flipped, {2, 0, 1, 3});
    return builder_.create<tosa::Conv2DOp>(loc_, tensorType(out, builder_.getF32Type()), x, ohwi,
                                           splat(0, DType::F32, Dims{wd[2]}), builder_.getI64ArrayAttr({0, 0, 0, 0}),
                                           builder_.getI64ArrayAttr({1, 1}), builder_.getI64ArrayAttr({d[0], d[1]}));
  }

  // TOSA's avg_pool2d, like TensorFlow, divides by the number of real (unpadded) elements.
  mlir::Value pool(const Node& n) {
    mlir::Value x = input(n, 0);
    Dims xd = dimsOf(x), out = bindBatch(n.shape, options_.batch);
    auto k = n.attrs.getInts("size"), s = n.attrs.getInts("strides");
    auto h = windowPadding(xd[1], out[1], k[0], s[0], 1, n.attrs.getInt("pad_top"));
    auto w = windowPadding(xd[2], out[2], k[1], s[1], 1, n.attrs.getInt("pad_left"));
    auto type = tensorType(out, builder_.getF32Type());
    auto kernel = builder_.getI64ArrayAttr({k[0], k[1]}), stride = builder_.getI64ArrayAttr({s[0], s[1]});
    auto pad = builder_.getI64ArrayAttr({h.first, h.second, w.first, w.second});
    if (n.op == Op::MaxPool) return builder_.create<tosa::MaxPool2dOp>(loc_, type, x, kernel, stride, pad);
    return builder_.create<tosa::AvgPool2dOp>(loc_, type, x, kernel, stride, pad);
  }

  // [M, K] @ [K, N] as TOSA's batched [1, M, K] x [1, K, N].
  mlir::Value matmul(const Node& n) {
    mlir::Value a = input(n, 0), b = input(n, 1);
    if (n.attrs.getInt("transpose_a")) a = transpose(a, {1, 0});
    if (n.attrs.getInt("transpose_b")) b = transpose(b, {1, 0});
    Dims ad = dimsOf(a), bd = dimsOf(b);
    a = reshape(a, {1, ad[0], ad[1]});
    b = reshape(b, {1, bd[0], bd[1]});
    mlir::Value c =
        builder_.create<tosa::MatMulOp>(loc_, tensorType(Dims{1, ad[0], bd[1]}, builder_.getF32Type()), a, b);
    return reshape(c, {ad[0], bd[1]});
  }

  mlir::Value reduce(const Node& n) {
    mlir::Value x = input(n, 0);
    Dims in = dimsOf(x);
    if (in.empty()) return x;
    int64_t count = 1;
    for (int64_t axis : n.attrs.getInts("axes")) {
      count *= in[static_cast<size_t>(axis)];
      switch (n.op) {
        case Op::ReduceMax:
          x = reduceAxis<tosa::ReduceMaxOp>(x, axis);
          break;
        case Op::ReduceMin:
          x = reduceAxis<tosa::ReduceMinOp>(x, axis);
          break;
        case Op::ReduceProd:
          x = reduceAxis<tosa::ReduceProdOp>(x, axis);
          break;
        default:
          x = reduceAxis<tosa::ReduceSumOp>(x, axis);
      }
    }
    if (n.op == Op::ReduceMean) x = mul(x, splatF32(1.0 / static_cast<double>(count), in.size()));
    return reshape(x, bindBatch(n.shape, options_.batch));
  }

  // max(x, 0) + log(1 + exp(-|x|))
  mlir::Value softplus(mlir::Value x) {
    size_t rank = dimsOf(x).size();
    mlir::Value e = unary<tosa::ExpOp>(unary<tosa::NegateOp>(unary<tosa::AbsOp>(x)));
    return binary<tosa::AddOp>(relu(x), unary<tosa::LogOp>(binary<tosa::AddOp>(e, splatF32(1, rank))));
  }

  mlir::Value clamp(mlir::Value x, float lo, float hi) {
    return builder_.create<tosa::ClampOp>(loc_, x.getType(), x, builder_.getI64IntegerAttr(static_cast<int64_t>(lo)),
                                          builder_.getI64IntegerAttr(static_cast<int64_t>(hi)),
                                          builder_.getF32FloatAttr(lo), builder_.getF32FloatAttr(hi));
  }

  // TOSA 14 has no erf: Abramowitz and Stegun's 7.1.26, 1 - (a1 t + ... + a5 t^5) e^(-x^2) with
  // t = 1 / (1 + p |x|), odd in x; its absolute error is below 1.5e-7, under float32's half-ulp at 1.
  mlir::Value erf(mlir::Value x) {
    size_t rank = dimsOf(x).size();
    auto c = [&](double v) { return splatF32(v, rank); };
    mlir::Value ax = unary<tosa::AbsOp>(x);
    mlir::Value t = unary<tosa::ReciprocalOp>(binary<tosa::AddOp>(c(1), mul(c(0.3275911), ax)));
    mlir::Value poly = c(1.061405429);
    for (double a : {-1.453152027, 1.421413741, -0.284496736, 0.254829592})
      poly = binary<tosa::AddOp>(mul(poly, t), c(a));
    poly = mul(poly, t);
    mlir::Value magnitude =
        binary<tosa::SubOp>(c(1), mul(poly, unary<tosa::ExpOp>(unary<tosa::NegateOp>(mul(ax, ax)))));
    return select(compare<tosa::GreaterOp>(c(0), x), unary<tosa::NegateOp>(magnitude), magnitude);
  }

  // TOSA 14 has no round: floor(x + 0.5), less 1 where x is halfway and that floor is odd.
  mlir::Value roundHalfToEven(mlir::Value x) {
    size_t rank = dimsOf(x).size();
    mlir::Value up = unary<tosa::FloorOp>(binary<tosa::AddOp>(x, splatF32(0.5, rank)));
    mlir::Value halfway = compare<tosa::EqualOp>(binary<tosa::SubOp>(up, x), splatF32(0.5, rank));
    mlir::Value half = mul(up, splatF32(0.5, rank));
    mlir::Value odd = unary<tosa::LogicalNotOp>(compare<tosa::EqualOp>(unary<tosa::FloorOp>(half), half));
    mlir::Value lower = binary<tosa::SubOp>(up, splatF32(1, rank));
    return select(binary<tosa::LogicalAndOp>(halfway, odd), lower, up);
  }

  // The activations of ops.def's v2 group, as their docs there define them.
  mlir::Value activation(const Node& n) {
    mlir::Value x = input(n, 0);
    size_t rank = n.shape.size();
    auto c = [&](double v) { return splatF32(v, rank); };
    auto positive = [&]() { return compare<tosa::GreaterOp>(x, c(0)); };
    auto expm1 = [&]() { return binary<tosa::SubOp>(unary<tosa::ExpOp>(x), c(1)); };
    switch (n.op) {
      case Op::Elu:
        return select(positive(), x, mul(c(n.attrs.getFloat("alpha", 1.0)), expm1()));
      case Op::Selu:
        return mul(c(1.0507009873554805), select(positive(), x, mul(c(1.6732632423543772), expm1())));
      case Op::Gelu: {
        mlir::Value inner = n.attrs.getInt("approximate")
                                ? unary<tosa::TanhOp>(mul(c(0.7978845608028654),
                                                          binary<tosa::AddOp>(x, mul(c(0.044715), mul(x, mul(x, x))))))
                                : erf(mul(x, c(0.7071067811865476)));
        return mul(mul(c(0.5), x), binary<tosa::AddOp>(c(1), inner));
      }
      case Op::Swish:
        return mul(x, unary<tosa::SigmoidOp>(x));
      case Op::Softsign:
        return mul(x, unary<tosa::ReciprocalOp>(binary<tosa::AddOp>(c(1), unary<tosa::AbsOp>(x))));
      case Op::HardSigmoid:
        return clamp(binary<tosa::AddOp>(mul(x, c(0.2)), c(0.5)), 0, 1);
      case Op::Relu6:
        return clamp(x, 0, 6);
      case Op::Mish:
        return mul(x, unary<tosa::TanhOp>(softplus(x)));
      case Op::Erf:
        return erf(x);
      default:
        throw InternalError("exportMlir: '" + opName(n.op) + "' is not an activation");
    }
  }

  // Over the last axis, shifted by the maximum: exp(x - max) / sum, or (x - max) - log(sum).
  mlir::Value softmax(const Node& n) {
    mlir::Value x = input(n, 0);
    auto axis = static_cast<int64_t>(n.shape.size()) - 1;
    mlir::Value shifted = binary<tosa::SubOp>(x, reduceAxis<tosa::ReduceMaxOp>(x, axis));
    mlir::Value e = unary<tosa::ExpOp>(shifted);
    mlir::Value sum = reduceAxis<tosa::ReduceSumOp>(e, axis);
    if (n.op == Op::Softmax) return mul(e, unary<tosa::ReciprocalOp>(sum));
    return binary<tosa::SubOp>(shifted, unary<tosa::LogOp>(sum));
  }

  const Graph& graph_;
  const MlirExportOptions& options_;
  ForwardNodes nodes_;
  mlir::OpBuilder builder_;
  std::string file_;
  mlir::Location loc_ = builder_.getUnknownLoc();
  std::map<int, mlir::Value> values_;
};

}  // namespace

MlirExportOptions forwardExportOptions(const Model& model) {
  MlirExportOptions options;
  static_cast<ForwardGraphOptions&>(options) = forwardGraphOptions(model, "dump --stage mlir");
  const std::string& name = model.graph.modelName;
  options.functionName = name.empty() || name == "main" ? "forward" : name;
  return options;
}

std::string exportMlir(const Graph& graph, const MlirExportOptions& options) {
  internalCheck(options.input >= 0 && options.output >= 0, "exportMlir", "no input or output node");
  mlir::MLIRContext context;
  context.loadDialect<mlir::tosa::TosaDialect, mlir::StandardOpsDialect>();
  std::string diagnostics;
  mlir::ScopedDiagnosticHandler handler(&context, [&](mlir::Diagnostic& d) {
    llvm::raw_string_ostream os(diagnostics);
    os << d.getLocation() << ": " << d.str() << "\n";
    return mlir::success();
  });
  mlir::OwningOpRef<mlir::ModuleOp> module = TosaTranslator(context, graph, options).translate();
  if (mlir::failed(mlir::verify(*module)))
    throw InternalError("the MLIR module of '" + graph.modelName + "' does not verify:\n" + diagnostics);
  std::string text;
  llvm::raw_string_ostream os(text);
  for (size_t begin = 0; begin < options.comment.size();) {
    size_t end = options.comment.find('\n', begin);
    if (end == std::string::npos) end = options.comment.size();
    os << "// " << options.comment.substr(begin, end - begin) << "\n";
    begin = end + 1;
  }
  module->print(os, mlir::OpPrintingFlags().enableDebugInfo());
  os << "\n";
  return os.str();
}

}  // namespace graphc
