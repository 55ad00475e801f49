// \file libFuzzer target over the readers of untrusted files: every input is read as an IDX file
// (runtime/idx.*, plain or gzip), as a safetensors checkpoint loaded into a small session
// (runtime/checkpoint.*: parsing, validation, then matching the model's variables and optimizer
// slots), and as the predictions.csv of a --log-dir that `graphc plot` and `graphc report` read
// (runtime/test_predictions.*; a log folder may come from someone else). Rejections must be InputErrors; a crash, a
// sanitizer report or any other exception is a finding. The readers take paths, so the bytes go through an in-memory
// file.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include "driver/pipeline.h"
#include "passes/optimizer.h"
#include "runtime/checkpoint.h"
#include "runtime/idx.h"
#include "runtime/session.h"
#include "runtime/test_predictions.h"
#include "support/diagnostics.h"

namespace {

// The model of the seed checkpoints in tests/fuzz/corpus/readers (small, every kind of variable).
const char* kModelPath = GRAPHC_SOURCE_DIR "/tests/fuzz/fuzz_checkpoint.mnn";

struct Fixture {
  graphc::Model model;
  std::unique_ptr<graphc::Session> session;
  int descriptor = -1;  // an in-memory file (memfd) holding the current input
  std::string path;     // the same file as a path the readers can open
  std::string logDir;   // a --log-dir with a valid samples.idx, whose predictions.csv is the input

  Fixture() : model(graphc::loadModel(kModelPath)) {
    graphc::buildTrainGraph(model.graph, model.train.minimize, model.train.optimizer, model.train.minimizeLoc);
    session = std::make_unique<graphc::Session>(model.graph, 0);
    int fd = memfd_create("graphc-fuzz-input", 0);
    if (fd < 0) std::abort();
    descriptor = fd;
    path = "/proc/self/fd/" + std::to_string(fd);
    char dir[] = "/tmp/graphc-fuzz-logdir-XXXXXX";
    if (!mkdtemp(dir)) std::abort();
    logDir = dir;
    // Two 2x2 images, as a run writes its samples.
    const char samples[] = {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8};
    std::ofstream(logDir + "/samples.idx", std::ios::binary).write(samples, sizeof samples);
  }

  void write(const uint8_t* data, size_t size) {
    if (ftruncate(descriptor, 0) != 0) std::abort();
    size_t done = 0;
    while (done < size) {
      ssize_t n = pwrite(descriptor, data + done, size - done, static_cast<off_t>(done));
      if (n <= 0) std::abort();
      done += static_cast<size_t>(n);
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture fixture;
  fixture.write(data, size);
  try {
    graphc::readIdx(fixture.path);
  } catch (const graphc::InputError&) {
  }
  try {
    graphc::loadCheckpoint(fixture.path, *fixture.session);
  } catch (const graphc::InputError&) {
  }
  std::ofstream(fixture.logDir + "/predictions.csv", std::ios::binary)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  try {
    graphc::readTestPredictions(fixture.logDir);
  } catch (const graphc::InputError&) {
  }
  return 0;
}
