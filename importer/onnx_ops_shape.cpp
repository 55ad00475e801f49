// \file ONNX reshapes, transposes, concatenation, padding and slicing, and the shape arithmetic
// PyTorch exports (Shape, Gather, Unsqueeze, Concat, Cast...), folded to constants when their
// inputs are known at import time.
#include <fmt/core.h>

#include "importer/onnx_fold.h"
#include "importer/onnx_importer.h"

namespace graphc {
namespace {

// The integer list of a constant input or, before the opset that made it an input, of an attribute;
// saturated (saturatedInt), or with sizes each within +-kMaxElements.
std::vector<int64_t> intsArg(Importer& I, size_t input, const std::string& attr, int inputSince,
                             const std::string& what, bool sizes = false) {
  if (I.opset() < inputSince) return sizes ? I.attrSizes(attr) : I.attrInts(attr);
  if (!I.hasInput(input)) return {};
  const Tensor& t = I.constantInput(input, what);
  std::vector<int64_t> v;
  for (int64_t k = 0; k < t.size(); ++k) {
    bool batch = t.isInt && t.i[static_cast<size_t>(k)] == kSymbolicBatch;  // kept for Reshape
    v.push_back(batch ? kSymbolicBatch : saturatedInt(t.at(k)));
  }
  if (sizes) I.checkSizes(t.isInt ? t.i : v, what);  // the file's integers, before saturation
  return v;
}

// Where ONNX axis a of a value is stored: NHWC moves C last.
int64_t storedAxis(const Value& v, int64_t a) { return v.nhwc ? kToNchw[static_cast<size_t>(a)] : a; }

// Row-major strides.
std::vector<int64_t> stridesOf(const Dims& d) {
  std::vector<int64_t> s(d.size(), 1);
  for (size_t k = d.size(); k-- > 1;) s[k - 1] = s[k] * d[k];
  return s;
}

// Element k of t appended to out.
void copyElement(const Tensor& t, int64_t k, Tensor& out) {
  if (t.isInt)
    out.i.push_back(t.i[static_cast<size_t>(k)]);
  else
    out.f.push_back(t.f[static_cast<size_t>(k)]);
}

// The output's dimensions from Reshape's target (0 copies the input's, -1 is inferred, the
// folded batch size is the batch).
Dims reshapeDims(Importer& I, const Dims& in, const std::vector<int64_t>& target, bool allowZero) {
  Dims out;
  int inferAt = -1;
  int64_t known = 1, inKnown = 1;
  bool inBatch = false, outBatch = false;
  for (int64_t d : in) d == kBatchDim ? void(inBatch = true) : void(inKnown *= d);
  for (size_t k = 0; k < target.size(); ++k) {
    int64_t t = target[k];
    if (t == 0 && !allowZero) {
      if (k >= in.size()) I.fail(fmt::format("shape entry {} copies a dimension the input lacks", k));
      t = in[k];
    }
    if (t == kSymbolicBatch) t = kBatchDim;
    if (t == kBatchDim && target[k] != -1) {
      if (outBatch) I.unsupported("a shape with the batch twice");
      outBatch = true;
    } else if (t == -1) {
      if (inferAt >= 0) I.fail("two -1 entries in the shape");
      inferAt = static_cast<int>(k);
    } else if (t < 0 || t > kMaxElements) {
      I.fail(fmt::format("shape entry {} is {}", k, t));
    } else {
      known *= t;  // at most 2^60: both factors are at most kMaxElements
      if (known > kMaxElements) I.fail(fmt::format("cannot reshape {} to {}", dimsText(in), Importer::intList(target)));
    }
    out.push_back(t);
  }
  if (inferAt >= 0) {
    if (inBatch && !outBatch) {
      // -1 takes the batch when the other entries hold every other element.
      if (known != inKnown) I.unsupported("a reshape that merges the batch with other dimensions");
      out[static_cast<size_t>(inferAt)] = kBatchDim;
      outBatch = true;
    } else {
      if (known == 0 || inKnown % known != 0)
        I.fail(fmt::format("cannot reshape {} to {}", dimsText(in), Importer::intList(target)));
      out[static_cast<size_t>(inferAt)] = inKnown / known;
    }
  } else if (known != inKnown) {
    I.fail(fmt::format("cannot reshape {} to {}", dimsText(in), Importer::intList(target)));
  }
  if (inBatch != outBatch) I.unsupported("a reshape that merges the batch with other dimensions");
  if (outBatch && out[0] != kBatchDim) I.unsupported("a reshape that moves the batch away from the first axis");
  return out;
}

// A value viewed with new dimensions: folded for a constant, else `reshape` in ONNX's order.
void viewAs(Importer& I, const Dims& out) {
  const Value& x = I.input(0);
  if (x.constant) {
    I.defineConstant(0, reshaped(*x.constant, out));
    return;
  }
  I.define(0, fmt::format("reshape({}, {})", I.operand(0, false), Importer::shapeList(out)), out, false, x.isInt);
}

void reshape(Importer& I) {
  std::vector<int64_t> target = intsArg(I, 1, "shape", 5, "Reshape shape");
  viewAs(I, reshapeDims(I, I.input(0).dims, target, I.attrInt("allowzero", 0) != 0));
}

void flatten(Importer& I) {
  const Dims& in = I.input(0).dims;
  int64_t a = I.attrInt("axis", 1);
  a = a < 0 ? a + static_cast<int64_t>(in.size()) : a;
  if (a < 0 || a > static_cast<int64_t>(in.size())) I.fail(fmt::format("axis {} is outside the input's rank", a));
  int64_t outer = 1, inner = 1;
  bool batch = false;
  for (size_t k = 0; k < in.size(); ++k) {
    if (in[k] == kBatchDim) {
      if (static_cast<int64_t>(k) >= a || a > 1) I.unsupported("flattening the batch into other dimensions");
      batch = true;
      continue;
    }
    (static_cast<int64_t>(k) < a ? outer : inner) *= in[k];
  }
  viewAs(I, {batch ? kBatchDim : outer, inner});
}

void unsqueezeOrSqueeze(Importer& I, bool unsqueeze) {
  const Value& x = I.input(0);
  std::vector<int64_t> axes = intsArg(I, 1, "axes", 13, "axes");
  Dims out;
  if (unsqueeze) {
    size_t rank = x.dims.size() + axes.size();
    std::vector<bool> inserted(rank, false);
    for (int64_t a : axes) {
      int64_t k = I.axis(a, rank);
      if (inserted[static_cast<size_t>(k)]) I.fail("an axis given twice");
      inserted[static_cast<size_t>(k)] = true;
    }
    size_t next = 0;
    for (size_t k = 0; k < rank; ++k) out.push_back(inserted[k] ? 1 : x.dims[next++]);
  } else {
    std::vector<bool> removed(x.dims.size(), axes.empty());
    for (int64_t a : axes) removed[static_cast<size_t>(I.axis(a, x.dims.size()))] = true;
    for (size_t k = 0; k < x.dims.size(); ++k) {
      if (removed[k] && x.dims[k] != 1) {
        if (!axes.empty()) I.fail(fmt::format("axis {} has length {}, not 1", k, x.dims[k]));
        removed[k] = false;
      }
      if (!removed[k]) out.push_back(x.dims[k]);
    }
  }
  bool inBatch = !x.dims.empty() && x.dims[0] == kBatchDim;
  if (inBatch && (out.empty() || out[0] != kBatchDim)) I.unsupported("an axis before the batch");
  viewAs(I, out);
}

void transpose(Importer& I) {
  const Value& x = I.input(0);
  size_t rank = x.dims.size();
  std::vector<int64_t> perm = I.attrInts("perm");
  if (perm.empty())
    for (size_t k = rank; k-- > 0;) perm.push_back(static_cast<int64_t>(k));
  if (perm.size() != rank) I.fail(fmt::format("perm has {} entries for a rank-{} input", perm.size(), rank));
  std::vector<bool> seen(rank, false);
  for (int64_t& p : perm) {
    p = I.axis(p, rank);
    if (seen[static_cast<size_t>(p)]) I.fail("perm repeats an axis");
    seen[static_cast<size_t>(p)] = true;
  }
  Dims out;
  for (int64_t p : perm) out.push_back(x.dims[static_cast<size_t>(p)]);
  if (x.constant) {
    I.defineConstant(0, transposed(*x.constant, std::vector<int>(perm.begin(), perm.end())));
    return;
  }
  if (rank > 0 && x.dims[0] == kBatchDim && perm[0] != 0) I.unsupported("moving the batch away from the first axis");
  // One transpose from x's stored order to the output's (NHWC when it is 4-D).
  bool nhwc = rank == 4;
  std::vector<int64_t> stored;
  for (size_t j = 0; j < rank; ++j) {
    int64_t outAxis = nhwc ? kToNhwc[j] : static_cast<int64_t>(j);
    stored.push_back(storedAxis(x, perm[static_cast<size_t>(outAxis)]));
  }
  bool identity = true;
  for (size_t j = 0; j < rank; ++j) identity = identity && stored[j] == static_cast<int64_t>(j);
  if (identity) {
    Value same = x;
    same.dims = out;
    I.alias(0, same);
    return;
  }
  I.define(0, fmt::format("transpose({}, {})", x.expr, Importer::intList(stored)), out, nhwc);
}

Tensor concatTensors(const std::vector<const Tensor*>& parts, size_t axis, const Dims& out) {
  Tensor r;
  r.dims = out;
  r.isInt = parts[0]->isInt;
  int64_t outer = 1;
  for (size_t k = 0; k < axis; ++k) outer *= out[k];
  for (int64_t o = 0; o < outer; ++o)
    for (const Tensor* t : parts) {
      int64_t block = dimsElementCount(t->dims) / std::max<int64_t>(outer, 1);
      for (int64_t k = 0; k < block; ++k) copyElement(*t, o * block + k, r);
    }
  return r;
}

void concat(Importer& I) {
  size_t n = I.inputCount();
  if (n == 0) I.fail("no inputs");
  const Value& first = I.input(0);
  size_t rank = first.dims.size();
  if (rank == 0) I.fail("scalar inputs");
  auto a = static_cast<size_t>(I.axis(I.attrInt("axis", 0), rank));
  Dims out = first.dims;
  out[a] = 0;
  bool allConstant = true, nhwc = false;
  for (size_t i = 0; i < n; ++i) {
    const Value& v = I.input(i);
    if (v.dims.size() != rank) I.fail("inputs of different ranks");
    for (size_t k = 0; k < rank; ++k)
      if (k != a && v.dims[k] != first.dims[k])
        I.fail(fmt::format("input {} is {}, input 1 is {}", i + 1, dimsText(v.dims), dimsText(first.dims)));
    if (v.dims[a] == kBatchDim) I.unsupported("concatenating along the batch");
    out[a] += v.dims[a];
    allConstant = allConstant && v.constant.has_value();
    nhwc = nhwc || (!v.constant && v.nhwc);
  }
  if (allConstant) {
    I.checkShape(out);  // before the folded copy is allocated
    std::vector<const Tensor*> parts;
    for (size_t i = 0; i < n; ++i) parts.push_back(&*I.input(i).constant);
    for (const Tensor* t : parts)
      if (t->isInt != parts[0]->isInt) I.fail("inputs of different types");
    I.defineConstant(0, concatTensors(parts, a, out));
    return;
  }
  std::string list;
  for (size_t i = 0; i < n; ++i) list += (i ? ", " : "") + I.operand(i, nhwc);
  int64_t stored = nhwc ? kToNchw[a] : static_cast<int64_t>(a);
  I.define(0, fmt::format("concat([{}], {})", list, stored), out, nhwc);
}

// Slice's begin and size (and step) on every axis.
struct SliceSpec {
  std::vector<int64_t> begin, size, step;
};

SliceSpec sliceSpec(Importer& I, const Dims& dims) {
  std::vector<int64_t> starts = intsArg(I, 1, "starts", 10, "Slice starts"),
                       ends = intsArg(I, 2, "ends", 10, "Slice ends");
  std::vector<int64_t> axes = intsArg(I, 3, "axes", 10, "Slice axes"),
                       steps = intsArg(I, 4, "steps", 10, "Slice steps");
  if (starts.size() != ends.size()) I.fail("starts and ends differ in length");
  if (axes.empty())
    for (size_t k = 0; k < starts.size(); ++k) axes.push_back(static_cast<int64_t>(k));
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (axes.size() != starts.size() || steps.size() != starts.size())
    I.fail("axes or steps differ from starts in length");
  SliceSpec s;
  s.begin.assign(dims.size(), 0);
  s.step.assign(dims.size(), 1);
  s.size = dims;
  for (size_t k = 0; k < starts.size(); ++k) {
    auto a = static_cast<size_t>(I.axis(axes[k], dims.size()));
    int64_t n = dims[a], step = steps[k];
    if (n == kBatchDim) I.unsupported("slicing the batch");
    if (step == 0) I.fail("a step of 0");
    auto clampTo = [&](int64_t v, int64_t lo, int64_t hi) {
      if (v < 0) v += n;
      return std::min(std::max(v, lo), hi);
    };
    int64_t b = step > 0 ? clampTo(starts[k], 0, n) : clampTo(starts[k], -1, n - 1);
    int64_t e = step > 0 ? clampTo(ends[k], 0, n) : clampTo(ends[k], -1, n - 1);
    if (ends[k] < -n && step < 0) e = -1;
    int64_t count =
        step > 0 ? std::max<int64_t>((e - b + step - 1) / step, 0) : std::max<int64_t>((b - e - step - 1) / -step, 0);
    s.begin[a] = b, s.size[a] = count, s.step[a] = step;
  }
  return s;
}

void slice(Importer& I) {
  const Value& x = I.input(0);
  SliceSpec s = sliceSpec(I, x.dims);
  if (x.constant) {
    Tensor r;
    r.isInt = x.constant->isInt;
    r.dims = s.size;
    std::vector<int64_t> strides = stridesOf(x.dims), index(x.dims.size(), 0);
    int64_t n = dimsElementCount(s.size);
    for (int64_t k = 0; k < n; ++k) {
      int64_t src = 0;
      for (size_t d = 0; d < index.size(); ++d) src += (s.begin[d] + index[d] * s.step[d]) * strides[d];
      copyElement(*x.constant, src, r);
      for (size_t d = index.size(); d-- > 0;) {
        if (++index[d] < s.size[d]) break;
        index[d] = 0;
      }
    }
    I.defineConstant(0, r);
    return;
  }
  for (int64_t step : s.step)
    if (step != 1) I.unsupported("a step other than 1 on a graph value");
  for (int64_t size : s.size)
    if (size == 0) I.unsupported("an empty slice");
  std::vector<int64_t> begin(x.dims.size()), size(x.dims.size());
  for (size_t a = 0; a < x.dims.size(); ++a) {
    auto j = static_cast<size_t>(storedAxis(x, static_cast<int64_t>(a)));
    begin[j] = s.begin[a];
    size[j] = x.dims[a] == kBatchDim ? -1 : s.size[a];
  }
  I.define(0, fmt::format("slice({}, {}, {})", x.expr, Importer::intList(begin), Importer::intList(size)), s.size,
           x.nhwc);
}

void pad(Importer& I) {
  const Value& x = I.input(0);
  size_t rank = x.dims.size();
  std::string mode = I.attrString("mode", "constant");
  std::vector<int64_t> pads = intsArg(I, 1, "pads", 11, "Pad pads", true);
  if (I.opset() < 2 && pads.empty()) pads = I.attrSizes("paddings");
  double value = I.opset() < 11 ? I.attrFloat("value", 0) : (I.hasInput(2) ? I.scalarInput(2, "pad value") : 0);
  if (I.hasInput(3)) I.unsupported("Pad's axes input");
  if (pads.size() != 2 * rank) I.fail(fmt::format("pads has {} entries for a rank-{} input", pads.size(), rank));
  if (mode != "constant" && mode != "reflect")
    I.unsupported("pad mode '" + mode + "' (graphc pads with a constant or reflects: constant and reflect)");
  Dims out = x.dims;
  std::vector<int64_t> stored(2 * rank, 0), cropBegin(rank, 0), cropSize(rank, -1);
  bool crop = false;
  for (size_t a = 0; a < rank; ++a) {
    int64_t b = pads[a], e = pads[a + rank];
    if (x.dims[a] == kBatchDim) {
      if (b || e) I.unsupported("padding the batch");
      continue;
    }
    out[a] = x.dims[a] + b + e;
    if (out[a] < 1) I.fail("pads that leave nothing");
    auto j = static_cast<size_t>(storedAxis(x, static_cast<int64_t>(a)));
    stored[2 * j] = std::max<int64_t>(b, 0), stored[2 * j + 1] = std::max<int64_t>(e, 0);
    // Negative pads crop: a slice after the padding.
    if (b < 0 || e < 0) {
      crop = true;
      cropBegin[j] = std::max<int64_t>(-b, 0);
      cropSize[j] = out[a];
    }
  }
  if (x.constant) I.unsupported("padding a constant");
  std::string pairs, e = x.expr;
  bool grows = false;
  for (size_t j = 0; j < rank; ++j) {
    pairs += fmt::format("{}[{}, {}]", j ? ", " : "", stored[2 * j], stored[2 * j + 1]);
    grows = grows || stored[2 * j] || stored[2 * j + 1];
  }
  if (grows) {
    e = fmt::format("pad({}, [{}]", x.expr, pairs);
    if (mode == "reflect")
      e += ", mode = reflect)";
    else
      e += value != 0 ? fmt::format(", value = {})", Importer::number(value)) : ")";
  }
  if (crop) e = fmt::format("slice({}, {}, {})", e, Importer::intList(cropBegin), Importer::intList(cropSize));
  I.define(0, e, out, x.nhwc);
}

void shape(Importer& I) {
  const Value& x = I.input(0);
  auto rank = static_cast<int64_t>(x.dims.size());
  int64_t start = I.attrInt("start", 0), end = I.attrInt("end", rank);
  start = std::min(std::max(start < 0 ? start + rank : start, int64_t{0}), rank);
  end = std::min(std::max(end < 0 ? end + rank : end, int64_t{0}), rank);
  Tensor t;
  t.isInt = true;
  for (int64_t k = start; k < end; ++k)
    t.i.push_back(x.dims[static_cast<size_t>(k)] == kBatchDim ? kSymbolicBatch : x.dims[static_cast<size_t>(k)]);
  t.dims = {static_cast<int64_t>(t.i.size())};
  I.defineConstant(0, t);
}

void gather(Importer& I) {
  const Tensor& data = I.constantInput(0, "Gather data");
  const Tensor& indices = I.constantInput(1, "Gather indices");
  if (!indices.isInt) I.fail("indices must be integers");
  auto a = static_cast<size_t>(I.axis(I.attrInt("axis", 0), data.dims.size()));
  Dims out(data.dims.begin(), data.dims.begin() + static_cast<int64_t>(a));
  out.insert(out.end(), indices.dims.begin(), indices.dims.end());
  out.insert(out.end(), data.dims.begin() + static_cast<int64_t>(a) + 1, data.dims.end());
  I.checkShape(out);  // before the gathered copy is built
  int64_t outer = 1, inner = 1, n = data.dims[a];
  for (size_t k = 0; k < a; ++k) outer *= data.dims[k];
  for (size_t k = a + 1; k < data.dims.size(); ++k) inner *= data.dims[k];
  Tensor r;
  r.isInt = data.isInt;
  r.dims = out;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t idx : indices.i) {
      if (idx < -n || idx >= n) I.fail(fmt::format("index {} is outside an axis of {}", idx, n));
      if (idx < 0) idx += n;
      for (int64_t k = 0; k < inner; ++k) copyElement(data, (o * n + idx) * inner + k, r);
    }
  I.defineConstant(0, r);
}

void cast(Importer& I) {
  const Value& x = I.input(0);
  int64_t to = I.attrInt("to", 0);
  bool toFloat = to == onnx::TensorProto_DataType_FLOAT || to == onnx::TensorProto_DataType_DOUBLE;
  if (x.constant) {
    Tensor t = *x.constant;
    if (toFloat && t.isInt) {
      for (int64_t v : t.i) t.f.push_back(static_cast<float>(v));
      t.i.clear();
    } else if (!toFloat && !t.isInt) {
      for (float v : t.f)
        t.i.push_back(to == onnx::TensorProto_DataType_BOOL ? v != 0 : saturatedInt(static_cast<double>(v)));
      t.f.clear();
    }
    t.isInt = !toFloat;
    I.defineConstant(0, t);
    return;
  }
  if (!toFloat || x.isInt) I.unsupported("a cast of a graph value to or from an integer type");
  I.alias(0, x);
}

void constantOfShape(Importer& I) {
  const Tensor& shape = I.constantInput(0, "ConstantOfShape shape");
  Tensor value;
  value.f = {0};
  if (I.hasAttr("value")) value = I.attrTensor("value");
  if (value.size() != 1) I.fail("value must hold one element");
  Tensor t;
  t.isInt = value.isInt;
  for (int64_t d : shape.i) {
    if (d < 0 || d > (int64_t{1} << 24)) I.unsupported("a dynamic or huge shape");
    t.dims.push_back(d);
  }
  int64_t n = dimsElementCount(t.dims);
  if (n > (int64_t{1} << 24)) I.unsupported("a constant of more than 2^24 elements");
  for (int64_t k = 0; k < n; ++k) copyElement(value, 0, t);
  I.defineConstant(0, t);
}

void constant(Importer& I) {
  Tensor t;
  if (I.hasAttr("value")) {
    t = I.attrTensor("value");
  } else if (I.hasAttr("value_float")) {
    t.f = {I.attrFloat("value_float", 0)};
  } else if (I.hasAttr("value_floats")) {
    t.f = I.attrFloats("value_floats");
    t.dims = {static_cast<int64_t>(t.f.size())};
  } else if (I.hasAttr("value_int")) {
    t.isInt = true, t.i = {I.attrInt("value_int", 0)};
  } else if (I.hasAttr("value_ints")) {
    t.isInt = true, t.i = I.attrInts("value_ints");
    t.dims = {static_cast<int64_t>(t.i.size())};
  } else {
    I.unsupported("a Constant without a dense value (sparse or string constants)");
  }
  I.defineConstant(0, t);
}

// Dropout at inference is the identity (its mask output is not supported).
void dropout(Importer& I) {
  if (I.outputCount() > 1 && !I.node().output(1).empty()) I.unsupported("Dropout's mask output");
  if (I.opset() >= 12 && I.hasInput(2) && I.scalarInput(2, "training_mode") != 0)
    I.unsupported("Dropout in training mode (graphc imports inference graphs)");
  I.alias(0, I.input(0));
}

}  // namespace

void addShapeOps(OpTable& t) {
  t["Reshape"] = reshape;
  t["Flatten"] = flatten;
  t["Unsqueeze"] = [](Importer& I) { unsqueezeOrSqueeze(I, true); };
  t["Squeeze"] = [](Importer& I) { unsqueezeOrSqueeze(I, false); };
  t["Transpose"] = transpose;
  t["Concat"] = concat;
  t["Slice"] = slice;
  t["Pad"] = pad;
  t["Shape"] = shape;
  t["Gather"] = gather;
  t["Cast"] = cast;
  t["ConstantOfShape"] = constantOfShape;
  t["Constant"] = constant;
  t["Identity"] = [](Importer& I) { I.alias(0, I.input(0)); };
  t["Dropout"] = dropout;
}

}  // namespace graphc
