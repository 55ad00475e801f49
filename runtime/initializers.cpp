// \file Variable initializers (Keras and TF1 semantics) on a seeded Mersenne Twister.
#include "runtime/initializers.h"

#include <cmath>
#include <random>

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

void fans(const Shape& s, double* fanIn, double* fanOut) {
  if (s.size() == 4) {
    double receptive = static_cast<double>(s[0] * s[1]);
    *fanIn = receptive * static_cast<double>(s[2]);
    *fanOut = receptive * static_cast<double>(s[3]);
  } else if (s.size() == 2) {
    *fanIn = static_cast<double>(s[0]);
    *fanOut = static_cast<double>(s[1]);
  } else {
    double n = s.empty() ? 1.0 : static_cast<double>(s[0]);
    *fanIn = *fanOut = n;
  }
}

}  // namespace

void initializeVariable(const Node& v, uint64_t seed, Halide::Buffer<float>& buf) {
  std::mt19937_64 rng(stableHash(v.name, seed));
  std::string kind = v.attrs.getString("init", "glorot_uniform");
  double fanIn, fanOut;
  fans(v.shape, &fanIn, &fanOut);
  float* data = buf.data();
  size_t n = buf.number_of_elements();
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
    } else if (kind == "he_normal") {
      x = truncatedNormal(rng) * std::sqrt(2.0 / fanIn) / 0.87962566103423978;
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
