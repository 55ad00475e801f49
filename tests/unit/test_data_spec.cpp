// The train block's `data = ...` as the front end reads it: each source's files and defaults (the
// keras.datasets names for npz), the common arguments, and the folder relative paths start from.
#include <gtest/gtest.h>

#include "frontend/lower_program.h"
#include "frontend/parser.h"
#include "support/diagnostics.h"

namespace graphc {
namespace {

DataSpec dataOf(const std::string& file, const std::string& data) {
  std::string text = "x = placeholder(f32, [?, 4])\ntrain {\n  data = " + data + "\n}\n";
  return lowerProgram(parseProgram(file, text)).train.data;
}

std::string errorOf(const std::string& data) {
  try {
    dataOf("m.mnn", data);
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

TEST(DataSpec, NpzDefaultsToTheKerasDatasetsNames) {
  DataSpec d = dataOf("models/cifar/m.mnn", "npz(\"cifar10.npz\", scale = 1/255)");
  EXPECT_EQ(d.kind, "npz");
  EXPECT_EQ(d.dir, "cifar10.npz");
  EXPECT_EQ(d.images, "x_train");
  EXPECT_EQ(d.labels, "y_train");
  EXPECT_EQ(d.testImages, "x_test");
  EXPECT_EQ(d.testLabels, "y_test");
  EXPECT_DOUBLE_EQ(d.scale, 1.0 / 255);
  EXPECT_EQ(d.baseDir, "models/cifar");
  EXPECT_EQ(dataOf("m.mnn", "mnist()").baseDir, ".");
  EXPECT_EQ(dataOf("/m.mnn", "mnist()").baseDir, "/");
}

TEST(DataSpec, NpyCsvAndTheCommonArguments) {
  DataSpec n = dataOf("m.mnn",
                      "npy(images = \"a.npy\", labels = \"b.npy\", test_images = \"c.npy\", test_labels = \"d.npy\", "
                      "mean = [0.5, 0.25, 0.125], std = 0.5, classes = 7)");
  EXPECT_EQ(n.images + n.labels + n.testImages + n.testLabels, "a.npyb.npyc.npyd.npy");
  EXPECT_EQ(n.mean, (std::vector<double>{0.5, 0.25, 0.125}));
  EXPECT_EQ(n.std, (std::vector<double>{0.5}));
  EXPECT_EQ(n.classes, 7);
  DataSpec c = dataOf("m.mnn", "csv(\"train.csv\", label = 64, shape = [8, 8, 1], test = \"test.csv\")");
  EXPECT_EQ(c.labelColumn, "64");
  EXPECT_EQ(c.shape, (std::vector<int64_t>{8, 8, 1}));
  EXPECT_EQ(c.testFile, "test.csv");
  EXPECT_EQ(dataOf("m.mnn", "csv(\"t.csv\", test = \"u.csv\")").labelColumn, "label");
}

TEST(DataSpec, ImageFolderTakesSizeChannelsAndTheCommonArguments) {
  DataSpec f =
      dataOf("models/m.mnn", "image_folder(\"shapes\", size = [32, 24], channels = 1, mean = 0.5, std = 0.25)");
  EXPECT_EQ(f.kind, "image_folder");
  EXPECT_EQ(f.dir, "shapes");
  EXPECT_EQ(f.imageHeight, 32);
  EXPECT_EQ(f.imageWidth, 24);
  EXPECT_EQ(f.imageChannels, 1);
  EXPECT_EQ(f.mean, (std::vector<double>{0.5}));
  EXPECT_EQ(f.std, (std::vector<double>{0.25}));
  EXPECT_EQ(f.baseDir, "models");
  DataSpec plain = dataOf("m.mnn", "image_folder(\"shapes\")");
  EXPECT_EQ(plain.imageHeight, 0);
  EXPECT_EQ(plain.imageChannels, 3);
}

TEST(DataSpec, MistakesAreNamed) {
  EXPECT_NE(errorOf("csv(\"t.csv\")").find("the test set's file is missing"), std::string::npos);
  EXPECT_NE(errorOf("npz(\"a.npz\", std = [1, 0])").find("std"), std::string::npos);
  EXPECT_NE(errorOf("mnist(classes = 0)").find("classes must be positive"), std::string::npos);
  EXPECT_NE(errorOf("csv(\"t.csv\", shape = [8, 0], test = \"u.csv\")").find("must be positive"), std::string::npos);
  EXPECT_NE(errorOf("parquet(\"t\")").find("expected mnist, fashion_mnist, idx, npz, npy, csv or image_folder"),
            std::string::npos);
  EXPECT_NE(errorOf("npy(images = \"a.npy\")").find("labels"), std::string::npos);
  EXPECT_NE(errorOf("image_folder(\"d\", size = [4])").find("size = [HEIGHT, WIDTH]"), std::string::npos);
  EXPECT_NE(errorOf("image_folder(\"d\", channels = 2)").find("channels = 1 (grey) or 3 (RGB), found 2"),
            std::string::npos);
}

}  // namespace
}  // namespace graphc
