// \file Test helpers shared by the kernel and gradient-check suites: seeded random tensors,
// graph sources, running a graph through the Halide pipeline, comparing against the references.
#pragma once

#include <Halide.h>
#include <gtest/gtest.h>

#include <map>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "testing/reference_ops.h"

namespace graphc {

// gtest prints an Op by its spelling.
inline void PrintTo(Op op, std::ostream* os) { *os << opName(op); }

// Every value below is rounded to f32, so that Halide and the double reference read the same numbers.
// Uniform values in [lo, hi).
RefTensor randomTensor(const Shape& shape, std::mt19937& rng, double lo = -1, double hi = 1);
// Magnitudes uniform in [lo, hi) with a random sign: keeps values away from the kink at 0.
RefTensor randomSigned(const Shape& shape, std::mt19937& rng, double lo, double hi);
// A shuffled ladder start, start+gap, ...: pairwise distinct, so maxima are unique even after a
// finite-difference step smaller than gap.
RefTensor distinctTensor(const Shape& shape, std::mt19937& rng, double start = -1, double gap = 0.02);
// i32 class ids [n] in [0, classes).
RefTensor randomIds(int64_t n, int64_t classes, std::mt19937& rng);
// The f32 one-hot rows [n, classes] of i32 ids.
RefTensor oneHot(const RefTensor& ids, int64_t classes);
RefTensor filled(const Shape& shape, double value, DType dtype = DType::F32);

// Sources with fixed shapes (no batch `?`, so the batch given to compileProgram does not matter).
int addPlaceholder(Graph& g, const std::string& name, const Shape& shape, DType dtype = DType::F32);
int addVariable(Graph& g, const std::string& name, const Shape& shape);
int addConstant(Graph& g, double value);

Halide::Buffer<> toBuffer(const RefTensor& t);
// Halide buffers are in reversed dimension order; the result is in the user's order.
RefTensor fromBuffer(const Halide::Buffer<>& buf);

// Compiles the outputs into one pipeline, runs it once on feeds (a value for every source the
// outputs need) and returns the outputs' values.
std::vector<RefTensor> runHalide(const Graph& g, const std::vector<int>& outputs,
                                 const std::map<int, RefTensor>& feeds);
// The same on a given target (a GPU one runs the GPU schedules; the outputs come back to the host).
std::vector<RefTensor> runHalide(const Graph& g, const std::vector<int>& outputs, const std::map<int, RefTensor>& feeds,
                                 const Halide::Target& target);

// Passes when got and want have one shape and every element satisfies
// |got - want| <= atol + rtol * |want|; otherwise names the first mismatching index.
::testing::AssertionResult allClose(const RefTensor& got, const RefTensor& want, double rtol = 1e-4,
                                    double atol = 1e-4);

// Passes when every analytic gradient element satisfies |a - n| <= tol * max(1, |n|) against the
// numeric one: absolute for small gradients, relative for large ones.
::testing::AssertionResult gradientsClose(const RefTensor& analytic, const RefTensor& numeric, double tol);

// Runs the outputs through Halide and through the references and compares each pair.
void expectMatchesReference(const Graph& g, const std::vector<int>& outputs, const std::map<int, RefTensor>& feeds,
                            double rtol = 1e-4, double atol = 1e-4);
// The same, compiled for a given target (the AVX2 schedules on an AVX-512 machine, say).
void expectMatchesReferenceOn(const Halide::Target& target, const Graph& g, const std::vector<int>& outputs,
                              const std::map<int, RefTensor>& feeds, double rtol = 1e-4, double atol = 1e-4);
// The host target without its AVX-512 features: the CPU schedules for 8-lane registers.
Halide::Target hostWithoutAvx512();

// d(loss)/d(source) by central differences (f(v+h) - f(v-h)) / 2h on the double reference
// evaluator, one element at a time; loss must be a scalar.
RefTensor centralDifferences(const Graph& g, int loss, std::map<int, RefTensor> sources, int source, double h);

// "[2,3,4]"-style text of a multi-index, for failure messages.
std::string indexToString(const std::vector<int64_t>& index);

}  // namespace graphc
