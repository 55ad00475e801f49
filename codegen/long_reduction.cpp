// \file Chunked reductions (see long_reduction.h): the chunk partials, their combination, their
// CPU schedule.
#include "codegen/long_reduction.h"

#include <limits>

namespace graphc {
namespace {

using Halide::Expr;
using Halide::Func;
using Halide::RDom;
using Halide::Var;

// The same threshold as schedule.cpp's: below it, waking the thread pool costs more than it saves.
constexpr double kParallelWork = 32768;

Expr neutral(Halide::Type type, ReduceOp op) {
  constexpr float inf = std::numeric_limits<float>::infinity();
  switch (op) {
    case ReduceOp::Sum:
      return Halide::cast(type, 0);
    case ReduceOp::Prod:
      return Halide::cast(type, 1);
    case ReduceOp::Max:
      return type.is_float() ? Halide::cast(type, -inf) : type.min();
    case ReduceOp::Min:
      return type.is_float() ? Halide::cast(type, inf) : type.max();
  }
  return Halide::cast(type, 0);
}

Expr combine(ReduceOp op, Expr acc, Expr term) {
  switch (op) {
    case ReduceOp::Sum:
      return acc + term;
    case ReduceOp::Prod:
      return acc * term;
    case ReduceOp::Max:
      return Halide::max(acc, term);
    case ReduceOp::Min:
      return Halide::min(acc, term);
  }
  return acc + term;
}

// Halide's inline reduction of op over the RDom the expression reads.
Expr inlineReduce(ReduceOp op, Expr e) {
  switch (op) {
    case ReduceOp::Sum:
      return Halide::sum(e);
    case ReduceOp::Prod:
      return Halide::product(e);
    case ReduceOp::Max:
      return Halide::maximum(e);
    case ReduceOp::Min:
      return Halide::minimum(e);
  }
  return Halide::sum(e);
}

std::vector<Var> namedVars(const std::string& prefix, size_t n) {
  std::vector<Var> vars;
  for (size_t i = 0; i < n; ++i) vars.emplace_back(prefix + std::to_string(i));
  return vars;
}

// Halide's argument order (innermost first) of user-order values.
template <typename T>
std::vector<T> reversed(std::vector<T> v) {
  return std::vector<T>(v.rbegin(), v.rend());
}

RDom domain(const std::vector<int64_t>& extents, const std::string& name) {
  Halide::Region region;
  for (auto it = extents.rbegin(); it != extents.rend(); ++it) region.push_back({0, static_cast<int>(*it)});
  return RDom(region, name);
}

// The user-order Exprs of an RDom built by domain().
std::vector<Expr> rvars(const RDom& r) {
  std::vector<Expr> v;
  for (int i = r.dimensions(); i-- > 0;) v.push_back(r[i]);
  return v;
}

Expr finished(const std::function<Expr(Expr)>& finish, Expr value, Halide::Type type) {
  return Halide::cast(type, finish ? finish(value) : value);
}

}  // namespace

// One level: chunks of `chunk` terms; on GPU targets the partials are reduced again, level by
// level, until one thread per output adds at most `chunk` of them.
LongReduction reduceLevel(const std::string& name, int level, const Shape& outShape,
                          const std::vector<int64_t>& extents, Halide::Type type, ReduceOp op,
                          const LowerContext& context, const ReductionTerm& term,
                          const std::function<Expr(Expr)>& finish) {
  const int64_t chunkSize = context.gpu ? kGpuReductionFanIn : kReductionChunk;
  LongReduction out;
  out.result = Func(name);
  std::vector<Var> ov = namedVars("o", outShape.size());
  std::vector<Expr> outArgs(ov.rbegin(), ov.rend());
  size_t k = extents.size();
  int64_t total = 1;
  for (int64_t e : extents) total *= e;
  if (k == 0 || total <= chunkSize) {
    RDom r = domain(extents.empty() ? std::vector<int64_t>{1} : extents,
                    name + "_r" + (level > 0 ? std::to_string(level) : ""));
    Expr t = term(ov, extents.empty() ? std::vector<Expr>{} : rvars(r));
    Expr value = inlineReduce(op, t);
    out.result(outArgs) = finished(finish, value, type);
    return out;
  }
  // The chunk: the innermost reduced axes whose product fits in chunkSize, or, when the
  // innermost axis alone is longer, chunkSize consecutive elements of it.
  size_t innerStart = k;
  int64_t innerCount = 1;
  while (innerStart > 0 && innerCount * extents[innerStart - 1] <= chunkSize) innerCount *= extents[--innerStart];
  bool split = innerStart == k;
  int64_t last = extents.back();
  std::vector<int64_t> chunkExtents(extents.begin(),
                                    extents.begin() + static_cast<std::ptrdiff_t>(split ? k - 1 : innerStart));
  if (split) chunkExtents.push_back((last + chunkSize - 1) / chunkSize);
  std::vector<int64_t> innerExtents =
      split ? std::vector<int64_t>{chunkSize}
            : std::vector<int64_t>(extents.begin() + static_cast<std::ptrdiff_t>(innerStart), extents.end());

  // partial[chunk..., out...] (user order): the chunk's terms in sequence, in the terms' type.
  std::vector<Var> cv = namedVars("k", chunkExtents.size());
  std::vector<Var> hv(ov.rbegin(), ov.rend());  // partial's arguments, Halide order
  for (auto it = cv.rbegin(); it != cv.rend(); ++it) hv.push_back(*it);
  std::vector<Expr> partialArgs(hv.begin(), hv.end());
  RDom ri = domain(innerExtents, name + "_ri" + (level > 0 ? std::to_string(level) : ""));
  std::vector<Expr> red;
  Expr inRange = Halide::Internal::const_true();
  if (split) {
    red.assign(cv.begin(), cv.end() - 1);
    Expr position = cv.back() * static_cast<int>(chunkSize) + ri.x;
    if (last % chunkSize != 0) {
      inRange = position < static_cast<int>(last);
      position = Halide::min(position, static_cast<int>(last - 1));
    }
    red.push_back(position);
  } else {
    red.assign(cv.begin(), cv.end());
    for (const Expr& e : rvars(ri)) red.push_back(e);
  }
  Func partial(name + "_chunks" + (level > 0 ? std::to_string(level) : ""));
  partial(partialArgs) = neutral(type, op);
  Expr t = term(ov, red);
  if (split && last % chunkSize != 0) t = Halide::select(inRange, t, neutral(type, op));
  partial(partialArgs) = combine(op, partial(partialArgs), t);

  int64_t chunkCount = 1;
  for (int64_t e : chunkExtents) chunkCount *= e;
  if (context.gpu && chunkCount > chunkSize) {
    // A tree: the partials are the next level's terms; each level is one kernel over every
    // partial of the level, in parallel.
    LongReduction next = reduceLevel(
        name, level + 1, outShape, chunkExtents, type, op, context,
        [partial](const std::vector<Var>& v, const std::vector<Expr>& red) {
          std::vector<Expr> args(v.rbegin(), v.rend());
          for (auto it = red.rbegin(); it != red.rend(); ++it) args.push_back(*it);
          return Func(partial)(args);
        },
        finish);
    next.helpers.insert(next.helpers.begin(), partial);
    return next;
  }

  // The partials combined in chunk order: float64 for a float sum or product on the CPU; GPU targets keep
  // float32 (OpenCL devices need not support doubles).
  RDom rc = domain(chunkExtents, name + "_rc" + (level > 0 ? std::to_string(level) : ""));
  std::vector<Expr> readArgs = outArgs;
  for (int i = 0; i < rc.dimensions(); ++i) readArgs.push_back(rc[i]);
  Expr p = partial(readArgs);
  bool wide = (op == ReduceOp::Sum || op == ReduceOp::Prod) && type.is_float() && !context.gpu;
  Expr value = inlineReduce(op, wide ? Halide::cast<double>(p) : p);
  out.result(outArgs) = finished(finish, value, type);
  out.helpers.push_back(partial);

  // CPU: the innermost output dimension in vectors when it is wide enough (channels), the
  // outermost chunk dimension in parallel.
  int64_t innermost = outShape.empty() ? chunkExtents.back() : outShape.back();
  int width = innermost >= context.lanes ? context.lanes : innermost >= 8 ? 8 : 0;
  double work = static_cast<double>(total);
  for (int64_t e : outShape) work *= static_cast<double>(e);
  int64_t outermost = chunkExtents.front();
  out.schedule = [=]() mutable {
    partial.compute_root();
    std::vector<Halide::VarOrRVar> order{hv[0]};
    for (int i = 0; i < ri.dimensions(); ++i) order.push_back(ri[i]);
    for (size_t i = 1; i < hv.size(); ++i) order.push_back(hv[i]);
    Halide::Stage update = partial.update();
    update.reorder(order);
    if (width > 0) {
      partial.vectorize(hv[0], width, Halide::TailStrategy::GuardWithIf);
      update.vectorize(hv[0], width, Halide::TailStrategy::GuardWithIf);
    }
    if (outermost >= 2 && work >= kParallelWork) {
      partial.parallel(hv.back());
      update.parallel(hv.back());
    }
  };
  return out;
}

LongReduction longReduction(const std::string& name, const Shape& outShape, const std::vector<int64_t>& extents,
                            Halide::Type type, ReduceOp op, const LowerContext& context, const ReductionTerm& term,
                            const std::function<Expr(Expr)>& finish) {
  return reduceLevel(name, 0, outShape, extents, type, op, context, term, finish);
}

void addReduction(LoweredNode& out, const LongReduction& r) {
  for (const Func& h : r.helpers) out.helpers.push_back(h);
  if (!r.schedule) return;
  std::function<void()> before = out.extraSchedule, after = r.schedule;
  out.extraSchedule = [before, after]() {
    if (before) before();
    after();
  };
}

}  // namespace graphc
