// \file Type rules shared by the op table's files: small checks (ir/op_table.cpp) and the rules of
// the selection, shape and normalization ops (ir/type_rules_nn.cpp).
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

void inferClip(TypeContext& c);          // clip(x, lo, hi): one numeric dtype, broadcast together
void inferWhere(TypeContext& c);         // where(c, a, b): bool c, a and b of one dtype, broadcast together
void inferBatchNorm(TypeContext& c);     // batch_norm(x, gamma, beta, mean, var): statistics broadcast into x
void inferDropout(TypeContext& c);       // dropout(x, keep_prob, training, step): f32, f32, f32, i32 scalars
void inferTranspose(TypeContext& c);     // attr perm, normalized (default reversed)
void inferConcat(TypeContext& c);        // attr axis, normalized; not along the batch dimension
void inferSliceAxis(TypeContext& c);     // attrs axis, begin, size
void inferOneHot(TypeContext& c);        // attr depth: i32 [...] -> f32 [..., depth]
void lastAxisFloat(TypeContext& c);      // f32 of rank >= 1 (ops over the last axis)
void inferElementCount(TypeContext& c);  // attr axes normalized (empty: all); an f32 scalar

}  // namespace typerules
}  // namespace graphc
