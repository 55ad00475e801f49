// \file The application side of `graphc compile` (e2e/compile.sh): links lenet5.a with no Halide or
// LLVM library, loads the variables the header lists from a safetensors checkpoint, classifies the
// images of an IDX file and prints each as `graphc predict --top 2` does, then the accuracy
// against an IDX label file. Then it checks the train step on the first batch: its loss and
// accuracy against ones computed here from lenet5_infer's probabilities, and that 20 steps on
// that batch (next values swapped in) lower the loss. Usage: aot_infer CHECKPOINT IMAGES_IDX LABELS_IDX
// Buffers are handed over as the header asks for GPU targets (inputs marked host-dirty, outputs
// copied back), which costs nothing on the host, so the same program runs a --target cuda library.
// fmt is used header-only, so that the program links nothing but the library, libstdc++ and libc.
#define FMT_HEADER_ONLY
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "lenet5.h"

namespace {

[[noreturn]] void die(const std::string& message) {
  fmt::print(stderr, "aot_infer: {}\n", message);
  std::exit(1);
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) die("cannot read " + path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

uint32_t bigEndian(const std::string& bytes, size_t at) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(bytes[at + i]);
  return v;
}

// A dense float32/int32 tensor and the halide_buffer_t describing it (dimensions innermost first).
struct Tensor {
  std::vector<float> data;  // int32 tensors reinterpret the same storage
  std::vector<halide_dimension_t> dims;
  halide_buffer_t buffer{};
  Tensor(const graphc_argument& a) {
    size_t count = 1;
    for (int i = 0; i < a.dimensions; ++i) count *= static_cast<size_t>(a.shape[i]);
    data.assign(count, 0.0f);
    int32_t stride = 1;
    for (int k = 0; k < a.dimensions; ++k) {
      int32_t extent = a.shape[a.dimensions - 1 - k];
      dims.push_back(halide_dimension_t(0, extent, stride));
      stride *= extent;
    }
    bool isInt = std::strcmp(a.type, "int32") == 0;
    buffer.host = reinterpret_cast<uint8_t*>(data.data());
    buffer.type = isInt ? halide_type_t(halide_type_int, 32) : halide_type_t(halide_type_float, 32);
    buffer.dimensions = a.dimensions;
    buffer.dim = dims.data();
  }
};

int halideError = 0;
void onHalideError(void*, const char* message) {
  fmt::print(stderr, "aot_infer: Halide: {}\n", message);
  halideError = 1;
}

// Copies the checkpoint's tensor `name` (safetensors: u64 header length, JSON header, data); false
// when the checkpoint lacks it.
bool loadVariable(const std::string& file, const std::string& name, Tensor& out) {
  uint64_t headerSize = 0;
  for (int i = 7; i >= 0; --i)
    headerSize = (headerSize << 8) | static_cast<unsigned char>(file[static_cast<size_t>(i)]);
  std::string header = file.substr(8, headerSize);
  size_t at = header.find("\"" + name + "\":");
  if (at == std::string::npos) return false;
  size_t offsets = header.find("\"data_offsets\":[", at);
  if (offsets == std::string::npos) die("no data_offsets for " + name);
  unsigned long long begin = 0, end = 0;
  if (std::sscanf(header.c_str() + offsets, "\"data_offsets\":[%llu,%llu]", &begin, &end) != 2) die("bad offsets");
  if (end - begin != out.data.size() * 4) die(name + " has another size in the checkpoint");
  std::memcpy(out.data.data(), file.data() + 8 + headerSize + begin, end - begin);
  return true;
}

// The host data changed: a GPU pipeline must copy it to the device before its next use.
void hostChanged(Tensor& t) { t.buffer.flags |= halide_buffer_flag_host_dirty; }
// Results a GPU pipeline left on the device are brought back before the host reads them.
void toHost(Tensor& t) {
  if (halide_copy_to_host(nullptr, &t.buffer) != 0) die("halide_copy_to_host failed");
}

void fillImages(const std::string& images, size_t first, size_t count, size_t pixels, Tensor& x) {
  for (size_t b = 0; b < LENET5_BATCH; ++b) {
    size_t image = std::min(first + b, count - 1);  // the last batch is padded with the last image
    for (size_t p = 0; p < pixels; ++p)
      x.data[b * pixels + p] =
          static_cast<float>(static_cast<unsigned char>(images[16 + image * pixels + p])) * (1.0f / 255.0f);
  }
  hostChanged(x);
}

// The train step on the first batch, against the cross-entropy of lenet5_infer's probabilities.
void checkTrainStep(const std::string& checkpoint, const std::string& images, const std::string& labels,
                    const std::vector<float>& probabilities, size_t classes) {
  std::vector<Tensor> args;
  for (const graphc_argument& a : lenet5_train_step_arguments) args.emplace_back(a);
  std::vector<void*> argv;
  for (Tensor& t : args) argv.push_back(&t.buffer);
  auto find = [&](const std::string& name) -> Tensor& {
    for (int i = 0; i < lenet5_train_step_argument_count; ++i)
      if (name == lenet5_train_step_arguments[i].name) return args[static_cast<size_t>(i)];
    die("the train step has no argument " + name);
  };
  for (int i = 0; i < lenet5_train_step_argument_count; ++i) {
    const graphc_argument& a = lenet5_train_step_arguments[i];
    std::string name = a.name;
    if (a.is_output || name == "x" || name == "y" || name == "sgd/lr") continue;
    if (!loadVariable(checkpoint, name, args[static_cast<size_t>(i)]) && name.rfind("sgd/", 0) != 0)
      die("the checkpoint lacks " + name);  // optimizer slots missing from it start at zero
  }
  fillImages(images, 0, LENET5_BATCH, 28 * 28, find("x"));
  Tensor& y = find("y");
  for (size_t b = 0; b < LENET5_BATCH; ++b)
    reinterpret_cast<int32_t*>(y.data.data())[b] = static_cast<unsigned char>(labels[8 + b]);
  find("sgd/lr").data[0] = 0.05f;
  for (int i = 0; i < lenet5_train_step_argument_count; ++i)
    if (!lenet5_train_step_arguments[i].is_output) hostChanged(args[static_cast<size_t>(i)]);

  double expectedLoss = 0, expectedAccuracy = 0;
  for (size_t b = 0; b < LENET5_BATCH; ++b) {
    size_t label = static_cast<unsigned char>(labels[8 + b]), best = 0;
    for (size_t c = 0; c < classes; ++c)
      if (probabilities[b * classes + c] > probabilities[b * classes + best]) best = c;
    expectedLoss -= std::log(static_cast<double>(probabilities[b * classes + label])) / LENET5_BATCH;
    expectedAccuracy += (best == label) / static_cast<double>(LENET5_BATCH);
  }
  double first = 0, last = 0;
  for (int step = 0; step < 20; ++step) {
    if (lenet5_train_step_argv(argv.data()) != 0 || halideError) die("lenet5_train_step failed");
    for (int i = 0; i < lenet5_train_step_argument_count; ++i)
      if (lenet5_train_step_arguments[i].is_output) toHost(args[static_cast<size_t>(i)]);
    double loss = find("loss").data[0];
    if (step == 0) {
      first = loss;
      double accuracy = find("acc").data[0];
      if (std::fabs(loss - expectedLoss) > 1e-4 || std::fabs(accuracy - expectedAccuracy) > 1e-6) {
        fmt::print(stderr, "aot_infer: train step loss {:.6f} acc {:.4f}, from the probabilities {:.6f} {:.4f}\n", loss,
                   accuracy, expectedLoss, expectedAccuracy);
        std::exit(1);
      }
    }
    last = loss;
    for (int i = 0; i < lenet5_train_step_argument_count; ++i) {
      std::string name = lenet5_train_step_arguments[i].name;
      if (name.rfind("next/", 0) == 0) {
        const std::vector<float>& next = args[static_cast<size_t>(i)].data;
        Tensor& variable = find(name.substr(5));
        std::copy(next.begin(), next.end(), variable.data.begin());  // host pointers stay put
        hostChanged(variable);
      }
    }
  }
  if (!(last < first * 0.8)) {
    fmt::print(stderr, "aot_infer: 20 train steps on one batch took the loss from {:.4f} to {:.4f} only\n", first,
               last);
    std::exit(1);
  }
  for (Tensor& t : args) halide_device_free(nullptr, &t.buffer);
  fmt::print("train step: loss {:.4f} matches the probabilities; after 20 steps {:.4f}\n", first, last);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) die("usage: aot_infer CHECKPOINT IMAGES_IDX LABELS_IDX");
  halide_set_error_handler(onHalideError);
  std::string checkpoint = readFile(argv[1]), images = readFile(argv[2]), labels = readFile(argv[3]);
  if (bigEndian(images, 0) != 0x803 || bigEndian(labels, 0) != 0x801) die("not IDX image and label files");
  const size_t count = bigEndian(images, 4), rows = bigEndian(images, 8), cols = bigEndian(images, 12);

  std::vector<Tensor> args;
  for (const graphc_argument& a : lenet5_infer_arguments) args.emplace_back(a);
  std::vector<void*> argv2;
  for (Tensor& t : args) argv2.push_back(&t.buffer);
  for (int i = 0; i < lenet5_infer_argument_count; ++i) {
    const graphc_argument& a = lenet5_infer_arguments[i];
    if (!a.is_output && std::strcmp(a.name, "x") != 0 &&
        !loadVariable(checkpoint, a.name, args[static_cast<size_t>(i)]))
      die(std::string("the checkpoint lacks ") + a.name);
    hostChanged(args[static_cast<size_t>(i)]);
  }
  Tensor& x = args.front();
  Tensor& probs = args.back();
  const size_t batch = LENET5_BATCH, classes = static_cast<size_t>(probs.buffer.dim[0].extent);
  if (rows * cols != 28 * 28) die("expected 28x28 images");
  size_t correct = 0;
  std::vector<float> firstBatch;
  for (size_t first = 0; first < count; first += batch) {
    fillImages(images, first, count, rows * cols, x);
    if (lenet5_infer_argv(argv2.data()) != 0 || halideError) die("lenet5_infer failed");
    toHost(probs);
    if (first == 0) firstBatch = probs.data;
    for (size_t b = 0; b < batch && first + b < count; ++b) {
      const float* p = probs.data.data() + b * classes;
      size_t best = 0, second = best == 0 ? 1 : 0;
      for (size_t c = 0; c < classes; ++c)
        if (p[c] > p[best]) best = c;
      second = best == 0 ? 1 : 0;
      for (size_t c = 0; c < classes; ++c)
        if (c != best && p[c] > p[second]) second = c;
      fmt::print("{}[{}]: {} ({:.4f}), {} ({:.4f})\n", argv[2], first + b, best, static_cast<double>(p[best]), second,
                 static_cast<double>(p[second]));
      if (best == static_cast<unsigned char>(labels[8 + first + b])) ++correct;
    }
  }
  fmt::print("accuracy: {:.4f}\n", static_cast<double>(correct) / static_cast<double>(count));
  for (Tensor& t : args) halide_device_free(nullptr, &t.buffer);
  checkTrainStep(checkpoint, images, labels, firstBatch, classes);
  return 0;
}
