// \file The op table: `enum class Op` and one OpDef per op, both expanded from ir/ops.def, and the
// only mapping between an op's spelling and its enum (opName, parseOp).
//
// Other layers find their part of an op by the enum: the Halide lowering (codegen/lowering.h),
// the gradient rule (passes/gradient_rules.h), the TOSA translation (export/mlir_export.cpp) and
// the reference (tests/testing/reference_ops.h). tests/unit/test_op_table.cpp fails for any op
// missing one of them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace graphc {

// What a type rule sees: the graph so far (for input types) and the node being added,
// whose dtype and shape it fills in. Errors are UserErrors at the node's location.
struct TypeContext {
  const Graph& graph;
  Node& node;
  const Node& input(size_t i) const { return graph.node(node.inputs.at(i)); }
  [[noreturn]] void fail(const std::string& message) const;
};
using TypeRule = void (*)(TypeContext&);

// Traits: what passes may assume about an op, as a bit set.
using Traits = uint32_t;
namespace trait {
constexpr Traits None = 0;
constexpr Traits Source = 1u << 0;          // placeholder, variable, constant: bound to buffers, not lowered
constexpr Traits Elementwise = 1u << 1;     // output element i depends only on input elements at i (broadcast)
constexpr Traits TiledProducer = 1u << 2;   // lowered to a register-tiled reduction that fusion may anchor a kernel on
constexpr Traits Reduction = 1u << 3;       // reduces its input, reading each element once (over attr axes,
                                            // or as its doc says): fusion inlines elementwise producers into it
constexpr Traits Random = 1u << 4;          // draws pseudo-random numbers (from a hash: still deterministic)
constexpr Traits GradientHelper = 1u << 5;  // made by gradient rules or the optimizer, never differentiated
constexpr Traits Builtin = 1u << 6;         // a DSL builtin by its spelling, lowered generically by the front end
constexpr Traits IndexMap = 1u << 7;        // output element i is one input element at an index computed from i's
                                            // (a broadcast): fused into its readers as an elementwise op is
}  // namespace trait

// An op's gradient decision.
enum class Gradient {
  Rule,               // passes/gradient_rules.cpp has a rule
  NotDifferentiable,  // its output is integer, boolean or a gradient piece: no gradient flows through it
  Zero,               // the gradient is zero by definition: its value does not depend on its inputs' values
                      // (element_count), is piecewise constant (floor, round, sign) or stops it (stop_gradient)
};

// An op's TOSA decision.
enum class Tosa {
  Translated,  // export/mlir_export.cpp translates it
  None,        // no TOSA form: exporting a graph whose scores need it is a user error
};

// How ir/op_cost.cpp estimates an op's floating-point operations.
enum class FlopRule {
  PerOutput,                      // one per element produced
  PerInput,                       // one per element of input 0 read
  Conv2d,                         // multiply-adds (two FLOPs) of each output over the filter window
  Conv2dBackpropInput,            // multiply-adds of each output gradient element over the filter window
  Conv2dBackpropFilter,           // the same count, for the filter gradient
  Matmul,                         // multiply-adds of each output over the inner dimension
  DepthwiseConv2d,                // multiply-adds of each output over its kh x kw window
  DepthwiseConv2dBackpropInput,   // the same count, from the output gradient (input 0)
  DepthwiseConv2dBackpropFilter,  // the same count, from the output gradient (input 1)
};

enum class AttrType { Float, Int, Ints, String, DType };

// One attribute as ops.def declares it.
struct AttrDef {
  std::string name;
  AttrType type = AttrType::Float;
  enum class Use {
    Required,  // the front end or pass that makes the node sets it
    Default,   // the front end writes `fallback` when the user gives none
    Optional,  // set by the compiler only; absent means the op's documented default
    Inferred,  // set by the type rule
  } use = Use::Required;
  std::string fallback;  // the default's spelling, for Use::Default
};

struct OpDef {
  Op op;
  std::string name;  // the spelling
  int minInputs = 0;
  int maxInputs = 0;
  std::vector<std::string> inputs;  // names; a variadic op's single name ends in "..."
  std::vector<AttrDef> attrs;
  std::string attrSpec;  // the attributes as ops.def spells them
  TypeRule inferType = nullptr;
  Traits traits = trait::None;
  Gradient gradient = Gradient::NotDifferentiable;
  Tosa tosa = Tosa::None;
  FlopRule flops = FlopRule::PerOutput;
  std::string doc;

  bool has(Traits t) const { return (traits & t) == t; }
};

// The table, in ops.def's order (indexed by opIndex).
const std::vector<OpDef>& allOps();
const OpDef& opDef(Op op);

inline bool hasTrait(Op op, Traits t) { return opDef(op).has(t); }
inline bool isSource(Op op) { return hasTrait(op, trait::Source); }
inline bool isElementwise(Op op) { return hasTrait(op, trait::Elementwise); }
// Neither a source nor elementwise: reductions, convolutions, reshapes... (computed at root, but
// for index maps: isFusedIntoReaders).
inline bool isComplex(Op op) { return !isSource(op) && !isElementwise(op); }
// Fused into the kernels that read it (passes/fusion.h): elementwise ops and index maps.
inline bool isFusedIntoReaders(Op op) { return hasTrait(op, trait::Elementwise) || hasTrait(op, trait::IndexMap); }
// Whether the op reads input `index` for its shape only (an input named `like`: sum_like...).
inline bool readsShapeOnly(Op op, size_t index) {
  const std::vector<std::string>& names = opDef(op).inputs;
  return index < names.size() && names[index] == "like";
}

// Output size and leading pad of one spatial dimension of a convolution or pooling window,
// with TensorFlow's rules ("same": out = ceil(in / stride), the odd pad goes after).
struct WindowDim {
  int64_t out = 0;
  int64_t padBefore = 0;
};
WindowDim windowDim(int64_t in, int64_t kernel, int64_t stride, int64_t dilation, const std::string& padding);

}  // namespace graphc
