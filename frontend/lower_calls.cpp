// \file AST-to-graph lowering of the lowercase calls: graph inputs, initializers, the builtins the
// op table declares (trait::Builtin: found by spelling, arguments matched to the table's input and
// attribute names), and where and the shape and reduction ops, whose arguments need more than that.
// The nn ops and losses are in lower_nn_calls.cpp, the Capitalized layers in lower_layers.cpp.
#include <algorithm>
#include <cmath>
#include <optional>
#include <set>

#include "frontend/call_args.h"
#include "frontend/lowerer.h"
#include "ir/op_table.h"
#include "support/spelling.h"

namespace graphc {

Attrs initializerArg(Lowerer& L, const Expr& e) {
  static const std::set<std::string> withoutArguments = {"zeros",     "ones",       "glorot_uniform", "glorot_normal",
                                                         "he_normal", "he_uniform", "lecun_normal",   "orthogonal"};
  Attrs a;
  // A bare name (Keras' kernel_initializer = "he_uniform") stands for the call without arguments.
  bool bare = (e.kind == ExprKind::Ident || e.kind == ExprKind::String) && withoutArguments.count(e.text);
  if (!bare && e.kind != ExprKind::Call) {
    a.set("init", std::string("constant")).set("value", L.evalNumber(e));
    return a;
  }
  const std::string& kind = e.text;
  if (withoutArguments.count(kind)) {
    if (!bare) CallArgs(e, {}, 0);
    a.set("init", kind);
  } else if (kind == "constant") {
    CallArgs args(e, {"value"}, 1);
    a.set("init", kind).set("value", L.evalNumber(args.require("value")));
  } else if (kind == "truncated_normal" || kind == "random_normal") {
    CallArgs args(e, {"stddev", "mean"}, 1);
    a.set("init", kind).set("stddev", L.evalNumber(args.require("stddev")));
    a.set("mean", args.get("mean") ? L.evalNumber(*args.get("mean")) : 0.0);
  } else if (kind == "random_uniform") {
    CallArgs args(e, {"min", "max"}, 2);
    a.set("init", kind).set("min", L.evalNumber(args.require("min"))).set("max", L.evalNumber(args.require("max")));
  } else {
    throw UserError(e.loc, "unknown initializer '" + kind +
                               "' (expected zeros, ones, constant, truncated_normal, random_normal, random_uniform, "
                               "glorot_uniform, glorot_normal, he_normal, he_uniform, lecun_normal or orthogonal)");
  }
  return a;
}

namespace {

std::vector<int64_t> axesArg(Lowerer& L, const CallArgs& args) {
  const Expr* e = args.get("axis");
  if (!e) return {};
  e = &L.resolve(*e);
  if (e->kind == ExprKind::List) {
    std::vector<int64_t> axes;
    for (const auto& item : e->items) axes.push_back(L.evalInt(*item, "an axis"));
    return axes;
  }
  return {L.evalInt(*e, "an axis")};
}

// The graph values of a call's operands. As with the binary operators, a number next to a graph
// value takes that value's dtype (`where(c, labels, 0)` stays i32).
std::vector<int> operands(Lowerer& L, const CallArgs& args, const std::vector<std::string>& names) {
  std::vector<int> ids(names.size(), -1);
  DType dtype = DType::F32;
  bool typed = false;
  for (size_t i = 0; i < names.size(); ++i) {
    const Expr& e = args.require(names[i]);
    if (L.isConstantExpr(e)) continue;
    ids[i] = L.evalNode(e);
    if (!typed) dtype = L.model().graph.node(ids[i]).dtype, typed = true;
  }
  for (size_t i = 0; i < names.size(); ++i)
    if (ids[i] < 0) ids[i] = L.scalarConstant(L.evalNumber(args.require(names[i])), dtype, args.require(names[i]).loc);
  return ids;
}

// The inputs of concat: a list of graph values.
// x viewed as shape (the batch `?` kept in place).
int reshapeTo(Lowerer& L, int x, Shape shape, SourceLoc loc) {
  std::vector<int64_t> target;
  for (int64_t d : shape) target.push_back(d == kBatch ? -2 : d);
  return L.addNode(Op::Reshape, {x}, Attrs().set("target", target), loc);
}

std::vector<int> valueList(Lowerer& L, const Expr& e) {
  if (e.kind == ExprKind::Call || e.kind == ExprKind::Ident || e.kind == ExprKind::Member) return L.listValues(e);
  if (e.kind != ExprKind::List || e.items.empty())
    throw UserError(e.loc, "concat expects a non-empty list of values, such as [a, b]");
  std::vector<int> ids;
  for (const auto& item : e.items) ids.push_back(L.evalNode(*item));
  return ids;
}

// An attribute's value as the table types it.
AttrValue attrValue(Lowerer& L, const Expr& e, const AttrDef& a) {
  switch (a.type) {
    case AttrType::Float:
      return L.evalNumber(e);
    case AttrType::Int:
      return L.evalInt(e, a.name);
    case AttrType::String:
      return L.evalWord(e);
    case AttrType::DType:
      return dtypeName(L.evalDType(e));
    case AttrType::Ints:
      break;
  }
  throw InternalError("builtin attribute '" + a.name + "': the front end cannot read a list of ints generically");
}

}  // namespace

AttrValue defaultValue(const AttrDef& a) {
  switch (a.type) {
    case AttrType::Float:
      return std::stod(a.fallback);
    case AttrType::Int:
      return static_cast<int64_t>(std::stoll(a.fallback));
    case AttrType::String:
    case AttrType::DType:
      return a.fallback;
    case AttrType::Ints:
      break;
  }
  throw InternalError("builtin attribute '" + a.name + "': no default of a list of ints");
}

std::string paddingArg(Lowerer& L, const CallArgs& args) {
  const Expr* p = args.get("padding");
  std::string v = p ? L.evalWord(*p) : "valid";
  if (v != "same" && v != "valid")
    throw UserError(p->loc, "expected padding \"same\" or \"valid\", found \"" + v + "\"");
  return v;
}

std::vector<int64_t> pairArg(Lowerer& L, const CallArgs& args, const std::string& name, std::vector<int64_t> fallback) {
  const Expr* e = args.get(name);
  return e ? L.evalPair(*e, name) : fallback;
}

int lowerFlatten(Lowerer& L, int x, SourceLoc loc) {
  const Shape& s = L.model().graph.node(x).shape;
  int64_t rest = 1;
  for (size_t i = 1; i < s.size(); ++i) rest *= s[i];
  std::vector<int64_t> target = {s.empty() || s[0] == kBatch ? -2 : s[0], rest};
  return L.addNode(Op::Reshape, {x}, Attrs().set("target", target), loc);
}

int lowerPool(Lowerer& L, Op op, const CallArgs& args, int x, SourceLoc loc) {
  std::vector<int64_t> size = pairArg(L, args, "size", {2, 2});
  std::vector<int64_t> strides = pairArg(L, args, "strides", size);
  Attrs a;
  a.set("size", size).set("strides", strides).set("padding", paddingArg(L, args));
  return L.addNode(op, {x}, a, loc);
}

int lowerBuiltin(Lowerer& L, const Expr& call, Op op) {
  const OpDef& def = opDef(op);
  // Parameters: the inputs, then the attributes the user may give (those without a default first).
  std::vector<std::string> params = def.inputs;
  size_t required = params.size();
  std::vector<const AttrDef*> attrs;
  for (const AttrDef& a : def.attrs) {
    if (a.use == AttrDef::Use::Optional || a.use == AttrDef::Use::Inferred) continue;
    params.push_back(a.name);
    attrs.push_back(&a);
    if (a.use == AttrDef::Use::Required) required = params.size();
  }
  CallArgs args(call, params, required);
  std::vector<int> inputs = operands(L, args, def.inputs);
  Attrs values;
  for (const AttrDef* a : attrs) {
    if (const Expr* e = args.get(a->name))
      values.set(a->name, attrValue(L, *e, *a));
    else if (a->use == AttrDef::Use::Default)
      values.set(a->name, defaultValue(*a));
  }
  return L.addNode(op, inputs, values, call.loc);
}

std::vector<int> Lowerer::lowerSplit(const Expr& call) {
  CallArgs args(call, {"x", "n", "axis"}, 2);
  int x = evalNode(args.require("x"));
  const Shape shape = model_.graph.node(x).shape;
  const Expr& axisArg = args.get("axis") ? *args.get("axis") : args.require("x");
  int64_t rank = static_cast<int64_t>(shape.size());
  int64_t axis = args.get("axis") ? evalInt(axisArg, "axis") : 0;
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank || shape[static_cast<size_t>(axis)] == kBatch)
    throw UserError(axisArg.loc, "split: axis " + std::to_string(axis) + " is not a known axis of " +
                                     typeToString(model_.graph.node(x).dtype, shape) +
                                     " (the batch's cannot be split)");
  const int64_t length = shape[static_cast<size_t>(axis)];
  // n equal parts, or the given sizes with at most one -1 (what the others leave), as tf.split.
  const Expr& n = resolve(args.require("n"));
  std::vector<int64_t> sizes;
  if (n.kind == ExprKind::List) {
    int64_t known = 0, rest = -1;
    for (size_t i = 0; i < n.items.size(); ++i) {
      int64_t size = evalInt(*n.items[i], "a part's size");
      if (size == -1 && rest < 0) {
        rest = static_cast<int64_t>(i);
      } else if (size <= 0) {
        throw UserError(n.items[i]->loc,
                        "split: sizes must be positive (one may be -1), found " + std::to_string(size));
      } else {
        known += size;
      }
      sizes.push_back(size);
    }
    if (rest >= 0) sizes[static_cast<size_t>(rest)] = length - known;
    if (sizes.empty() || (rest >= 0 ? known >= length : known != length))
      throw UserError(n.loc, "split: the sizes must add up to the axis' length " + std::to_string(length));
  } else {
    int64_t parts = evalInt(n, "the number of parts");
    if (parts <= 0 || length % parts != 0)
      throw UserError(n.loc, "split: " + std::to_string(parts) + " equal parts do not divide the axis' length " +
                                 std::to_string(length));
    sizes.assign(static_cast<size_t>(parts), length / parts);
  }
  std::vector<int> values;
  int64_t begin = 0;
  for (int64_t size : sizes) {
    Attrs a;
    a.set("axis", axis).set("begin", begin).set("size", size);
    values.push_back(size == length ? x : addNode(Op::SliceAxis, {x}, a, call.loc));
    begin += size;
  }
  return values;
}

std::vector<std::string> callableNames() {
  // The calls lowerCall and lowerNNCall take by name besides the table's builtins.
  std::vector<std::string> names = {"placeholder",
                                    "variable",
                                    "constant",
                                    "where",
                                    "transpose",
                                    "concat",
                                    "reshape",
                                    "flatten",
                                    "reduce_sum",
                                    "reduce_mean",
                                    "reduce_max",
                                    "reduce_min",
                                    "reduce_prod",
                                    "argmax",
                                    "moments",
                                    "l2_loss",
                                    "silu",
                                    "softmax",
                                    "log_softmax",
                                    "conv2d",
                                    "max_pool",
                                    "avg_pool",
                                    "dropout",
                                    "softmax_cross_entropy",
                                    "sparse_categorical_crossentropy",
                                    "categorical_crossentropy",
                                    "binary_crossentropy",
                                    "sigmoid_cross_entropy",
                                    "mean_squared_error",
                                    "mean_absolute_error",
                                    "huber",
                                    "kl_divergence",
                                    "accuracy",
                                    "depthwise_conv2d",
                                    "conv2d_transpose",
                                    "global_avg_pool",
                                    "resize",
                                    "pad",
                                    "tile",
                                    "slice",
                                    "split",
                                    "stack",
                                    "squeeze",
                                    "expand_dims"};
  for (const OpDef& d : allOps())
    if (d.has(trait::Builtin)) names.push_back(d.name);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

int Lowerer::lowerCall(const Expr& call) {
  const std::string& f = call.text;
  SourceLoc loc = call.loc;
  // The file's own functions come first, as a Python def shadows a builtin.
  int expanded = lowerFunctionCall(call);
  if (expanded >= 0) return expanded;
  if (!f.empty() && std::isupper(static_cast<unsigned char>(f[0]))) {
    size_t slot = model_.layers.size();
    model_.layers.push_back({"", f, -1});  // reserved now: nested layers come after it
    int id = lowerLayer(call);
    model_.layers[slot].output = id;
    return id;
  }
  // A call named like an op: its builtin, or one of the calls below that need more than the table.
  std::optional<Op> op = parseOp(f);
  if (op == Op::Placeholder) {
    CallArgs args(call, {"dtype", "shape", "default"}, 2);
    Attrs a;
    a.set("dtype", dtypeName(evalDType(args.require("dtype")))).set("shape", evalShape(args.require("shape")));
    if (args.get("default")) a.set("default", evalNumber(*args.get("default")));
    return addNode(Op::Placeholder, {}, a, loc);
  }
  if (op == Op::Variable) {
    CallArgs args(call, {"shape", "init", "trainable"}, 1);
    std::vector<int64_t> shape = evalShape(args.require("shape"));
    for (int64_t d : shape)
      if (d <= 0)
        throw UserError(args.require("shape").loc,
                        "a variable's shape must be fully known, found a '?' or non-positive entry");
    Attrs init = args.get("init") ? initializerArg(*this, *args.get("init"))
                                  : Attrs().set("init", std::string("glorot_uniform"));
    if (args.get("trainable"))
      init.set("trainable", static_cast<int64_t>(evalNumber(*args.get("trainable")) != 0));
    else
      init.set("trainable", int64_t(1));
    return variable(statementName_.empty() ? "variable" : statementName_, Shape(shape.begin(), shape.end()), init, loc);
  }
  if (op == Op::Constant) {
    CallArgs args(call, {"value", "dtype"}, 1);
    DType t = args.get("dtype") ? evalDType(*args.get("dtype")) : DType::F32;
    return scalarConstant(evalNumber(args.require("value")), t, loc);
  }
  if (op && hasTrait(*op, trait::Builtin)) return lowerBuiltin(*this, call, *op);
  if (f == "silu") return lowerBuiltin(*this, call, Op::Swish);  // Keras' other name for swish
  if (op == Op::Where) {
    CallArgs args(call, {"c", "a", "b"}, 3);
    int c = evalNode(args.require("c"));
    std::vector<int> ab = operands(*this, args, {"a", "b"});
    return addNode(Op::Where, {c, ab[0], ab[1]}, {}, loc);
  }
  if (op == Op::Transpose) {
    CallArgs args(call, {"x", "perm"}, 1);
    int x = evalNode(args.require("x"));
    std::vector<int64_t> perm;
    if (const Expr* given = args.get("perm")) {
      const Expr* p = &resolve(*given);
      if (p->kind != ExprKind::List)
        throw UserError(p->loc, "transpose expects perm as a list of axes, such as [1, 0]");
      for (const auto& item : p->items) perm.push_back(evalInt(*item, "an axis"));
    }
    return addNode(Op::Transpose, {x}, Attrs().set("perm", perm), loc);
  }
  // squeeze, expand_dims and stack are views and joins: reshape and concat, whose gradient rules
  // serve them.
  if (f == "squeeze" || f == "expand_dims") {
    CallArgs args(call, {"x", "axis"}, 2);
    int x = evalNode(args.require("x"));
    Shape shape = model_.graph.node(x).shape;
    int64_t axis = evalInt(args.require("axis"), "axis");
    int64_t rank = static_cast<int64_t>(shape.size()) + (f == "expand_dims" ? 1 : 0);
    if (axis < 0) axis += rank;
    bool ok = axis >= 0 && axis < rank && (f == "expand_dims" || shape[static_cast<size_t>(axis)] == 1);
    if (!ok)
      throw UserError(args.require("axis").loc, f + ": axis " + std::to_string(axis) + " is not " +
                                                    (f == "squeeze" ? "an axis of length 1" : "a new axis") + " of " +
                                                    typeToString(model_.graph.node(x).dtype, shape));
    if (f == "squeeze")
      shape.erase(shape.begin() + axis);
    else
      shape.insert(shape.begin() + axis, 1);
    return reshapeTo(*this, x, shape, loc);
  }
  if (f == "tile") {
    CallArgs args(call, {"x", "multiples"}, 2);
    return addNode(Op::Tile, {evalNode(args.require("x"))},
                   Attrs().set("multiples", evalShape(args.require("multiples"))), loc);
  }
  // slice(x, begin, size) as TF: size -1 takes the rest of the axis; one slice_axis per axis cut.
  if (f == "slice") {
    CallArgs args(call, {"x", "begin", "size"}, 3);
    int x = evalNode(args.require("x"));
    std::vector<int64_t> begin = evalShape(args.require("begin")), size = evalShape(args.require("size"));
    Shape shape = model_.graph.node(x).shape;
    if (begin.size() != shape.size() || size.size() != shape.size())
      throw UserError(call.loc, "slice expects begin and size with one entry for each of the " +
                                    std::to_string(shape.size()) + " axes");
    for (size_t d = 0; d < shape.size(); ++d) {
      int64_t length = size[d] == -1 ? shape[d] - begin[d] : size[d];
      if (begin[d] == 0 && length == shape[d]) continue;
      x = addNode(Op::SliceAxis, {x},
                  Attrs().set("axis", static_cast<int64_t>(d)).set("begin", begin[d]).set("size", length), loc);
    }
    return x;
  }
  if (f == "split")
    throw UserError(loc, "split gives a list: bind it (parts = split(x, 2, axis)) and use parts[0], parts[1]...");
  if (f == "stack") {
    CallArgs args(call, {"values", "axis"}, 1);
    std::vector<int> values = valueList(*this, args.require("values"));
    Shape shape = model_.graph.node(values[0]).shape;
    int64_t rank = static_cast<int64_t>(shape.size()) + 1;
    int64_t axis = args.get("axis") ? evalInt(*args.get("axis"), "axis") : 0;
    if (axis < 0) axis += rank;
    if (axis < 0 || axis >= rank || (axis == 0 && hasBatch(shape)))
      throw UserError(call.loc, "stack: axis " + std::to_string(axis) +
                                    " is not a new axis other than the batch's of " +
                                    typeToString(model_.graph.node(values[0]).dtype, shape));
    const Shape each = shape;
    shape.insert(shape.begin() + axis, 1);
    for (int& v : values) {
      if (model_.graph.node(v).shape != each) throw UserError(call.loc, "stack expects values of one shape");
      v = reshapeTo(*this, v, shape, loc);
    }
    return addNode(Op::Concat, values, Attrs().set("axis", axis), loc);
  }
  if (op == Op::Concat) {
    CallArgs args(call, {"values", "axis"}, 2);
    std::vector<int> values = valueList(*this, args.require("values"));
    return addNode(Op::Concat, values, Attrs().set("axis", evalInt(args.require("axis"), "axis")), loc);
  }
  if (op == Op::Reshape) {
    CallArgs args(call, {"x", "shape"}, 2);
    return addNode(Op::Reshape, {evalNode(args.require("x"))}, Attrs().set("target", evalShape(args.require("shape"))),
                   loc);
  }
  if (f == "flatten") {
    CallArgs args(call, {"x"}, 1);
    return lowerFlatten(*this, evalNode(args.require("x")), loc);
  }
  if (op == Op::ReduceSum || op == Op::ReduceMean || op == Op::ReduceMax || op == Op::ReduceMin ||
      op == Op::ReduceProd) {
    CallArgs args(call, {"x", "axis", "keepdims"}, 1);
    Attrs a;
    a.set("axes", axesArg(*this, args));
    a.set("keepdims", static_cast<int64_t>(args.get("keepdims") && evalNumber(*args.get("keepdims")) != 0));
    return addNode(*op, {evalNode(args.require("x"))}, a, loc);
  }
  if (op == Op::Argmax) {
    CallArgs args(call, {"x", "axis"}, 2);
    return addNode(Op::Argmax, {evalNode(args.require("x"))},
                   Attrs().set("axes", std::vector<int64_t>{evalInt(args.require("axis"), "axis")}), loc);
  }
  if (f == "moments")
    throw UserError(loc, "moments gives two values: bind it (m = moments(x, axes)) and use m.mean and m.variance");
  int id = lowerNNCall(call);
  if (id < 0) throw UserError(loc, unknownNameMessage("op", f, callableNames()));
  return id;
}

}  // namespace graphc
