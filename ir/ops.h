// \file `enum class Op`: every graph op, one enumerator per entry of ir/ops.def, and the mapping
// between an op and its spelling (the rest of the table is ir/op_table.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace graphc {

enum class Op : uint8_t {
#define OP(name, ...) name,
#include "ir/ops.def"
#undef OP
};

constexpr size_t kNumOps = 0
#define OP(...) +1
#include "ir/ops.def"
#undef OP
    ;

inline size_t opIndex(Op op) { return static_cast<size_t>(op); }

// The op's spelling (dumps, golden files, Halide Func names, the DSL).
const std::string& opName(Op op);
// The op spelled `name`, if any: with the printer's opName, the only way between strings and ops.
std::optional<Op> parseOp(const std::string& name);

}  // namespace graphc
