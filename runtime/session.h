// \file A session, TF1 style: persistent variables, placeholders fed per run, values fetched by node.
#pragma once

#include <Halide.h>

#include <map>
#include <vector>

#include "codegen/program.h"
#include "ir/graph.h"

namespace graphc {

// Copies between host and device memory on a GPU target, counted from Halide's dirty flags: a
// run copies an input to the device exactly when its host data is newer (host-dirty), and data
// comes back only when asked for (copy_to_host of a device-dirty buffer).
struct DeviceTransfers {
  int64_t toDevice = 0;
  int64_t toHost = 0;
};

// Told about the programs Session::compileAhead compiles (runtime/progress_bar.h draws it).
class CompileObserver {
 public:
  virtual ~CompileObserver() = default;
  // Every program is scheduled: this many kernels are to be compiled or loaded.
  virtual void planned(int kernels) = 0;
  // One program of that many kernels is ready, compiled or loaded from the kernel cache.
  virtual void compiled(int kernels, bool fromCache) = 0;
  // Every program is ready.
  virtual void finished() = 0;
};

// A program a session runs: its fetches at one batch size.
using ProgramKey = std::pair<std::vector<int>, int64_t>;

class Session {
 public:
  // Allocates and initialises every variable of the graph from the seed.
  Session(const Graph& graph, uint64_t seed, CompileOptions options = {});

  // Sets the value a placeholder takes in the following runs. The buffer's host data counts as
  // new: on a GPU target it is copied to the device by the next run (fill it, then feed it);
  // unless the buffer's newest values are on the device (device-dirty, such as a program's output
  // left there), which the next run then reads where they are.
  void feed(int placeholder, Halide::Buffer<> value);

  // Computes the fetched nodes at this batch size (compiling the program the first time) and
  // returns their values; the buffers are reused by the next run of the same fetches.
  // On a GPU target the values are computed on the device; the first hostOutputs of them (all by
  // default) are copied to the host, the others stay on the device (values that only feed the
  // next run, such as the next values of the variables).
  std::vector<Halide::Buffer<>>& run(const std::vector<int>& fetches, int64_t batch,
                                     size_t hostOutputs = static_cast<size_t>(-1));

  // Computes the fetched nodes (a program without a batch dimension) into `outputs`, buffers
  // shaped like them that the caller owns (views into larger buffers, say).
  void runInto(const std::vector<int>& fetches, std::vector<Halide::Buffer<>>& outputs);

  // Compiles the programs that run() will need and has not compiled yet, telling the observer
  // (nullptr: nobody) how far it is: first every program is scheduled, then each is compiled.
  void compileAhead(const std::vector<ProgramKey>& programs, CompileObserver* observer);

  // Makes next the variable's value (a pointer swap: next receives the old storage).
  void assignVariable(int variable, Halide::Buffer<>& next);

  // The variable's value on the host (copied from the device if it lives there). Writes through
  // the buffer are seen by the next run: it is marked as changed on the host.
  Halide::Buffer<float> variable(int id);

  // A copy of every variable's value, and its restoration: a run rolls back to find the step
  // and the op where a value stopped being finite.
  using Snapshot = std::map<int, Halide::Buffer<>>;
  Snapshot snapshotVariables();
  void restoreVariables(const Snapshot& snapshot);
  const Graph& graph() const { return graph_; }
  double compileSeconds() const { return compileSeconds_; }
  const DeviceTransfers& transfers() const { return transfers_; }
  int kernelCount() const { return kernelCount_; }
  // Kernels of the programs loaded from the kernel cache rather than compiled.
  int cacheHits() const { return cacheHits_; }

 private:
  struct Entry {
    CompiledProgram program;
    std::vector<Halide::Buffer<>> outputs;
  };
  Halide::Buffer<> valueOf(int id);
  Entry& add(const ProgramKey& key, CompiledProgram program);
  // The program of key, compiled the first time, its inputs counted as copied to a GPU device.
  Entry& program(const ProgramKey& key);

  const Graph& graph_;
  CompileOptions options_;
  std::map<int, Halide::Buffer<>> variables_;
  std::map<int, Halide::Buffer<>> feeds_;
  std::map<int, Halide::Buffer<>> defaults_;
  std::map<ProgramKey, Entry> programs_;
  double compileSeconds_ = 0;
  int kernelCount_ = 0;
  bool gpu_ = false;
  DeviceTransfers transfers_;
  int cacheHits_ = 0;
};

}  // namespace graphc
