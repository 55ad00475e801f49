// \file The type rules ir/ops.def names (defined in type_rules.cpp and type_rules_nn.cpp) and the
// small checks they share.
#pragma once

#include <string>

#include "ir/op_table.h"

namespace graphc {
namespace typerules {

// "f32[?,28,28,6]": a value as error messages show it.
std::string describe(const Node& n);
void requireFloat(TypeContext& c, size_t i);
// The output takes the dtype and shape of input 0 (of input k).
void sameAsInput0(TypeContext& c);
void sameAsInputK(TypeContext& c, size_t k);
// An f32 input, the output of the same type.
void unaryFloat(TypeContext& c);

void arithmetic(TypeContext& c);           // broadcasting, operands of one dtype
void comparison(TypeContext& c);           // broadcasting, a bool result
void binaryFloat(TypeContext& c);          // broadcasting, f32 operands
void sameAsInput1(TypeContext& c);         // gradient helpers typed like input 1
void sameAsInput2(TypeContext& c);         // gradient helpers typed like input 2
void shapedLikeInput1(TypeContext& c);     // input 0's dtype in input 1's shape
void inferSource(TypeContext& c);          // attrs dtype (default f32) and shape (-2: the batch)
void inferCast(TypeContext& c);            // attr dtype, the input's shape
void inferConv(TypeContext& c);            // NHWC x HWIO; sets attrs pad_top, pad_left
void inferPool(TypeContext& c);            // NHWC windows; sets attrs pad_top, pad_left
void inferMatmul(TypeContext& c);          // attrs transpose_a, transpose_b
void inferReshape(TypeContext& c);         // attr target: -1 inferred, -2 the batch
void inferReduce(TypeContext& c);          // attrs axes (normalized; empty: all), keepdims; argmax gives i32
void inferClassification(TypeContext& c);  // scores [batch, classes], labels ids or one-hot: an f32 scalar
void inferClip(TypeContext& c);            // clip(x, lo, hi): one numeric dtype, broadcast together
void inferWhere(TypeContext& c);           // where(c, a, b): bool c, a and b of one dtype, broadcast together
void inferBatchNorm(TypeContext& c);       // batch_norm(x, gamma, beta, mean, var): statistics broadcast into x
void inferDropout(TypeContext& c);         // dropout(x, keep_prob, training, step): f32, f32, f32, i32 scalars
void inferTranspose(TypeContext& c);       // attr perm, normalized (default reversed)
void inferConcat(TypeContext& c);          // attr axis, normalized; not along the batch dimension
void inferSliceAxis(TypeContext& c);       // attrs axis, begin, size
void inferOneHot(TypeContext& c);          // attr depth: i32 [...] -> f32 [..., depth]
void lastAxisFloat(TypeContext& c);        // f32 of rank >= 1 (ops over the last axis)
void inferElementCount(TypeContext& c);    // attr axes normalized (empty: all); an f32 scalar
// v2 nn ops (type_rules_v2nn.cpp)
void inferGlobalPool(TypeContext& c);     // NHWC -> [N, C]
void inferDepthwiseConv(TypeContext& c);  // NHWC x [kh, kw, C, M] -> [N, OH, OW, C*M]; sets pad_top, pad_left
void inferConvTranspose(TypeContext& c);  // NHWC x [kh, kw, F, C] -> [N, OH, OW, F]; sets pad_top, pad_left
void inferResize(TypeContext& c);         // NHWC -> [N, size[0], size[1], C]; method nearest or bilinear
void inferTile(TypeContext& c);           // multiples: one positive int per axis (1 for the batch)
void inferPad(TypeContext& c);            // paddings: before, after per axis; mode constant, reflect or symmetric
// Shared checks (type_rules.cpp).
void requireRank(TypeContext& c, size_t i, size_t rank, const std::string& what);
void requireWindow(TypeContext& c, const char* attr);
// conv2d and depthwise_conv2d: an NHWC input and a [kh, kw, C, ...] filter (described as filter)
// of the input's C channels, strides/dilation/padding as [h, w]; sets pad_top/pad_left and the
// output [N, H', W', w[3]] (depthwise: [N, H', W', C * M]). op names the op in messages.
void inferWindowedConv(TypeContext& c, const std::string& op, const char* filter, bool depthwise);

}  // namespace typerules
}  // namespace graphc
