// support/spelling: typical typos find their name, unrelated words find none.
#include <gtest/gtest.h>

#include "support/spelling.h"

namespace graphc {
namespace {

const std::vector<std::string> kFlags = {"--epochs", "--steps", "--batch", "--seed", "--save", "--save-every"};

TEST(NearestName, OneLetterMissingExtraWrongOrSwapped) {
  EXPECT_EQ(nearestName("--epoch", kFlags), "--epochs");
  EXPECT_EQ(nearestName("--batchh", kFlags), "--batch");
  EXPECT_EQ(nearestName("--steos", kFlags), "--steps");
  EXPECT_EQ(nearestName("--sede", kFlags), "--seed");
  EXPECT_EQ(nearestName("gleu", {"relu", "gelu", "elu"}), "gelu");  // a swap counts one, so gelu beats relu's two
}

TEST(NearestName, CaseIsIgnoredAndTheClosestWins) {
  EXPECT_EQ(nearestName("conv2D", {"Conv2D", "Conv1D", "conv2d_transpose"}), "Conv2D");
  EXPECT_EQ(nearestName("--save-evry", kFlags), "--save-every");
}

TEST(NearestName, FarNamesAreNotSuggested) {
  EXPECT_EQ(nearestName("--frobnicate", kFlags), "");
  EXPECT_EQ(nearestName("x", {"relu", "tanh"}), "");
  EXPECT_EQ(didYouMean("--frobnicate", kFlags), "");
  EXPECT_EQ(didYouMean("--epoch", kFlags), " (did you mean '--epochs'?)");
}

}  // namespace
}  // namespace graphc
