// \file Lowering of one graph node to Halide Funcs: the table of per-op lowerings and its helpers.
//
// Index convention: graph shapes are row-major in the user's order ([N,H,W,C]); a Halide Func
// takes its arguments innermost first, so a value of shape [N,H,W,C] is the Func f(c, w, h, n).
// `at` and `defineFunc` do that reversal, so lowerings are written in the user's order.
#pragma once

#include <Halide.h>

#include <functional>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "ir/op_table.h"

namespace graphc {

Halide::Type halideType(DType t);

// Calls f with indices in the user's (row-major) order.
Halide::Expr at(const Halide::Func& f, const std::vector<Halide::Expr>& userIndex);

// How a lowering wants its Func scheduled when it is computed at root.
enum class ScheduleHint {
  Pointwise,  // a plain map: vectorize innermost, parallel outermost
  Reduction,  // an update over an RDom: schedule the update's loops too
  Tiled,      // func is a copy of `accumulator`, a reduction computed per register tile
  Custom,     // the lowering schedules its Funcs itself (customSchedule)
};

// A register-blocked reduction (convolutions, matmul): the output is cut into tiles of
// vectorTile x unrollTile elements along two user-order dimensions; each tile's accumulator is
// computed with the reduction loops outside the tile, so the tile's partial sums stay in
// vector registers across the whole reduction.
struct TileSpec {
  Halide::Func accumulator;
  int vectorDim = -1;  // user-order dimension vectorized (a multiple of 8 lanes), -1 for none
  int unrollDim = -1;  // user-order dimension unrolled
  int vectorTile = 0;
  int unrollTile = 1;
  int lanes = 8;  // floats per vector register of the tile (vectorTile is 1 or 2 registers)
  // The two Funcs a matmul's update multiplies, a(k, m) (either orientation) and b(n, k) in
  // Halide order: a GPU schedule stages their tiles in shared memory. Empty for other ops.
  std::vector<Halide::Func> matmulOperands;
  // CPU: copy each column tile's panel of b into a dense buffer shared by the row tiles (see
  // packsMatmulPanels); transposedPanels when b is a transposed view, packed in 8x8 blocks.
  bool packPanels = false;
  bool transposedPanels = false;
  // A reduction summed in chunks (the filter gradient over N*OH*OW): when defined, accumulator
  // adds up, over the node's rdom (the chunks), chunkAccumulator(..., chunk), a Func with one
  // more (outermost) dimension whose register tile sums one chunk over chunkDomain. The tile is
  // then computed afresh for every chunk and added to accumulator (float64 on the CPU), so no
  // float32 register holds more than one chunk's terms.
  Halide::Func chunkAccumulator;
  Halide::RDom chunkDomain;
  // CPU, a matmul of a by b transposed, both operands dense along the reduction (a dense layer's
  // input gradient dY @ W^T): when defined, accumulator(n, m) is the horizontal sum over dotSum
  // of dotLanes(lane, n, m), whose lanes each add every lanes-th term of the dot product over
  // dotDomain (plus, in a second update, the terms of a reduction length that is not a multiple
  // of the lanes). The tile is unrollTile rows of a (unrollDim 0) by dotColumns rows of b, one
  // register per pair: no transposed copy of b, whose rows are read in place.
  Halide::Func dotLanes;
  Halide::RDom dotDomain, dotSum;
  int dotColumns = 0;
};

struct LoweredNode {
  Halide::Func func;
  ScheduleHint hint = ScheduleHint::Pointwise;
  Halide::RDom rdom;                       // the reduction domain, when hint is not Pointwise
  std::vector<Halide::Func> helpers;       // internal stages that must be computed at root
  TileSpec tile;                           // when hint is Tiled
  std::function<void()> customSchedule;    // when hint is Custom: schedules func and its stages
  std::vector<Halide::Func> customStages;  // when hint is Custom: every Func customSchedule computes
                                           // at root, func included (GPU targets schedule these)
  std::function<void()> extraSchedule;     // any hint: run after the default schedule (e.g. of helpers)
};

// Floats per CPU vector register that the schedules use: 16 where the target has AVX-512 (and
// its 32 registers), else 8 (AVX2's 16 registers); 8 for GPU targets, whose tile sizes do not
// depend on the host's.
int vectorLanes(const Halide::Target& target);

// A register tile: vectorTile elements (one or two registers of `lanes` floats) by `rows`.
struct RegisterTile {
  int vectorTile = 0;  // 0: too narrow to vectorize
  int rows = 1;
  int lanes = 8;
};

// The tile for an output of vectorExtent x unrollExtent: two registers (or one, or 8 lanes) wide
// and enough rows to use about three quarters of the registers as accumulators. guardedTile:
// the accumulator may compute lanes beyond vectorExtent (its reads along that dimension are of
// zero-padded copies), so an extent a little short of a wide register (14 of 16 lanes) fills
// one, the last lanes' stores guarded: half the instructions of two overlapping 8-lane halves.
RegisterTile registerTile(int64_t vectorExtent, int64_t unrollExtent, int lanes, bool guardedTile);

// The register tile of a dot-product matmul (TileSpec::dotLanes) with an output of rows x
// columns: rows of a by rows of b, one accumulator register per pair.
struct DotTile {
  int rows = 1, columns = 1;
};
DotTile dotTile(int64_t rows, int64_t columns, int lanes);

// The largest divisor of extent that is at most limit (at least 1): a chunk size fixed by the shape.
int largestDivisorAtMost(int64_t extent, int64_t limit);

// Wraps acc (pure init + update over r) as a Tiled LoweredNode with registerTile's tile along
// vectorDim and unrollDim.
LoweredNode tiledReduction(Halide::Func acc, Halide::RDom r, const Shape& outShape, int vectorDim, int unrollDim,
                           const std::string& name, int lanes, bool guardedTile = false);

// Whether a matmul with this output and reduction length k packs panels of its right operand
// b: when b is at least 1 MB (beyond the caches close to the core) and more than one row tile
// reads each panel. A column tile reads b one cache line per row k, each line on a new page when
// rows are 4 KB apart, out of reach of the hardware prefetcher.
bool packsMatmulPanels(const Shape& outShape, int64_t k, int lanes);

// Whether a matmul of a [m, k] by b transposed ([n, k]) with this output runs as dot products
// of rows (TileSpec::dotLanes): when b is at least 1 MB, whose transposed copy (panel by panel)
// would be a pass over memory, and the dot products are at least 4 vectors long. A smaller b is
// copied in cache, where the lane sums at the end of short dot products cost more: lenet5's
// 32 x 120 by 400 x 120 input gradient ran 0.032 ms as dot products, 0.018 ms on the copy.
bool dotProductMatmul(const Shape& outShape, int64_t k, int lanes);

// The kernel whose root is `root` and whose loops are those of its fused register-tiled
// producer `anchor` (passes/fusion.h): the anchor's tiles, helpers and schedule with the root's
// Func as the output, so each tile applies the root's elementwise chain before it is stored.
LoweredNode withAnchor(const LoweredNode& root, const LoweredNode& anchor);

struct LowerContext {
  const Node& node;
  std::vector<Halide::Func> inputs;  // one per node input
  std::vector<Shape> inputShapes;    // batch bound
  Shape outShape;                    // batch bound
  int64_t batch = 1;
  int lanes = 8;     // vectorLanes of the target
  bool gpu = false;  // a GPU target: CPU-only staging (packed panels) is left out

  const Shape& inShape(size_t i) const { return inputShapes.at(i); }
  std::string name(const std::string& suffix = "") const;
};

// Defines func(vars) = body(userVars), with one Var per dimension of shape, in user order.
void defineFunc(Halide::Func& func, size_t rank,
                const std::function<Halide::Expr(const std::vector<Halide::Var>&)>& body);
std::vector<Halide::Expr> toExprs(const std::vector<Halide::Var>& vars);
// The Halide variables of a Func of the given rank in user order (same names each call).
std::vector<Halide::Var> userVars(size_t rank);

// Input i's element at an output position under NumPy broadcasting: the leading dimensions it
// lacks are dropped and its dimensions of size 1 stay at index 0.
Halide::Expr broadcastInput(const LowerContext& c, size_t i, const std::vector<Halide::Var>& vars);

// exp(x) that is +inf above float32's range and NaN for a NaN, as libm's: Halide's exp builds
// its result's exponent from an integer that overflows for large arguments, so exp(1e30) and
// exp(+inf) come out 0 and exp(NaN) 0 (and sigmoid(-1e30) 1). strict_float keeps the NaN test
// from being optimized away under fast-math flags.
Halide::Expr finiteSafeExp(Halide::Expr x);

using LowerFn = std::function<LoweredNode(LowerContext&)>;

// The lowering of op, or nullptr when the op has none (sources are bound, not lowered).
const LowerFn* findLowering(Op op);

// Registration by the files that implement lowerings (one per op family).
void registerElementwiseLowerings(std::vector<std::pair<Op, LowerFn>>& table);
void registerNNLowerings(std::vector<std::pair<Op, LowerFn>>& table);
void registerReductionLowerings(std::vector<std::pair<Op, LowerFn>>& table);
void registerSelectionLowerings(std::vector<std::pair<Op, LowerFn>>& table);
void registerShapeLowerings(std::vector<std::pair<Op, LowerFn>>& table);
void registerPoolingLowerings(std::vector<std::pair<Op, LowerFn>>& table);
void registerLogSoftmaxLowerings(std::vector<std::pair<Op, LowerFn>>& table);
void registerRandomLowerings(std::vector<std::pair<Op, LowerFn>>& table);
void registerV2NNLowerings(std::vector<std::pair<Op, LowerFn>>& table);  // v2 nn ops

}  // namespace graphc
