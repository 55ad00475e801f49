// \file Buffer sizes from the graph's types; the check and its message.
#include "driver/memory_plan.h"

#include <fmt/core.h>

#include <algorithm>

#include "support/diagnostics.h"

namespace graphc {
namespace {

uint64_t elementBytes(DType dtype) { return dtype == DType::Bool ? 1 : 4; }

uint64_t bytesOf(const Node& n, int64_t batch) {
  return static_cast<uint64_t>(numElements(n.shape, batch)) * elementBytes(n.dtype);
}

std::string gib(uint64_t bytes) { return fmt::format("{:.2f} GiB", static_cast<double>(bytes) / (1ull << 30)); }

}  // namespace

std::vector<BufferNeed> variableBuffers(const Graph& graph) {
  std::vector<BufferNeed> needs;
  for (int id : graph.variables(false)) {
    const Node& v = graph.node(id);
    needs.push_back({v.name + " " + typeToString(v.dtype, v.shape), bytesOf(v, 1)});
  }
  return needs;
}

std::vector<BufferNeed> kernelBuffers(const Graph& graph, const FusionPlan& plan) {
  std::vector<BufferNeed> needs;
  for (const Kernel& k : plan.kernels) {
    const Node& n = graph.node(k.root);
    std::string name = n.name.empty() ? fmt::format("%{}", k.root) : n.name;
    needs.push_back(
        {fmt::format("{} = {} {}", name, opName(n.op), typeToString(n.dtype, bindBatch(n.shape, plan.batch))),
         bytesOf(n, plan.batch)});
  }
  return needs;
}

void checkMemoryFits(const std::string& what, const std::vector<BufferNeed>& buffers, uint64_t availableBytes,
                     const std::string& advice) {
  uint64_t total = 0;
  for (const BufferNeed& b : buffers) total += b.bytes;
  if (total <= availableBytes) return;
  std::vector<BufferNeed> largest = buffers;
  std::sort(largest.begin(), largest.end(), [](const BufferNeed& a, const BufferNeed& b) { return a.bytes > b.bytes; });
  std::string list;
  for (size_t i = 0; i < largest.size() && i < 3; ++i)
    list += fmt::format("{}{} {}", i ? "; " : "", largest[i].what, gib(largest[i].bytes));
  throw InputError(
      fmt::format("{} would need {} of memory, more than the {} this process can still allocate (largest: {}){}", what,
                  gib(total), gib(availableBytes), list, advice.empty() ? "" : "; " + advice));
}

void checkProgramMemory(const Graph& graph, const FusionPlan& plan, uint64_t availableBytes) {
  std::vector<BufferNeed> buffers = kernelBuffers(graph, plan);
  uint64_t total = 0;
  for (const BufferNeed& b : buffers) total += b.bytes;
  if (total <= availableBytes) return;
  // The advice, only when it is needed: the bytes that grow with the batch, and those that do not.
  uint64_t fixed = 0, perExample = 0;
  for (const Kernel& k : plan.kernels) {
    const Node& n = graph.node(k.root);
    (hasBatch(n.shape) ? perExample : fixed) += bytesOf(n, 1);
  }
  uint64_t fits = perExample == 0 || fixed >= availableBytes ? 0 : (availableBytes - fixed) / perExample, batch = 1;
  while (batch * 2 <= fits) batch *= 2;
  checkMemoryFits(fmt::format("a step at batch {}", plan.batch), buffers, availableBytes,
                  fits == 0 ? "the model is too large for this machine at any batch size"
                            : fmt::format("try --batch {} or smaller", batch));
}

}  // namespace graphc
