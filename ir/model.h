// \file The model a .mnn file describes: the forward graph and the train block's settings.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "ir/optimizer_spec.h"
#include "support/source_location.h"

namespace graphc {

struct DataSpec {
  // "mnist", "fashion_mnist", "idx", "npz", "npy", "csv", "image_folder"; empty when the train block names none
  std::string kind;
  std::string dir;  // idx("DIR")'s and image_folder("DIR")'s folder; the file of npz("FILE") and csv("FILE")
  // npz: the names of the arrays in the archive; npy: their files (empty test ones: none given).
  std::string images, labels, testImages, testLabels;
  std::string labelColumn = "label";        // csv: the label column's name, or its index as written
  std::vector<int64_t> shape;               // csv: one example's shape ([H, W, C] or [D]); empty: [D]
  std::string testFile;                     // csv: the test set's file
  int64_t imageHeight = 0, imageWidth = 0;  // image_folder's size = [H, W]; 0: the images' own size
  int64_t imageChannels = 3;                // image_folder's channels = 1 | 3
  double scale = 1.0;
  std::vector<double> mean, std;  // per channel (or one for all), applied after scale; empty: none
  int64_t classes = 0;            // the number of classes the labels must lie in; 0: the model's
  std::string baseDir;            // the .mnn file's folder: relative paths resolve against it first
  SourceLoc loc;
};

// One entry of `feed`: which placeholder gets images, labels or a constant.
struct FeedSpec {
  enum class Kind { Image, Label, Constant };
  int placeholder = -1;
  Kind kind = Kind::Image;
  double value = 0;
  SourceLoc loc;
};

// Keras' callbacks. A monitor is a name the run prints (loss, val_loss, acc, val_acc, ...) or Keras'
// long name (accuracy, val_accuracy); mode "auto" maximizes names containing "acc" (Keras).
struct EarlyStopping {
  bool enabled = false;
  std::string monitor = "val_loss";
  int64_t patience = 3;
  double minDelta = 0;
  std::string mode = "auto";  // min, max or auto
  bool restoreBestWeights = false;
  SourceLoc monitorLoc;
};

struct ReduceLrOnPlateau {
  bool enabled = false;
  std::string monitor = "val_loss";
  double factor = 0.1;
  int64_t patience = 10;
  double minDelta = 1e-4;
  int64_t cooldown = 0;
  double minLr = 0;
  std::string mode = "auto";
  SourceLoc monitorLoc;
};

// Keras' ModelCheckpoint: saves the checkpoint after every epoch, or only when the monitored
// value improved (save_best_only).
struct CheckpointCallback {
  bool enabled = false;
  std::string path;
  std::string monitor = "val_loss";
  bool saveBestOnly = false;
  std::string mode = "auto";
  SourceLoc monitorLoc;
};

struct TrainConfig {
  bool present = false;
  SourceLoc loc;
  DataSpec data;
  std::vector<FeedSpec> feeds;
  std::vector<FeedSpec> evalFeeds;
  OptimizerSpec optimizer;
  SourceLoc optimizerLoc;
  int minimize = -1;
  SourceLoc minimizeLoc;
  int64_t batch = 32;
  int64_t epochs = 1;
  int64_t steps = 0;                // 0: run `epochs` whole epochs
  std::string validation = "test";  // "test", "split" (held out of the training set) or "none"
  double validationFraction = 0.1;  // for split
  uint64_t validationSeed = 1;      // for split
  int64_t evalEvery = 0;
  std::vector<int> metrics;
  std::vector<std::string> metricNames;
  EarlyStopping earlyStopping;
  ReduceLrOnPlateau reduceLrOnPlateau;
  CheckpointCallback checkpoint;
  bool classWeighted = false;  // class_weight was applied to a cross-entropy loss
  bool shuffle = true;
  uint64_t seed = 0;
};

// A Capitalized layer call, for `graphc summary`: its scope, kind and output value.
struct LayerInfo {
  std::string scope;  // `c1`: its variables are named `c1/...`
  std::string kind;   // `Conv2D`
  int output = -1;
};

// Placeholders the session feeds by itself, created by the ops that need them.
constexpr const char* kTrainingFlagName = "graphc/training";  // f32 scalar: 1 in a train step, else 0
constexpr const char* kStepName = "graphc/step";              // i32 scalar: the train step, for dropout masks

struct Model {
  Graph graph;
  TrainConfig train;
  std::vector<LayerInfo> layers;             // in source order
  std::vector<VariableUpdate> stateUpdates;  // non-trainable state a train step also updates (BatchNorm statistics)
  std::vector<int> regularizers;             // scalar penalties of the layers' kernel_regularizer / bias_regularizer
};

}  // namespace graphc
