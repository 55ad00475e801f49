// \file Gradient-check cases of the v2 nn ops: global average pooling, the depthwise
// convolution (multipliers, strides, dilation, both paddings), the transposed convolution,
// resize (nearest, bilinear; up and down) and pad (constant, crop, reflect, symmetric).
#include "frontend/layers.h"
#include "frontend/lower_program.h"
#include "frontend/parser.h"
#include "kernels/gradcheck.h"

namespace graphc {
namespace {

struct Window {
  const char* name;
  Shape x, w;
  std::vector<int64_t> strides, dilation;
  const char* padding;
};

Attrs windowAttrs(const Window& c) {
  return Attrs().set("strides", c.strides).set("dilation", c.dilation).set("padding", std::string(c.padding));
}

}  // namespace

void addV2NNCases(std::vector<GradCase>& cases) {
  cases.push_back({"global_avg_pool", [](GradGraph& gg) {
                     return gg.op(Op::GlobalAvgPool, {gg.variable("x", randomTensor({2, 3, 4, 5}, gg.rng))});
                   }});
  // w is [kh, kw, C, M].
  const Window depthwise[] = {
      {"Valid", {2, 5, 5, 3}, {3, 3, 3, 1}, {1, 1}, {1, 1}, "valid"},
      {"SameMultiplier2", {1, 6, 6, 2}, {3, 3, 2, 2}, {1, 1}, {1, 1}, "same"},
      {"SameStride2", {1, 7, 7, 3}, {3, 3, 3, 1}, {2, 2}, {1, 1}, "same"},
      {"ValidStride2Multiplier3", {1, 7, 6, 2}, {2, 3, 2, 3}, {2, 2}, {1, 1}, "valid"},
      {"SameDilation2", {1, 7, 7, 2}, {3, 3, 2, 1}, {1, 1}, {2, 2}, "same"},
      // Enough channels for the CPU schedule's channel vectors (16 lanes with AVX-512).
      {"SixteenChannels", {1, 5, 6, 16}, {3, 3, 16, 1}, {1, 1}, {1, 1}, "same"},
  };
  for (const Window& c : depthwise)
    cases.push_back({std::string("depthwise_conv2d_") + c.name, [c](GradGraph& gg) {
                       int x = gg.variable("x", randomTensor(c.x, gg.rng));
                       int w = gg.variable("w", randomTensor(c.w, gg.rng));
                       return gg.op(Op::DepthwiseConv2d, {x, w}, windowAttrs(c));
                     }});
  // w is [kh, kw, filters, C].
  const Window transposed[] = {
      {"Valid", {1, 3, 3, 2}, {3, 3, 2, 2}, {1, 1}, {1, 1}, "valid"},
      {"SameStride2", {2, 3, 4, 2}, {3, 3, 3, 2}, {2, 2}, {1, 1}, "same"},
      {"ValidStride2", {1, 3, 3, 1}, {3, 3, 2, 1}, {2, 2}, {1, 1}, "valid"},
      {"ValidKernelSmallerThanStride", {1, 3, 3, 2}, {2, 2, 1, 2}, {3, 3}, {1, 1}, "valid"},
      {"SameEvenKernelStride2", {1, 3, 3, 2}, {4, 4, 2, 2}, {2, 2}, {1, 1}, "same"},
      {"SameDilation2", {1, 4, 4, 1}, {3, 3, 2, 1}, {1, 1}, {2, 2}, "same"},
  };
  for (const Window& c : transposed)
    cases.push_back({std::string("conv2d_transpose_") + c.name, [c](GradGraph& gg) {
                       int x = gg.variable("x", randomTensor(c.x, gg.rng));
                       int w = gg.variable("w", randomTensor(c.w, gg.rng));
                       return gg.op(Op::Conv2dTranspose, {x, w}, windowAttrs(c));
                     }});
  struct Resize {
    const char* name;
    Shape x;
    int64_t h, w;
    const char* method;
  };
  // Up (2x, as UpSampling2D), down, and by a scale that is not an integer either way.
  const Resize resizes[] = {{"NearestUp2", {1, 3, 4, 2}, 6, 8, "nearest"},
                            {"NearestDown", {1, 7, 5, 1}, 3, 2, "nearest"},
                            {"BilinearUp2", {2, 3, 3, 2}, 6, 6, "bilinear"},
                            {"BilinearOddScales", {1, 5, 4, 1}, 3, 7, "bilinear"}};
  for (const Resize& r : resizes)
    cases.push_back({std::string("resize_") + r.name, [r](GradGraph& gg) {
                       return gg.op(
                           Op::Resize, {gg.variable("x", randomTensor(r.x, gg.rng))},
                           Attrs().set("size", std::vector<int64_t>{r.h, r.w}).set("method", std::string(r.method)));
                     }});
  struct Pad {
    const char* name;
    Shape x;
    std::vector<int64_t> paddings;
    const char* mode;
  };
  const Pad pads[] = {{"ConstantValue", {2, 3, 4}, {0, 0, 1, 2, 2, 0}, "constant"},
                      {"Crop", {1, 5, 6, 2}, {0, 0, -1, -2, 0, -3, 0, 0}, "constant"},
                      {"Reflect", {1, 4, 5, 2}, {0, 0, 3, 1, 2, 4, 0, 0}, "reflect"},
                      {"Symmetric", {1, 4, 3, 2}, {0, 0, 4, 2, 1, 3, 0, 0}, "symmetric"}};
  for (const Pad& p : pads)
    cases.push_back({std::string("pad_") + p.name, [p](GradGraph& gg) {
                       return gg.op(
                           Op::Pad, {gg.variable("x", randomTensor(p.x, gg.rng))},
                           Attrs().set("paddings", p.paddings).set("mode", std::string(p.mode)).set("value", 0.5));
                     }});
  // The LayerNormalization layer's graph: over the last axis, over a middle one (gamma and beta
  // reshaped to broadcast along the axes after it), and over several axes, adjacent or not.
  struct Norm {
    const char* name;
    std::vector<int64_t> axes, params;
  };
  for (const Norm& norm : {Norm{"axis3", {3}, {5}}, Norm{"axis1", {1}, {3}}, Norm{"axes12", {1, 2}, {3, 4}},
                           Norm{"axes13", {1, 3}, {3, 5}}})
    cases.push_back({std::string("composite_layer_norm_") + norm.name, [norm](GradGraph& gg) {
                       int x = gg.variable("x", randomTensor({2, 3, 4, 5}, gg.rng, -2, 2));
                       Shape params(norm.params.begin(), norm.params.end());
                       int gamma = gg.variable("gamma", randomTensor(params, gg.rng, 0.5, 1.5));
                       int beta = gg.variable("beta", randomTensor(params, gg.rng));
                       return buildLayerNorm(gg.g, x, gamma, beta, norm.axes, 1e-3, {});
                     }});
  // Dense on a rank-3 input (the front end's 1x1 convolution of [N, 1, rows, K]), and stack's
  // and squeeze's reshapes and concat, lowered from the language as users write them.
  cases.push_back({"composite_dense_rank3_stack_squeeze", [](GradGraph& gg) {
                     Program p = parseProgram("t.mnn",
                                              "x = placeholder(f32, [2, 3, 4])\n"
                                              "d = Dense(x, 5)\n"
                                              "s = stack([d, d * d], axis = 1)\n"
                                              "y = squeeze(reduce_sum(s, 3, keepdims = true), 3)\n");
                     Model m = lowerProgram(p);
                     gg.g = m.graph;
                     for (const char* name : {"d/kernel", "d/bias"}) {
                       int id = gg.g.findByName(name);
                       gg.sources[id] = randomTensor(gg.g.node(id).shape, gg.rng);
                       gg.vars.push_back(id);
                     }
                     int x = gg.g.findByName("x");
                     gg.sources[x] = randomTensor({2, 3, 4}, gg.rng);
                     return gg.g.findByName("y");
                   }});
  // split's parts (slice_axis each), used unequally so that each part's gradient differs.
  cases.push_back({"composite_split", [](GradGraph& gg) {
                     gg.g = lowerProgram(parseProgram("t.mnn",
                                                      "x = placeholder(f32, [2, 6, 3])\n"
                                                      "p = split(x, [1, -1, 2], axis = 1)\n"
                                                      "y = concat([p[2] * 3, square(p[1])], 1) + reduce_sum(p[0])\n"))
                                .graph;
                     int x = gg.g.findByName("x");
                     gg.sources[x] = randomTensor({2, 6, 3}, gg.rng);
                     gg.vars.push_back(x);
                     return gg.g.findByName("y");
                   }});
  cases.push_back({"tile", [](GradGraph& gg) {
                     return gg.op(Op::Tile, {gg.variable("x", randomTensor({2, 3, 2}, gg.rng))},
                                  Attrs().set("multiples", std::vector<int64_t>{1, 3, 2}));
                   }});
  cases.push_back({"slice_axis", [](GradGraph& gg) {
                     return gg.op(Op::SliceAxis, {gg.variable("x", randomTensor({2, 6, 3}, gg.rng))},
                                  Attrs().set("axis", int64_t(1)).set("begin", int64_t(2)).set("size", int64_t(3)));
                   }});
  // A given output length that "same" with stride 2 also gives back from 3: 5 instead of 6.
  cases.push_back(
      {"conv2d_transpose_output_shape", [](GradGraph& gg) {
         int x = gg.variable("x", randomTensor({1, 3, 3, 2}, gg.rng));
         int w = gg.variable("w", randomTensor({3, 3, 2, 2}, gg.rng));
         Window c{"", {}, {}, {2, 2}, {1, 1}, "same"};
         return gg.op(Op::Conv2dTranspose, {x, w}, windowAttrs(c).set("output_shape", std::vector<int64_t>{5, 6}));
       }});
}

}  // namespace graphc
