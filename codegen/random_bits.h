// \file Counter-based random bits for dropout masks: a hash of (element, step, seed), written once
// for plain integers and once for Halide expressions, so that a mask is recomputed anywhere (the
// forward kernel, the gradient kernel, the tests' reference) without storing it.
#pragma once

#include <Halide.h>

#include <cstdint>

namespace graphc {

// Chris Wellons' lowbias32 integer hash: a bijection of 32-bit integers with full avalanche.
inline uint32_t mixBits(uint32_t h) {
  h ^= h >> 16;
  h *= 0x7feb352dU;
  h ^= h >> 15;
  h *= 0x846ca68bU;
  h ^= h >> 16;
  return h;
}

// The random bits of element `flat` (its row-major index) of a dropout op with `seed` at `step`.
// For one (step, seed) the key is fixed and the map from flat is a bijection, so no two
// elements of one mask share their bits.
inline uint32_t dropoutBits(uint32_t flat, uint32_t step, uint32_t seed) {
  uint32_t key = mixBits(seed ^ mixBits(step));
  return mixBits(mixBits(flat ^ key) + key);
}

// The top 24 bits as a float in [0, 1): exact in f32, so the kernel and the reference agree.
inline double uniformFromBits(uint32_t bits) { return static_cast<double>(bits >> 8) * (1.0 / 16777216.0); }

// The same three functions on UInt(32) Halide expressions.
inline Halide::Expr mixBits(Halide::Expr h) {
  h = h ^ (h >> 16);
  h = h * Halide::Expr(uint32_t{0x7feb352dU});
  h = h ^ (h >> 15);
  h = h * Halide::Expr(uint32_t{0x846ca68bU});
  return h ^ (h >> 16);
}

inline Halide::Expr dropoutBits(Halide::Expr flat, Halide::Expr step, uint32_t seed) {
  Halide::Expr key = mixBits(Halide::Expr(seed) ^ mixBits(step));
  return mixBits(mixBits(flat ^ key) + key);
}

inline Halide::Expr uniformFromBits(Halide::Expr bits) { return Halide::cast<float>(bits >> 8) * (1.0f / 16777216.0f); }

}  // namespace graphc
