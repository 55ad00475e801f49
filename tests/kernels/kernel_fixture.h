// \file The fixture of the kernel suites: a graph whose sources are fed with given values, run
// through Halide and compared with the naive references.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "testing/harness.h"

namespace graphc {

// Builds a graph whose sources are fed with given values and checks chosen outputs against the
// references. Several outputs share one pipeline to keep the JIT compiles few.
class KernelTest : public ::testing::Test {
 protected:
  int input(const std::string& name, const RefTensor& value) {
    int id = addPlaceholder(g, name, value.shape, value.dtype);
    feeds[id] = value;
    return id;
  }
  int op(Op name, std::vector<int> inputs, Attrs attrs = {}) {
    return g.add(name, std::move(inputs), std::move(attrs));
  }
  void check(const std::vector<int>& outputs) { expectMatchesReference(g, outputs, feeds); }
  // check, then again compiled without AVX-512 (the 8-lane register tiles of AVX2 machines).
  void checkBothVectorWidths(const std::vector<int>& outputs) {
    check(outputs);
    expectMatchesReferenceOn(hostWithoutAvx512(), g, outputs, feeds);
  }
  void checkArithmetic(const Shape& a, const Shape& b);             // test_kernels.cpp
  std::vector<int> allTransposes(int64_t m, int64_t k, int64_t n);  // test_kernels.cpp

  Graph g;
  std::map<int, RefTensor> feeds;
  std::mt19937 rng{1234};
};

}  // namespace graphc
