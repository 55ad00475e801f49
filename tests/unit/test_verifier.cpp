// \file The graph verifier (ir/verifier.h): well-formed graphs from every example pass at every
// graph stage, and each kind of broken graph is caught with a message that names the node.
#include <dirent.h>
#include <gtest/gtest.h>

#include "driver/pipeline.h"
#include "ir/verifier.h"
#include "passes/optimizer.h"
#include "passes/simplify.h"
#include "support/diagnostics.h"
#include "testing/harness.h"

namespace graphc {
namespace {

// x -> relu -> matmul with w -> loss: a small well-formed graph to break.
struct Small {
  Graph g;
  int x = -1, w = -1, h = -1, y = -1, loss = -1;
  Small() {
    x = addPlaceholder(g, "x", {2, 3});
    w = addVariable(g, "w", {3, 4});
    h = g.add(Op::Relu, {x});
    y = g.add(Op::Matmul, {h, w}, {}, {}, "y");
    loss = g.add(Op::ReduceMean, {y}, {}, {}, "loss");
  }
};

// Passes when some problem mentions every fragment.
::testing::AssertionResult caught(const Graph& g, const std::vector<std::string>& fragments) {
  std::vector<std::string> problems = verifyGraph(g);
  for (const std::string& p : problems) {
    bool all = true;
    for (const std::string& f : fragments) all &= p.find(f) != std::string::npos;
    if (all) return ::testing::AssertionSuccess();
  }
  auto failure = ::testing::AssertionFailure() << "no problem mentions all of the fragments; found:";
  for (const std::string& p : problems) failure << "\n  " << p;
  return failure;
}

TEST(Verifier, AcceptsAWellFormedGraph) {
  Small s;
  EXPECT_TRUE(verifyGraph(s.g).empty());
  EXPECT_NO_THROW(verifyGraphAfter(s.g, "test"));
}

TEST(Verifier, CatchesAnIdThatIsNotItsPosition) {
  Small s;
  s.g.mutableNode(s.h).id = 7;
  EXPECT_TRUE(caught(s.g, {"%7 = relu", "not its position 2"}));
}

TEST(Verifier, CatchesAnInputThatIsNotEarlier) {
  Small s;
  s.g.mutableNode(s.h).inputs = {s.loss};
  EXPECT_TRUE(caught(s.g, {"%2 = relu(%4)", "not an earlier node"}));
  s.g.mutableNode(s.h).inputs = {-3};
  EXPECT_TRUE(caught(s.g, {"input %-3"}));
  s.g.mutableNode(s.h).inputs = {99};
  EXPECT_TRUE(caught(s.g, {"input %99"}));
}

TEST(Verifier, CatchesAWrongArity) {
  Small s;
  s.g.mutableNode(s.h).inputs = {s.x, s.w};
  EXPECT_TRUE(caught(s.g, {"%2 = relu(%0, %1)", "allows 1 to 1 inputs, found 2"}));
}

TEST(Verifier, CatchesAStoredTypeTheRuleDoesNotGive) {
  Small s;
  s.g.mutableNode(s.y).shape = {2, 5};
  EXPECT_TRUE(caught(s.g, {"%3 = matmul", "stored as f32[2,5] but its type rule gives f32[2,4]"}));
  Small t;
  t.g.mutableNode(t.h).dtype = DType::I32;
  EXPECT_TRUE(caught(t.g, {"%2 = relu", "stored as i32[2,3]"}));
}

TEST(Verifier, CatchesInputsTheTypeRuleRejects) {
  Small s;
  s.g.mutableNode(s.y).inputs = {s.w, s.h};  // [3,4] @ [2,3]
  EXPECT_TRUE(caught(s.g, {"%3 = matmul(%1, %2)", "type rule rejects", "inner dimensions differ"}));
}

TEST(Verifier, CatchesADuplicateName) {
  Small s;
  s.g.mutableNode(s.h).name = "loss";
  EXPECT_TRUE(caught(s.g, {"%4 = reduce_mean", "the name 'loss' is also %2's"}));
}

TEST(Verifier, CatchesInconsistentGradientMarks) {
  Small s;
  s.g.mutableNode(s.loss).gradientOf = s.y;  // not marked as a gradient node
  EXPECT_TRUE(caught(s.g, {"%4 = reduce_mean", "not a gradient"}));
  Small t;
  t.g.mutableNode(t.h).isGradient = true;  // relu is now a gradient node that matmul, a forward node, reads
  EXPECT_TRUE(caught(t.g, {"%3 = matmul", "forward node reads the gradient node %2"}));
  Small u;
  u.g.mutableNode(u.loss).isGradient = true;
  u.g.mutableNode(u.loss).gradientOf = u.loss;  // not earlier
  EXPECT_TRUE(caught(u.g, {"its forward node %4 is not an earlier forward node"}));
}

TEST(Verifier, ThrowsAnInternalErrorNamingTheStage) {
  Small s;
  s.g.mutableNode(s.y).shape = {2, 5};
  try {
    verifyGraphAfter(s.g, "simplify");
    FAIL() << "expected an InternalError";
  } catch (const InternalError& e) {
    EXPECT_NE(std::string(e.what()).find("the graph after simplify is malformed"), std::string::npos) << e.what();
  }
}

// Every example's graph, train graph and simplified train step is well formed.
TEST(Verifier, AcceptsEveryExampleAtEveryGraphStage) {
  std::string dir = std::string(GRAPHC_SOURCE_DIR) + "/examples";
  DIR* d = opendir(dir.c_str());
  ASSERT_NE(d, nullptr);
  int models = 0;
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name.size() < 4 || name.substr(name.size() - 4) != ".mnn") continue;
    SCOPED_TRACE(name);
    Model model = loadModel(dir + "/" + name);
    EXPECT_TRUE(verifyGraph(model.graph).empty());
    if (!model.train.present || model.train.minimize < 0) continue;
    TrainGraph train = buildTrainGraph(model.graph, model.train.minimize, model.train.optimizer, {});
    EXPECT_TRUE(verifyGraph(model.graph).empty());
    std::vector<int> fetches = {train.loss};
    for (const VariableUpdate& u : train.updates) fetches.push_back(u.next);
    EXPECT_TRUE(verifyGraph(simplifyGraph(model.graph, fetches).graph).empty());
    ++models;
  }
  closedir(d);
  EXPECT_GE(models, 5);
}

}  // namespace
}  // namespace graphc
