// \file Variable initializers (Keras and TF1 semantics) on a seeded Mersenne Twister.
#include "runtime/initializers.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "support/diagnostics.h"

namespace graphc {
namespace {

// FNV-1a: a stable hash, unlike std::hash, so streams are the same on every build.
uint64_t stableHash(const std::string& s, uint64_t seed) {
  uint64_t h = 1469598103934665603ull ^ (seed * 0x9E3779B97F4A7C15ull);
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

// Uniform in [0, 1) from 53 random bits: defined by us, not by the standard library's distributions.
double uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * (1.0 / 9007199254740992.0); }

double normal(std::mt19937_64& rng) {
  // Box-Muller; u1 in (0, 1] so the log is finite.
  double u1 = 1.0 - uniform01(rng), u2 = uniform01(rng);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

double truncatedNormal(std::mt19937_64& rng) {
  for (;;) {
    double x = normal(rng);
    if (std::fabs(x) <= 2.0) return x;
  }
}

// Keras' compute_fans: for rank 3 and more the receptive field (every axis but the last two)
// times the input and output channels (a Conv1D kernel [k, C, F]: k*C in, k*F out).
void fans(const Shape& s, double* fanIn, double* fanOut) {
  if (s.size() >= 3) {
    double receptive = 1;
    for (size_t d = 0; d + 2 < s.size(); ++d) receptive *= static_cast<double>(s[d]);
    *fanIn = receptive * static_cast<double>(s[s.size() - 2]);
    *fanOut = receptive * static_cast<double>(s.back());
  } else if (s.size() == 2) {
    *fanIn = static_cast<double>(s[0]);
    *fanOut = static_cast<double>(s[1]);
  } else {
    double n = s.empty() ? 1.0 : static_cast<double>(s[0]);
    *fanIn = *fanOut = n;
  }
}

// Keras' Orthogonal (gain 1): the variable viewed as a matrix of rows = every axis but the
// last and cols = the last, from the QR factorization of a matrix of standard normals (of the
// taller shape, transposed back if need be) with Q's columns signed by R's diagonal. The
// factorization is modified Gram-Schmidt in double precision: the columns come out orthonormal
// to rounding, and each column's sign makes R's diagonal (its norm before normalizing) positive.
void orthogonal(std::mt19937_64& rng, const Shape& s, float* data) {
  size_t cols = s.empty() ? 1 : static_cast<size_t>(s.back()), rows = 1;
  for (size_t d = 0; d + 1 < s.size(); ++d) rows *= static_cast<size_t>(s[d]);
  size_t tall = std::max(rows, cols), wide = std::min(rows, cols);
  std::vector<std::vector<double>> q(wide, std::vector<double>(tall));  // columns of a tall x wide matrix
  for (size_t i = 0; i < tall; ++i)
    for (size_t j = 0; j < wide; ++j) q[j][i] = normal(rng);
  for (size_t j = 0; j < wide; ++j) {
    for (size_t k = 0; k < j; ++k) {
      double dot = 0;
      for (size_t i = 0; i < tall; ++i) dot += q[k][i] * q[j][i];
      for (size_t i = 0; i < tall; ++i) q[j][i] -= dot * q[k][i];
    }
    double norm = 0;
    for (double v : q[j]) norm += v * v;
    norm = std::sqrt(norm);
    for (double& v : q[j]) v /= norm;
  }
  for (size_t r = 0; r < rows; ++r)
    for (size_t c = 0; c < cols; ++c) data[r * cols + c] = static_cast<float>(rows >= cols ? q[c][r] : q[r][c]);
}

}  // namespace

void initializeVariable(const Node& v, uint64_t seed, Halide::Buffer<float>& buf) {
  std::mt19937_64 rng(stableHash(v.name, seed));
  std::string kind = v.attrs.getString("init", "glorot_uniform");
  double fanIn, fanOut;
  fans(v.shape, &fanIn, &fanOut);
  float* data = buf.data();
  size_t n = buf.number_of_elements();
  if (kind == "orthogonal") {
    orthogonal(rng, v.shape, data);
    return;
  }
  // Truncated normals redraw beyond 2 standard deviations, which leaves 0.8796... of the stddev.
  constexpr double kTruncatedStddev = 0.87962566103423978;
  for (size_t i = 0; i < n; ++i) {
    double x;
    if (kind == "zeros")
      x = 0;
    else if (kind == "ones")
      x = 1;
    else if (kind == "constant")
      x = v.attrs.getFloat("value");
    else if (kind == "glorot_uniform") {
      double limit = std::sqrt(6.0 / (fanIn + fanOut));
      x = (2 * uniform01(rng) - 1) * limit;
    } else if (kind == "glorot_normal") {
      x = truncatedNormal(rng) * std::sqrt(2.0 / (fanIn + fanOut)) / kTruncatedStddev;
    } else if (kind == "he_normal") {
      x = truncatedNormal(rng) * std::sqrt(2.0 / fanIn) / kTruncatedStddev;
    } else if (kind == "he_uniform") {
      x = (2 * uniform01(rng) - 1) * std::sqrt(6.0 / fanIn);
    } else if (kind == "lecun_normal") {
      x = truncatedNormal(rng) * std::sqrt(1.0 / fanIn) / kTruncatedStddev;
    } else if (kind == "truncated_normal") {
      x = v.attrs.getFloat("mean") + truncatedNormal(rng) * v.attrs.getFloat("stddev");
    } else if (kind == "random_normal") {
      x = v.attrs.getFloat("mean") + normal(rng) * v.attrs.getFloat("stddev");
    } else if (kind == "random_uniform") {
      double lo = v.attrs.getFloat("min"), hi = v.attrs.getFloat("max");
      x = lo + (hi - lo) * uniform01(rng);
    } else {
      throw InternalError("initializer '" + kind + "' reached the runtime unchecked");
    }
    data[i] = static_cast<float>(x);
  }
}

}  // namespace graphc
