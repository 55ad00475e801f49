// \file The sharded optimizer of data-parallel runs (runtime/sharded_optimizer.h). The ranks'
// parts are contiguous ranges of the gradients laid end to end (the fused buffer), each about
// 1/N of them and cut between rows of a variable, so that a part is whole rows of a few
// variables: a reduce-scatter of the fused buffer hands each rank its part, and the rows of a
// variable are a view of its buffer (a crop along the outermost axis) that the update reads and
// writes in place.
#include "runtime/sharded_optimizer.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "ir/types.h"

namespace graphc {
namespace {

// A variable's element count (variables have no batch axis).
size_t elementsOf(const Shape& shape) { return static_cast<size_t>(numElements(shape, 1)); }

// Rows of a buffer (Halide's outermost dimension), as a buffer whose rows start at 0; the whole
// buffer for a scalar (count 0).
Halide::Buffer<> rowsOf(const Halide::Buffer<>& full, const RowRange& rows) {
  if (rows.count == 0) return full;
  int outer = full.dimensions() - 1;
  int first = static_cast<int>(rows.first);
  return Halide::Buffer<>(full.get()->cropped(outer, first, static_cast<int>(rows.count)).translated(outer, -first));
}

}  // namespace

std::unique_ptr<ShardedOptimizer> ShardedOptimizer::create(const Graph& graph, const TrainGraph& train,
                                                           Communicator& comm, const CompileOptions& options,
                                                           size_t firstGradient, size_t fusedFloats, Session& session) {
  if (isGpuTarget(options.target)) return nullptr;
  std::optional<std::vector<int>> owners = rowSplitOwners(graph, train);
  if (!owners) return nullptr;
  return std::make_unique<ShardedOptimizer>(graph, train, comm, options, firstGradient, fusedFloats, std::move(*owners),
                                            session);
}

ShardedOptimizer::ShardedOptimizer(const Graph& graph, const TrainGraph& train, Communicator& comm,
                                   const CompileOptions& options, size_t firstGradient, size_t fusedFloats,
                                   std::vector<int> owners, Session& session)
    : graph_(graph), train_(train), comm_(comm), owners_(std::move(owners)), shared_(comm.onOneMachine()) {
  size_t end = firstGradient;
  for (const auto& f : train.fedGradients) {
    const Shape& shape = graph.node(f.variable).shape;
    size_t elements = elementsOf(shape);
    start_[f.variable] = end;
    rowSize_[f.variable] = shape.empty() ? 1 : elements / static_cast<size_t>(shape[0]);
    variableOfFed_[f.placeholder] = f.variable;
    end += elements;
  }
  // Rank r's part starts near r/N of the gradients, at the nearest boundary between rows.
  size_t ranks = static_cast<size_t>(comm.size()), total = end - firstGradient;
  bounds_ = {firstGradient};
  for (size_t r = 1; r < ranks; ++r) {
    size_t target = firstGradient + total * r / ranks, cut = end;
    for (const auto& f : train.fedGradients) {
      size_t start = start_[f.variable], rowSize = rowSize_[f.variable];
      if (target >= start + elementsOf(graph.node(f.variable).shape)) continue;
      cut = start +
            static_cast<size_t>(std::llround(static_cast<double>(target - start) / static_cast<double>(rowSize))) *
                rowSize;
      break;
    }
    bounds_.push_back(std::max(cut, bounds_.back()));
  }
  bounds_.push_back(end);
  size_t rank = static_cast<size_t>(comm.rank()), first = bounds_[rank], last = bounds_[rank + 1];
  if (shared_) {
    fusedParts_ = comm.shareMemory(fusedFloats);
    shareWeights(session);
  } else {
    mine_.assign(last - first, 0.0f);
  }
  std::map<int, RowRange> rows;
  for (const auto& f : train.fedGradients) {
    size_t start = start_[f.variable], rowSize = rowSize_[f.variable];
    size_t from = std::max(first, start), to = std::min(last, start + elementsOf(graph.node(f.variable).shape));
    if (to > from)
      rows[f.variable] = {static_cast<int64_t>((from - start) / rowSize), static_cast<int64_t>((to - from) / rowSize)};
  }
  shard_ = shardUpdates(graph, train, owners_, rows, shared_ ? comm.size() : 1);
  session_ = std::make_unique<Session>(shard_.graph, 0, options);
  for (const UpdateShard::Output& o : shard_.outputs) {
    fetches_.push_back(o.fetch);
    if (next_.count(o.variable)) continue;  // a shared weight
    const Node& v = graph.node(o.variable);
    Halide::Buffer<>& next = next_[o.variable] = allocateValue(v.dtype, v.shape);
    // The rows of the other ranks are stale until gathered, but finite.
    std::memset(next.data(), 0, next.size_in_bytes());
  }
}

void ShardedOptimizer::shareWeights(Session& session) {
  bool first = comm_.rank() == 0;
  size_t total = 0;
  for (const auto& f : train_.fedGradients) total += elementsOf(graph_.node(f.variable).shape);
  float* at = comm_.shareMemory(first ? total : 0)[0];
  float* spare = comm_.shareMemory(first ? total : 0)[0];
  std::vector<Halide::Buffer<>> shared;
  for (const auto& f : train_.fedGradients) {
    Halide::Buffer<float> value = session.variable(f.variable);
    std::vector<int> extents(static_cast<size_t>(value.dimensions()));
    for (int d = 0; d < value.dimensions(); ++d) extents[static_cast<size_t>(d)] = value.dim(d).extent();
    Halide::Buffer<float> place(at, extents);
    if (first) place.copy_from(value);
    shared.emplace_back(place);
    next_[f.variable] = Halide::Buffer<float>(spare, extents);
    at += value.number_of_elements();
    spare += value.number_of_elements();
  }
  comm_.synchronizeShared();
  for (size_t i = 0; i < shared.size(); ++i) session.assignVariable(train_.fedGradients[i].variable, shared[i]);
}

void ShardedOptimizer::sumShared(size_t count, float* sums) {
  comm_.synchronizeShared();
  std::fill(sums, sums + count, 0.0f);
  for (const float* part : fusedParts_)
    for (size_t i = 0; i < count; ++i) sums[i] += part[i];
}

void ShardedOptimizer::compile() { session_->compileAhead({{fetches_, 1}}, nullptr); }

std::vector<size_t> ShardedOptimizer::partsOf(int variable) const {
  size_t start = start_.at(variable), end = start + elementsOf(graph_.node(variable).shape);
  std::vector<size_t> parts;
  for (size_t b : bounds_) parts.push_back(std::clamp(b, start, end) - start);
  return parts;
}

void ShardedOptimizer::startReduce(const float* fused, size_t begin, size_t end) {
  comm_.startReduceScatter(fused, begin, end, bounds_, mine_.data());
}

void ShardedOptimizer::update(Session& session, const Halide::Buffer<float>& learningRate) {
  size_t first = bounds_[static_cast<size_t>(comm_.rank())];
  for (const UpdateShard::View& in : shard_.inputs) {
    const Node& source = graph_.node(in.original);
    if (source.op == Op::Variable) {
      session_->feed(in.placeholder, rowsOf(session.variable(in.original), in.rows));
    } else if (in.original == train_.learningRate) {
      session_->feed(in.placeholder, learningRate);
    } else {  // a gradient: its rows in mine_, or in the fused buffer of rank `part`
      int variable = variableOfFed_.at(in.original);
      size_t offset = start_.at(variable) + static_cast<size_t>(in.rows.first) * rowSize_.at(variable);
      float* rows = shared_ ? fusedParts_[static_cast<size_t>(in.part)] + offset : mine_.data() + (offset - first);
      std::vector<int> extents(source.shape.rbegin(), source.shape.rend());
      if (!extents.empty()) extents.back() = static_cast<int>(in.rows.count);
      session_->feed(in.placeholder, Halide::Buffer<float>(rows, extents));
    }
  }
  // Not in place: an elementwise kernel may compute the last vector of a row over elements that
  // the one before it computed (Halide's ShiftInwards tails), reading what it has just written.
  std::vector<Halide::Buffer<>> outputs;
  for (const UpdateShard::Output& o : shard_.outputs) outputs.push_back(rowsOf(next_[o.variable], o.rows));
  session_->runInto(fetches_, outputs);
  if (shared_) {
    // Every rank has written its rows of the shared next weights, which become the weights of
    // every rank; the fused buffers are free for the next step.
    comm_.synchronizeShared();
    for (const auto& f : train_.fedGradients) session.assignVariable(f.variable, next_[f.variable]);
  }
  // The next values become the variables' (their other rows are stale until gathered).
  for (const UpdateShard::Output& o : shard_.outputs)
    if (!shared_ || !start_.count(o.variable)) session.assignVariable(o.variable, next_[o.variable]);
  if (shared_) return;
  for (const auto& f : train_.fedGradients) comm_.startGather(session.variable(f.variable).data(), partsOf(f.variable));
  comm_.finishExchanges();
}

void ShardedOptimizer::gatherState(Session& session) {
  for (size_t u = 0; u < train_.updates.size(); ++u) {
    int owner = owners_[u], variable = train_.updates[u].variable;
    if (owner >= 0 && variable != owner) comm_.startGather(session.variable(variable).data(), partsOf(owner));
  }
  comm_.finishExchanges();
}

}  // namespace graphc
