// \file ONNX convolutions, pooling, normalization and resizing on NHWC values.
#include <fmt/core.h>

#include <cfloat>
#include <cmath>

#include "importer/onnx_fold.h"
#include "importer/onnx_importer.h"

namespace graphc {
namespace {

// The padding of one spatial axis, ONNX's begin and end.
struct AxisPads {
  int64_t begin = 0, end = 0;
};

// The pads of a window op (Conv, MaxPool, AveragePool) along H and W: explicit `pads` or
// auto_pad's, for windows spanning span[d] elements.
std::vector<AxisPads> windowPads(const Importer& I, const Dims& in, const std::vector<int64_t>& span,
                                 const std::vector<int64_t>& strides) {
  std::string autoPad = I.attrString("auto_pad", "NOTSET");
  std::vector<AxisPads> pads(2);
  if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
    for (size_t d = 0; d < 2; ++d) {
      int64_t n = in[d + 2], s = strides[d];
      int64_t total = std::max<int64_t>(((n + s - 1) / s - 1) * s + span[d] - n, 0);
      int64_t small = total / 2;
      pads[d] = autoPad == "SAME_UPPER" ? AxisPads{small, total - small} : AxisPads{total - small, small};
    }
  } else if (autoPad == "NOTSET") {
    std::vector<int64_t> p = I.attrSizes("pads", {0, 0, 0, 0});
    if (p.size() != 4) I.fail(fmt::format("pads has {} entries, expected 4 (2-D windows)", p.size()));
    for (int64_t v : p)
      if (v < 0) I.unsupported("negative pads");
    pads = {{p[0], p[2]}, {p[1], p[3]}};
  } else if (autoPad != "VALID") {
    I.fail("unknown auto_pad '" + autoPad + "' (expected NOTSET, SAME_UPPER, SAME_LOWER or VALID)");
  }
  return pads;
}

// Whether the pads are TensorFlow's `same` for these windows (the smaller half first).
bool isTfSame(const Dims& in, const std::vector<AxisPads>& pads, const std::vector<int64_t>& span,
              const std::vector<int64_t>& strides) {
  for (size_t d = 0; d < 2; ++d) {
    int64_t n = in[d + 2], s = strides[d];
    int64_t total = std::max<int64_t>(((n + s - 1) / s - 1) * s + span[d] - n, 0);
    if (pads[d].begin != total / 2 || pads[d].end != total - total / 2) return false;
  }
  return true;
}

bool isZero(const std::vector<AxisPads>& pads) {
  for (const AxisPads& p : pads)
    if (p.begin || p.end) return false;
  return true;
}

// x padded along H and W (NHWC) with value.
std::string padded(const std::string& x, const std::vector<AxisPads>& pads, const std::string& value = "") {
  if (isZero(pads)) return x;
  return fmt::format("pad({}, [[0, 0], [{}, {}], [{}, {}], [0, 0]]{})", x, pads[0].begin, pads[0].end, pads[1].begin,
                     pads[1].end, value.empty() ? "" : ", value = " + value);
}

std::vector<int64_t> pair(const Importer& I, const std::string& name, int64_t fallback) {
  std::vector<int64_t> v = I.attrSizes(name, {fallback, fallback});
  if (v.size() != 2) I.fail(fmt::format("{} has {} entries, expected 2 (2-D windows)", name, v.size()));
  for (int64_t x : v)
    if (x < 1) I.fail(fmt::format("{} must be positive, found {}", name, x));
  return v;
}

const Value& image(Importer& I) {
  const Value& x = I.input(0);
  if (x.dims.size() != 4)
    I.unsupported(
        fmt::format("a rank-{} input (graphc's {} takes 2-D images, NCHW in ONNX)", x.dims.size(), I.node().op_type()));
  if (x.isInt) I.unsupported("an integer input (graphc computes in f32)");
  if (x.dims[1] == kBatchDim || x.dims[2] == kBatchDim || x.dims[3] == kBatchDim) I.fail("a dynamic image size");
  return x;
}

void conv(Importer& I) {
  const Value& x = image(I);
  const Tensor& w = I.constantInput(1, "convolution weight");
  if (w.dims.size() != 4) I.unsupported(fmt::format("a weight of rank {} (2-D convolutions only)", w.dims.size()));
  std::vector<int64_t> strides = pair(I, "strides", 1), dilation = pair(I, "dilations", 1);
  int64_t group = I.attrInt("group", 1), channels = x.dims[1], filters = w.dims[0];
  std::vector<int64_t> span = {(w.dims[2] - 1) * dilation[0] + 1, (w.dims[3] - 1) * dilation[1] + 1};
  std::vector<AxisPads> pads = windowPads(I, x.dims, span, strides);
  std::string weight;
  std::string op = "conv2d";
  if (group == 1) {
    if (w.dims[1] != channels)
      I.fail(fmt::format("the weight {} takes {} channels, the input has {}", dimsText(w.dims), w.dims[1], channels));
    weight = I.variable(transposed(w, {2, 3, 1, 0}), I.node().input(1), I.input(1).weight);  // OIHW -> HWIO
  } else if (group == channels && w.dims[1] == 1 && filters % channels == 0) {
    // Depthwise: filter c * M + q of ONNX is [kh, kw, c, q] of graphc.
    op = "depthwise_conv2d";
    Tensor split = reshaped(w, {channels, filters / channels, w.dims[2], w.dims[3]});
    weight = I.variable(transposed(split, {2, 3, 0, 1}), I.node().input(1), I.input(1).weight);
  } else {
    I.unsupported(fmt::format("group {} on {} channels (graphc convolves with group 1 or depthwise, group = channels)",
                              group, channels));
  }
  Dims out = {x.dims[0], filters, 0, 0};
  for (size_t d = 0; d < 2; ++d) {
    out[d + 2] = (x.dims[d + 2] + pads[d].begin + pads[d].end - span[d]) / strides[d] + 1;
    if (out[d + 2] < 1) I.fail("the kernel is larger than the padded input");
  }
  std::string in = I.operand(0, true), padding = "valid";
  if (!isZero(pads) && isTfSame(x.dims, pads, span, strides))
    padding = "same";
  else
    in = padded(in, pads);
  std::string e =
      fmt::format("{}({}, {}, strides = {}, padding = {}", op, in, weight, Importer::intList(strides), padding);
  if (dilation != std::vector<int64_t>{1, 1}) e += ", dilation = " + Importer::intList(dilation);
  e += ")";
  if (I.hasInput(2)) e += " + " + I.operand(2, false);
  I.define(0, e, out, true);
}

void convTranspose(Importer& I) {
  const Value& x = image(I);
  const Tensor& w = I.constantInput(1, "convolution weight");
  if (w.dims.size() != 4) I.unsupported(fmt::format("a weight of rank {} (2-D convolutions only)", w.dims.size()));
  if (I.attrInt("group", 1) != 1) I.unsupported("a grouped transposed convolution (group 1 only)");
  if (w.dims[0] != x.dims[1])
    I.fail(fmt::format("the weight {} takes {} channels, the input has {}", dimsText(w.dims), w.dims[0], x.dims[1]));
  std::vector<int64_t> strides = pair(I, "strides", 1), dilation = pair(I, "dilations", 1);
  std::vector<int64_t> outPad = I.attrSizes("output_padding", {0, 0}), outShape = I.attrSizes("output_shape");
  if (outPad.size() != 2) I.fail("output_padding needs 2 entries");
  std::string autoPad = I.attrString("auto_pad", "NOTSET");
  std::vector<int64_t> explicitPads = I.attrSizes("pads", {0, 0, 0, 0});
  if (explicitPads.size() != 4) I.fail("pads needs 4 entries");
  Dims out = {x.dims[0], w.dims[1], 0, 0};
  std::vector<AxisPads> pads(2);
  std::vector<int64_t> full(2);
  for (size_t d = 0; d < 2; ++d) {
    int64_t n = x.dims[d + 2], s = strides[d], span = (w.dims[d + 2] - 1) * dilation[d] + 1;
    full[d] = n * s + std::max<int64_t>(span - s, 0);  // graphc's conv2d_transpose, padding valid
    int64_t natural = s * (n - 1) + outPad[d] + span;
    if (!outShape.empty() || autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
      int64_t target = outShape.empty() ? n * s : outShape[outShape.size() - 2 + d];
      // ONNX's rule with Python's floor division: a negative total pads the end.
      int64_t total = natural - target, half = total >= 0 ? total / 2 : -((1 - total) / 2);
      pads[d] = autoPad == "SAME_UPPER" ? AxisPads{half, total - half} : AxisPads{total - half, half};
    } else if (autoPad == "NOTSET") {
      pads[d] = {explicitPads[d], explicitPads[d + 2]};
    }
    out[d + 2] = natural - pads[d].begin - pads[d].end;
    if (out[d + 2] < 1) I.fail("pads that leave no output");
  }
  std::string weight = I.variable(transposed(w, {2, 3, 1, 0}), I.node().input(1), I.input(1).weight);
  std::string e = fmt::format("conv2d_transpose({}, {}, strides = {}, padding = valid", I.operand(0, true), weight,
                              Importer::intList(strides));
  if (dilation != std::vector<int64_t>{1, 1}) e += ", dilation = " + Importer::intList(dilation);
  e += ")";
  // ONNX's output is rows [begin, begin + out) of the full one; rows outside it (output_padding,
  // negative pads) are zeros.
  std::vector<AxisPads> extend(2);
  bool crop = false;
  for (size_t d = 0; d < 2; ++d) {
    extend[d] = {std::max<int64_t>(-pads[d].begin, 0), std::max<int64_t>(pads[d].begin + out[d + 2] - full[d], 0)};
    crop = crop || pads[d].begin > 0 || out[d + 2] != full[d] + extend[d].begin + extend[d].end;
  }
  e = padded(e, extend);
  if (crop)
    e = fmt::format("slice({}, [0, {}, {}, 0], [-1, {}, {}, -1])", e, std::max<int64_t>(pads[0].begin, 0),
                    std::max<int64_t>(pads[1].begin, 0), out[2], out[3]);
  if (I.hasInput(2)) e += " + " + I.operand(2, false);
  I.define(0, e, out, true);
}

// MaxPool and AveragePool.
void pool(Importer& I, bool max) {
  const Value& x = image(I);
  if (I.outputCount() > 1 && !I.node().output(1).empty()) I.unsupported("MaxPool's Indices output");
  std::vector<int64_t> kernel = I.attrSizes("kernel_shape");
  if (kernel.size() != 2) I.unsupported(fmt::format("a {}-D window (2-D pooling only)", kernel.size()));
  for (int64_t k : kernel)
    if (k < 1) I.fail("kernel_shape must be positive");
  std::vector<int64_t> strides = pair(I, "strides", 1);
  if (pair(I, "dilations", 1) != std::vector<int64_t>{1, 1}) I.unsupported("dilated pooling");
  std::vector<AxisPads> pads = windowPads(I, x.dims, kernel, strides);
  bool ceil = I.attrInt("ceil_mode", 0) != 0;
  Dims out = {x.dims[0], x.dims[1], 0, 0};
  std::vector<AxisPads> total = pads;  // with the rows ceil_mode adds at the end
  for (size_t d = 0; d < 2; ++d) {
    int64_t n = x.dims[d + 2] + pads[d].begin + pads[d].end - kernel[d], s = strides[d];
    if (n < 0) I.fail("the window is larger than the padded input");
    int64_t o = (ceil ? (n + s - 1) / s : n / s) + 1;
    // As PyTorch and ONNX Runtime: the last window starts inside the input or its leading padding.
    if (ceil && (o - 1) * s >= x.dims[d + 2] + pads[d].begin) --o;
    out[d + 2] = o;
    total[d].end += std::max<int64_t>((o - 1) * s + kernel[d] - (x.dims[d + 2] + pads[d].begin + pads[d].end), 0);
  }
  I.checkShape(out);  // before the average's per-position counts are built
  std::string in = I.operand(0, true);
  std::string args = fmt::format("size = {}, strides = {}", Importer::intList(kernel), Importer::intList(strides));
  if (max) {
    std::string e = isZero(total) || !isTfSame(x.dims, total, kernel, strides)
                        ? fmt::format("max_pool({}, {})", padded(in, total, "-3.4028234663852886e38"), args)
                        : fmt::format("max_pool({}, {}, padding = same)", in, args);
    I.define(0, e, out, true);
    return;
  }
  // The mean over each window's counted elements: graphc averages the zero-padded windows over
  // all kh * kw, and a constant per output position rescales to the count ONNX divides by (the
  // real elements, or with count_include_pad the explicit padding too, never ceil_mode's rows).
  bool includePad = I.attrInt("count_include_pad", 0) != 0;
  std::vector<std::vector<int64_t>> counts(2);
  bool exact = true;
  for (size_t d = 0; d < 2; ++d) {
    int64_t lo = includePad ? -pads[d].begin : 0, hi = x.dims[d + 2] + (includePad ? pads[d].end : 0);
    for (int64_t o = 0; o < out[d + 2]; ++o) {
      int64_t start = o * strides[d] - pads[d].begin;
      int64_t c = std::min(start + kernel[d], hi) - std::max(start, lo);
      counts[d].push_back(c);
      exact = exact && c == kernel[d];
    }
  }
  std::string e = fmt::format("avg_pool({}, {})", padded(in, total), args);
  if (!exact) {
    Tensor scale;
    scale.dims = {1, out[2], out[3], 1};  // NHWC
    for (int64_t h : counts[0])
      for (int64_t w : counts[1])
        scale.f.push_back(static_cast<float>(kernel[0] * kernel[1]) / static_cast<float>(h * w));
    e += " * " + I.variable(scale, I.node().output(0) + "_scale", false);
  }
  I.define(0, e, out, true);
}

void batchNorm(Importer& I) {
  const Value& x = I.input(0);
  if (I.attrInt("training_mode", 0) != 0 || (I.outputCount() > 1 && !I.node().output(1).empty()))
    I.unsupported("BatchNormalization in training mode (graphc imports inference graphs)");
  if (I.opset() < 9 && I.attrInt("spatial", 1) != 1) I.unsupported("spatial = 0");
  if (x.dims.size() != 4 && x.dims.size() != 2)
    I.unsupported(fmt::format("a rank-{} input (rank 2 or 4 only)", x.dims.size()));
  float epsilon = I.attrFloat("epsilon", 1e-5f);
  std::vector<std::string> params;
  for (size_t i = 1; i <= 4; ++i) {
    const Tensor& t = I.constantInput(i, "batch normalization parameter");
    if (t.dims != Dims{x.dims[1]})
      I.fail(fmt::format("parameter {} is {}, expected [{}]", i, dimsText(t.dims), x.dims[1]));
    params.push_back(i <= 2 ? I.operand(i, false) : I.variable(t, I.node().input(static_cast<int>(i)), false));
  }
  bool nhwc = x.dims.size() == 4;
  I.define(0,
           fmt::format("batch_norm({}, {}, {}, {}, {}, epsilon = {})", I.operand(0, nhwc), params[0], params[1],
                       params[2], params[3], Importer::number(epsilon)),
           x.dims, nhwc);
}

// The output size of Resize or Upsample from its scales or sizes, and whether graphc's resize
// (TensorFlow 2's half-pixel centres) computes ONNX's mode and coordinates on it.
void resize(Importer& I) {
  const Value& x = image(I);
  bool upsample = I.node().op_type() == "Upsample";
  std::string mode = I.attrString("mode", "nearest");
  std::vector<double> scales;
  Dims sizes;
  if (upsample && I.opset() < 9) {
    for (float s : I.attrFloats("scales")) scales.push_back(s);
  } else {
    size_t scalesAt = upsample || I.opset() < 11 ? 1 : 2;
    if (I.hasInput(scalesAt) && I.constantInput(scalesAt, "scales").size() > 0) {
      const Tensor& t = I.constantInput(scalesAt, "scales");
      for (int64_t k = 0; k < t.size(); ++k) scales.push_back(t.at(k));
    } else if (!upsample && I.hasInput(3)) {
      const Tensor& t = I.constantInput(3, "sizes");
      for (int64_t k = 0; k < t.size(); ++k) sizes.push_back(saturatedInt(t.at(k)));
    }
  }
  Dims out = x.dims;
  if (!sizes.empty()) {
    if (sizes.size() != 4) I.fail(fmt::format("sizes has {} entries, expected 4", sizes.size()));
    if (sizes[1] != x.dims[1] || (x.dims[0] != kBatchDim && sizes[0] != x.dims[0]))
      I.unsupported("resizing the batch or channel axis");
    out[2] = sizes[2], out[3] = sizes[3];
  } else {
    if (scales.size() != 4) I.fail(fmt::format("scales has {} entries, expected 4", scales.size()));
    if (scales[0] != 1 || scales[1] != 1) I.unsupported("resizing the batch or channel axis");
    for (size_t d = 2; d < 4; ++d) {
      out[d] = saturatedInt(std::floor(static_cast<double>(x.dims[d]) * scales[d]));
      // ONNX maps coordinates with the given scale; graphc with out / in: they must agree.
      if (std::abs(static_cast<double>(out[d]) / static_cast<double>(x.dims[d]) - scales[d]) > 1e-6)
        I.unsupported("a scale that is not the ratio of whole output and input sizes");
    }
  }
  if (out[2] < 1 || out[3] < 1) I.fail("an empty output");
  std::string coordinates =
      I.attrString("coordinate_transformation_mode", upsample || I.opset() < 11 ? "asymmetric" : "half_pixel");
  std::string nearestMode = I.attrString("nearest_mode", upsample || I.opset() < 11 ? "floor" : "round_prefer_floor");
  bool same = out[2] == x.dims[2] && out[3] == x.dims[3];
  bool wholeUpscale = out[2] % x.dims[2] == 0 && out[3] % x.dims[3] == 0;
  std::string method;
  if (mode == "nearest") {
    bool halfPixel = coordinates == "half_pixel" || coordinates == "pytorch_half_pixel";
    bool matches = (coordinates == "asymmetric" && nearestMode == "floor") ||
                   (halfPixel && (nearestMode == "round_prefer_floor" || nearestMode == "round_prefer_ceil"));
    if (!same && !(matches && wholeUpscale))
      I.unsupported(
          fmt::format("nearest resizing with coordinate_transformation_mode '{}' and nearest_mode '{}' to {} "
                      "(graphc's nearest equals ONNX's for whole upscaling factors with asymmetric/floor or "
                      "half_pixel/round_prefer_floor)",
                      coordinates, nearestMode, dimsText(out)));
    method = "nearest";
  } else if (mode == "linear" || mode == "bilinear") {
    bool halfPixel = coordinates == "half_pixel" || (coordinates == "pytorch_half_pixel" && out[2] > 1 && out[3] > 1);
    if (!same && !halfPixel)
      I.unsupported(
          fmt::format("linear resizing with coordinate_transformation_mode '{}' (graphc's bilinear is "
                      "half_pixel, as TensorFlow 2 and PyTorch's align_corners = False)",
                      coordinates));
    method = "bilinear";
  } else {
    I.unsupported("resize mode '" + mode + "' (nearest and linear only)");
  }
  if (!upsample && coordinates == "tf_crop_and_resize") I.unsupported("tf_crop_and_resize");
  I.define(0, fmt::format("resize({}, [{}, {}], method = {})", I.operand(0, true), out[2], out[3], method), out, true);
}

// GlobalAveragePool and GlobalMaxPool: the NHWC mean or maximum over H and W, kept as [N, 1, 1, C].
void globalPool(Importer& I, const std::string& reduce) {
  const Value& x = image(I);
  I.define(0, fmt::format("{}({}, axis = [1, 2], keepdims = true)", reduce, I.operand(0, true)),
           {x.dims[0], x.dims[1], 1, 1}, true);
}

}  // namespace

void addNnOps(OpTable& t) {
  t["Conv"] = conv;
  t["ConvTranspose"] = convTranspose;
  t["MaxPool"] = [](Importer& I) { pool(I, true); };
  t["AveragePool"] = [](Importer& I) { pool(I, false); };
  t["GlobalAveragePool"] = [](Importer& I) { globalPool(I, "reduce_mean"); };
  t["GlobalMaxPool"] = [](Importer& I) { globalPool(I, "reduce_max"); };
  t["BatchNormalization"] = batchNorm;
  t["Resize"] = resize;
  t["Upsample"] = resize;
}

}  // namespace graphc
