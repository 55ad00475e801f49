// \file The train block's `data = ...`: which source, its files (image_folder: its folder) and the
// common arguments (scale, mean, std, classes); the files are found and read at run time (runtime/dataset.cpp).
#include "frontend/train_args.h"

namespace graphc {
namespace {

const std::vector<std::string> kCommon = {"scale", "mean", "std", "classes"};

std::vector<std::string> withCommon(std::vector<std::string> params) {
  params.insert(params.end(), kCommon.begin(), kCommon.end());
  return params;
}

// A number or a list of numbers (one per channel), each checked against its range.
std::vector<double> perChannel(Lowerer& L, const Expr& e, const std::string& owner, const std::string& name, Range r) {
  const Expr& v = L.resolve(e);
  std::vector<double> values;
  if (v.kind != ExprKind::List) return {checkedNumber(L, v, owner, name, r)};
  if (v.items.empty()) throw UserError(v.loc, owner + ": " + name + " needs one number per channel, found []");
  for (const auto& item : v.items) values.push_back(checkedNumber(L, *item, owner, name, r));
  return values;
}

std::string word(Lowerer& L, const CallArgs& args, const std::string& name, const std::string& fallback) {
  return args.get(name) ? L.evalWord(*args.get(name)) : fallback;
}

void lowerCommon(Lowerer& L, const CallArgs& args, DataSpec& data) {
  const std::string owner = args.call().text;
  if (args.get("scale")) data.scale = L.evalNumber(*args.get("scale"));
  if (args.get("mean"))
    data.mean = perChannel(L, *args.get("mean"), owner, "mean", {-INFINITY, INFINITY, false, false});
  if (args.get("std")) data.std = perChannel(L, *args.get("std"), owner, "std", kPositive);
  if (args.get("classes")) {
    data.classes = L.evalInt(*args.get("classes"), "classes");
    if (data.classes <= 0)
      throw UserError(args.get("classes")->loc,
                      owner + ": classes must be positive, found " + std::to_string(data.classes));
  }
}

// image_folder("DIR", size = [H, W], channels = 1 | 3) and the common arguments.
void lowerImageFolder(Lowerer& L, const Expr& call, DataSpec& data) {
  CallArgs args(call, withCommon({"dir", "size", "channels"}), 1);
  data.dir = L.evalWord(args.require("dir"));
  if (const Expr* size = args.get("size")) {
    std::vector<int64_t> hw = L.evalShape(*size);
    if (hw.size() != 2 || hw[0] <= 0 || hw[1] <= 0)
      throw UserError(size->loc, "expected size = [HEIGHT, WIDTH] of two positive numbers");
    data.imageHeight = hw[0];
    data.imageWidth = hw[1];
  }
  if (const Expr* channels = args.get("channels")) {
    data.imageChannels = L.evalInt(*channels, "channels");
    if (data.imageChannels != 1 && data.imageChannels != 3)
      throw UserError(channels->loc,
                      "expected channels = 1 (grey) or 3 (RGB), found " + std::to_string(data.imageChannels));
  }
  lowerCommon(L, args, data);
}

}  // namespace

DataSpec lowerDataSpec(Lowerer& L, const Expr& call) {
  DataSpec data;
  data.loc = call.loc;
  const std::string& file = L.program().file;
  size_t slash = file.find_last_of('/');
  data.baseDir = slash == std::string::npos ? "." : file.substr(0, slash == 0 ? 1 : slash);
  data.kind = call.text;
  if (call.text == "mnist" || call.text == "fashion_mnist") {
    lowerCommon(L, CallArgs(call, kCommon, 0), data);
  } else if (call.text == "idx") {
    CallArgs args(call, withCommon({"dir"}), 1);
    data.dir = L.evalWord(args.require("dir"));
    lowerCommon(L, args, data);
  } else if (call.text == "npz") {
    CallArgs args(call, withCommon({"file", "images", "labels", "test_images", "test_labels"}), 1);
    data.dir = L.evalWord(args.require("file"));
    data.images = word(L, args, "images", "x_train");
    data.labels = word(L, args, "labels", "y_train");
    data.testImages = word(L, args, "test_images", "x_test");
    data.testLabels = word(L, args, "test_labels", "y_test");
    lowerCommon(L, args, data);
  } else if (call.text == "npy") {
    CallArgs args(call, withCommon({"images", "labels", "test_images", "test_labels"}), 4);
    data.images = L.evalWord(args.require("images"));
    data.labels = L.evalWord(args.require("labels"));
    data.testImages = L.evalWord(args.require("test_images"));
    data.testLabels = L.evalWord(args.require("test_labels"));
    lowerCommon(L, args, data);
  } else if (call.text == "csv") {
    CallArgs args(call, withCommon({"file", "label", "shape", "test"}), 1);
    data.dir = L.evalWord(args.require("file"));
    if (const Expr* label = args.get("label")) {
      const Expr& v = L.resolve(*label);
      data.labelColumn = v.kind == ExprKind::Number ? std::to_string(L.evalInt(v, "label")) : L.evalWord(v);
      if (v.kind == ExprKind::Number && L.evalInt(v, "label") < 0)
        throw UserError(v.loc, "csv: a label column index counts from 0, found " + data.labelColumn);
    }
    if (const Expr* shape = args.get("shape")) {
      data.shape = L.evalShape(*shape);
      if (data.shape.empty() || data.shape.size() > 3)
        throw UserError(shape->loc, "csv: shape is one example's shape, [H, W, C] or [D], found " +
                                        std::to_string(data.shape.size()) + " dimensions");
      for (int64_t d : data.shape)
        if (d <= 0) throw UserError(shape->loc, "csv: shape's sizes must be positive numbers");
    }
    if (!args.get("test"))
      throw UserError(call.loc, "csv: the test set's file is missing: csv(\"train.csv\", test = \"test.csv\")");
    data.testFile = L.evalWord(*args.get("test"));
    lowerCommon(L, args, data);
  } else if (call.text == "image_folder") {
    lowerImageFolder(L, call, data);
  } else {
    throw UserError(call.loc, "unknown data set '" + call.text +
                                  "' (expected mnist, fashion_mnist, idx, npz, npy, csv or image_folder)");
  }
  return data;
}

}  // namespace graphc
