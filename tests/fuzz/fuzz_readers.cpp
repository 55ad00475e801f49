// \file libFuzzer target over the two binary readers of untrusted files: every input is read as
// an IDX file (runtime/idx.*, plain or gzip) and as a safetensors checkpoint loaded into a small
// session (runtime/checkpoint.*: parsing, validation, then matching the model's variables and
// optimizer slots). Rejections must be InputErrors; a crash, a sanitizer report or any other
// exception is a finding. The readers take paths, so the bytes go through an in-memory file.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "driver/pipeline.h"
#include "passes/optimizer.h"
#include "runtime/checkpoint.h"
#include "runtime/idx.h"
#include "runtime/session.h"
#include "support/diagnostics.h"

namespace {

// The model of the seed checkpoints in tests/fuzz/corpus/readers (small, every kind of variable).
const char* kModelPath = GRAPHC_SOURCE_DIR "/tests/fuzz/fuzz_checkpoint.mnn";

struct Fixture {
  graphc::Model model;
  std::unique_ptr<graphc::Session> session;
  int descriptor = -1;  // an in-memory file (memfd) holding the current input
  std::string path;     // the same file as a path the readers can open

  Fixture() : model(graphc::loadModel(kModelPath)) {
    graphc::buildTrainGraph(model.graph, model.train.minimize, model.train.optimizer, model.train.minimizeLoc);
    session = std::make_unique<graphc::Session>(model.graph, 0);
    int fd = memfd_create("graphc-fuzz-input", 0);
    if (fd < 0) std::abort();
    descriptor = fd;
    path = "/proc/self/fd/" + std::to_string(fd);
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
  return 0;
}
