// \file cpuid-checked host targets.
#include "codegen/host_target.h"

#include <cpuid.h>

namespace graphc {
namespace {

bool cpuHasAvx512Fp16() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
  return (d >> 23) & 1;
}

}  // namespace

Halide::Target withoutMissingFeatures(Halide::Target target) {
  static const bool fp16 = cpuHasAvx512Fp16();
  if (!fp16 && target.has_feature(Halide::Target::AVX512_SapphireRapids))
    target = target.without_feature(Halide::Target::AVX512_SapphireRapids);
  return target;
}

Halide::Target hostTarget() { return withoutMissingFeatures(Halide::get_host_target()); }

Halide::Target jitTarget() { return withoutMissingFeatures(Halide::get_jit_target_from_environment()); }

}  // namespace graphc
