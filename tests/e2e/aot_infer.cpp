// \file The application side of `graphc compile` (e2e/compile.sh): links lenet5.a with no Halide or
// LLVM library, loads the variables the header lists from a safetensors checkpoint, classifies the
// images of an IDX file and prints each as `graphc predict --top 2` does, then the accuracy
// against an IDX label file. Usage: aot_infer CHECKPOINT IMAGES_IDX LABELS_IDX
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
  std::fprintf(stderr, "aot_infer: %s\n", message.c_str());
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

// Copies the checkpoint's tensor `name` (safetensors: u64 header length, JSON header, data).
void loadVariable(const std::string& file, const std::string& name, Tensor& out) {
  uint64_t headerSize = 0;
  for (int i = 7; i >= 0; --i) headerSize = (headerSize << 8) | static_cast<unsigned char>(file[static_cast<size_t>(i)]);
  std::string header = file.substr(8, headerSize);
  size_t at = header.find("\"" + name + "\":");
  if (at == std::string::npos) die("the checkpoint lacks " + name);
  size_t offsets = header.find("\"data_offsets\":[", at);
  if (offsets == std::string::npos) die("no data_offsets for " + name);
  unsigned long long begin = 0, end = 0;
  if (std::sscanf(header.c_str() + offsets, "\"data_offsets\":[%llu,%llu]", &begin, &end) != 2) die("bad offsets");
  if (end - begin != out.data.size() * 4) die(name + " has another size in the checkpoint");
  std::memcpy(out.data.data(), file.data() + 8 + headerSize + begin, end - begin);
}

int halideError = 0;
void onHalideError(void*, const char* message) {
  std::fprintf(stderr, "aot_infer: Halide: %s\n", message);
  halideError = 1;
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
    if (!a.is_output && std::strcmp(a.name, "x") != 0) loadVariable(checkpoint, a.name, args[static_cast<size_t>(i)]);
  }
  Tensor& x = args.front();
  Tensor& probs = args.back();
  const size_t batch = LENET5_BATCH, classes = static_cast<size_t>(probs.buffer.dim[0].extent);
  if (rows * cols != 28 * 28) die("expected 28x28 images");
  size_t correct = 0;
  for (size_t first = 0; first < count; first += batch) {
    for (size_t b = 0; b < batch; ++b) {
      size_t image = std::min(first + b, count - 1);  // the last batch is padded with the last image
      for (size_t p = 0; p < rows * cols; ++p)
        x.data[b * rows * cols + p] =
            static_cast<float>(static_cast<unsigned char>(images[16 + image * rows * cols + p])) * (1.0f / 255.0f);
    }
    if (lenet5_infer_argv(argv2.data()) != 0 || halideError) die("lenet5_infer failed");
    for (size_t b = 0; b < batch && first + b < count; ++b) {
      const float* p = probs.data.data() + b * classes;
      size_t best = 0, second = best == 0 ? 1 : 0;
      for (size_t c = 0; c < classes; ++c)
        if (p[c] > p[best]) best = c;
      second = best == 0 ? 1 : 0;
      for (size_t c = 0; c < classes; ++c)
        if (c != best && p[c] > p[second]) second = c;
      std::printf("%s[%zu]: %zu (%.4f), %zu (%.4f)\n", argv[2], first + b, best, p[best], second, p[second]);
      if (best == static_cast<unsigned char>(labels[8 + first + b])) ++correct;
    }
  }
  std::printf("accuracy: %.4f\n", static_cast<double>(correct) / static_cast<double>(count));
  return 0;
}
