// \file The Halide target of this machine, corrected where Halide 14 promises more than the CPU has.
#pragma once

#include <Halide.h>

namespace graphc {

// Halide 14 takes any CPU with AVX512-BF16 for a Sapphire Rapids, and LLVM's Sapphire Rapids has
// AVX512-FP16 as well; AMD's Zen 4 and Zen 5 have BF16 but not FP16, so LLVM emitted FP16 moves
// (`vmovw`) into kernels that then died of SIGILL. These drop AVX512_SapphireRapids from the target
// when the CPU (cpuid leaf 7, EDX bit 23) lacks AVX512-FP16.

// Halide::get_host_target(), corrected.
Halide::Target hostTarget();
// Halide::get_jit_target_from_environment() (HL_JIT_TARGET, else the host), corrected.
Halide::Target jitTarget();
// target without the features this CPU lacks (a no-op for targets of other machines' features).
Halide::Target withoutMissingFeatures(Halide::Target target);

}  // namespace graphc
