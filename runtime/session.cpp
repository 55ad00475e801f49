// \file Session: variable storage, feeds, and a cache of compiled programs per (fetches, batch).
#include "runtime/session.h"

#include "driver/memory_plan.h"
#include "driver/pipeline.h"
#include "runtime/initializers.h"
#include "support/available_memory.h"
#include "support/diagnostics.h"

namespace graphc {

Session::Session(const Graph& graph, uint64_t seed, CompileOptions options)
    : graph_(graph), options_(options), gpu_(isGpuTarget(options.target)) {
  checkMemoryFits("the model's variables", variableBuffers(graph), availableMemoryBytes(),
                  "make its largest layers smaller");
  for (int id : graph.variables(false)) {
    const Node& v = graph.node(id);
    Halide::Buffer<float> buf(allocateValue(v.dtype, v.shape));
    initializeVariable(v, seed, buf);
    buf.set_host_dirty();
    variables_[id] = buf;
  }
}

void Session::feed(int placeholder, Halide::Buffer<> value) {
  if (!value.device_dirty()) value.set_host_dirty();
  feeds_[placeholder] = std::move(value);
}

Halide::Buffer<float> Session::variable(int id) {
  Halide::Buffer<>& buffer = variables_.at(id);
  if (buffer.device_dirty()) ++transfers_.toHost;
  buffer.copy_to_host();
  buffer.set_host_dirty();
  return buffer;
}

Halide::Buffer<> Session::valueOf(int id) {
  const Node& n = graph_.node(id);
  if (n.op == Op::Variable) return variables_.at(id);
  auto it = feeds_.find(id);
  if (it != feeds_.end()) return it->second;
  if (n.attrs.has("default") && n.shape.empty()) {
    auto d = defaults_.find(id);
    if (d == defaults_.end()) {
      d = defaults_.emplace(id, scalarValue(n.dtype, n.attrs.getFloat("default"))).first;
      d->second.set_host_dirty();
    }
    return d->second;
  }
  throw InputError("placeholder '" + n.name + "' is needed but not fed (add it to the train block's feed)");
}

Session::Entry& Session::add(const ProgramKey& key, CompiledProgram program) {
  Entry e{std::move(program), {}};
  e.outputs = e.program.allocateOutputs(graph_);
  compileSeconds_ += e.program.compileSeconds();
  kernelCount_ += static_cast<int>(e.program.kernelNames().size());
  if (e.program.cacheHit()) cacheHits_ += static_cast<int>(e.program.kernelNames().size());
  return programs_.emplace(key, std::move(e)).first->second;
}

void Session::compileAhead(const std::vector<ProgramKey>& programs, CompileObserver* observer) {
  std::vector<std::pair<ProgramKey, CompiledProgram>> scheduled;
  int kernels = 0;
  for (const ProgramKey& key : programs) {
    bool known = programs_.count(key) > 0;
    for (const auto& s : scheduled) known |= s.first == key;
    if (known) continue;
    CompiledProgram program = prepareProgram(graph_, key.first, key.second, options_);
    kernels += static_cast<int>(program.kernelNames().size());
    scheduled.emplace_back(key, std::move(program));
  }
  if (observer) observer->planned(kernels);
  for (auto& [key, program] : scheduled) {
    jitProgram(program, graph_, options_);
    Entry& e = add(key, std::move(program));
    if (observer) observer->compiled(static_cast<int>(e.program.kernelNames().size()), e.program.cacheHit());
  }
  if (observer) observer->finished();
}

Session::Entry& Session::program(const ProgramKey& key) {
  auto it = programs_.find(key);
  Entry& e = it != programs_.end() ? it->second
                                   : add(key, compileProgram(graph_, key.first, key.second, options_));  // simplify on
  if (gpu_)
    for (int id : e.program.inputs()) transfers_.toDevice += valueOf(id).host_dirty();
  return e;
}

void Session::runInto(const std::vector<int>& fetches, std::vector<Halide::Buffer<>>& outputs) {
  program(ProgramKey(fetches, 1)).program.run([this](int id) { return valueOf(id); }, outputs);
}

std::vector<Halide::Buffer<>>& Session::run(const std::vector<int>& fetches, int64_t batch, size_t hostOutputs) {
  Entry& e = program(ProgramKey(fetches, batch));
  e.program.run([this](int id) { return valueOf(id); }, e.outputs);
  for (size_t i = 0; i < e.outputs.size() && i < hostOutputs; ++i) {
    if (e.outputs[i].device_dirty()) ++transfers_.toHost;
    e.outputs[i].copy_to_host();
  }
  return e.outputs;
}

Session::Snapshot Session::snapshotVariables() {
  Snapshot snapshot;
  for (auto& [id, buffer] : variables_) {
    buffer.copy_to_host();  // a no-op unless a device holds the current value
    snapshot[id] = buffer.copy();
  }
  return snapshot;
}

void Session::restoreVariables(const Snapshot& snapshot) {
  for (auto& [id, buffer] : variables_) {
    buffer.set_device_dirty(false);  // the snapshot's value replaces whatever the device holds
    buffer.copy_from(snapshot.at(id));
    buffer.set_host_dirty();
  }
}

void Session::assignVariable(int variable, Halide::Buffer<>& next) { std::swap(variables_.at(variable), next); }

}  // namespace graphc
