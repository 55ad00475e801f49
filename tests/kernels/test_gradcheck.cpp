// \file Gradient checks: for every case of gradcheck_cases*.cpp, autodiff's gradient nodes compiled to
// Halide against central differences of the double-precision reference, on inputs kept away from kinks.
#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "kernels/gradcheck.h"
#include "passes/autodiff.h"

namespace graphc {
namespace {

constexpr double kStep = 1e-4;       // central-difference step, on the double reference
constexpr double kTolerance = 2e-3;  // |analytic - numeric| <= kTolerance * max(1, |numeric|)

// loss = sum(out * R) for fixed random R (out * r for a scalar out), so that every output element
// gets a different weight; then each variable's analytic gradient is compared with the numeric one.
void checkGradients(GradGraph& gg, int out) {
  const Shape outShape = gg.g.node(out).shape;
  int weights = gg.input("R", randomTensor(outShape, gg.rng, -1, 1));
  int weighted = gg.op(Op::Mul, {out, weights});
  int loss =
      outShape.empty() ? weighted : gg.op(Op::ReduceSum, {weighted}, Attrs().set("axes", std::vector<int64_t>{}));
  std::map<int, int> grads = autodiff(gg.g, loss, gg.vars);
  std::vector<int> gradNodes;
  for (int v : gg.vars) {
    ASSERT_TRUE(grads.count(v)) << "autodiff gave no gradient for " << gg.g.node(v).name;
    gradNodes.push_back(grads.at(v));
  }
  std::vector<RefTensor> analytic = runHalide(gg.g, gradNodes, gg.sources);
  for (size_t i = 0; i < gg.vars.size(); ++i) {
    RefTensor numeric = centralDifferences(gg.g, loss, gg.sources, gg.vars[i], kStep);
    EXPECT_TRUE(gradientsClose(analytic[i], numeric, kTolerance))
        << "d loss / d " << gg.g.node(gg.vars[i]).name << " through " << opName(gg.g.node(out).op) << " "
        << gg.g.node(out).attrs.toString();
  }
}

class GradCheck : public ::testing::TestWithParam<GradCase> {};

TEST_P(GradCheck, MatchesCentralDifferences) {
  GradGraph gg;
  int out = GetParam().build(gg);
  checkGradients(gg, out);
}

INSTANTIATE_TEST_SUITE_P(Ops, GradCheck, ::testing::ValuesIn(allGradCases()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace graphc
