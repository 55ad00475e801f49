// \file The gradient-check cases' building blocks, shared by the files that define cases
// (test_gradcheck.cpp, gradcheck_cases_nn.cpp): a graph under construction and a named case.
#pragma once

#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "testing/harness.h"

namespace graphc {

// A graph under construction: variables are the values differentiated, inputs are fixed data
// (labels, shapes to broadcast to).
struct GradGraph {
  int variable(const std::string& name, const RefTensor& value) {
    int id = addVariable(g, name, value.shape);
    sources[id] = value;
    vars.push_back(id);
    return id;
  }
  int input(const std::string& name, const RefTensor& value) {
    int id = addPlaceholder(g, name, value.shape, value.dtype);
    sources[id] = value;
    return id;
  }
  int op(Op name, std::vector<int> inputs, Attrs attrs = {}) {
    return g.add(name, std::move(inputs), std::move(attrs));
  }

  Graph g;
  std::map<int, RefTensor> sources;
  std::vector<int> vars;
  std::mt19937 rng{77};
};

// Builds the graph of one case and returns the node whose op is under test.
// The pooling windows every pooling gradient is checked on (valid/same, overlapping, odd sizes).
struct PoolGeometry {
  const char* name;
  Shape x;
  int64_t size, stride;
  const char* padding;
};
inline std::vector<PoolGeometry> poolGeometries() {
  return {{"Size2Stride2", {1, 6, 6, 2}, 2, 2, "valid"},
          {"Size2Stride2OddSame", {1, 7, 7, 2}, 2, 2, "same"},
          {"Size3Stride2Same", {2, 7, 7, 2}, 3, 2, "same"},
          {"Size3Stride1Valid", {1, 5, 5, 2}, 3, 1, "valid"}};
}

struct GradCase {
  std::string name;
  std::function<int(GradGraph&)> build;
};

inline void PrintTo(const GradCase& c, std::ostream* os) { *os << c.name; }

// Every gradient-check case (gradcheck_cases.cpp).
std::vector<GradCase> allGradCases();

// The cases of the ops added with the nn layers (gradcheck_cases_nn.cpp).
void addSelectionCases(std::vector<GradCase>& cases);      // leaky_relu, clip, where, dropout
void addNormalizationCases(std::vector<GradCase>& cases);  // batch_norm, log_softmax, BatchNorm layer, rewrites
void addShapeOpCases(std::vector<GradCase>& cases);        // transpose, concat
void addAvgPoolCases(std::vector<GradCase>& cases);
// v2 activations, math and losses (gradcheck_cases_math.cpp).
void addV2MathCases(std::vector<GradCase>& cases);
void addV2NNCases(std::vector<GradCase>& cases);  // v2 nn ops (gradcheck_cases_v2nn.cpp)

}  // namespace graphc
