// \file Element types and shapes of graph values; `?` is the batch dimension, bound when fed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace graphc {

enum class DType { F32, I32, Bool };

std::string dtypeName(DType t);
// Parses "f32", "i32", "bool"; returns false for anything else.
bool parseDType(const std::string& name, DType* out);

// The batch dimension: unknown until a batch size is chosen at compile time.
constexpr int64_t kBatch = -1;

using Shape = std::vector<int64_t>;

// "[?,28,28,6]"
std::string shapeToString(const Shape& shape);
// "f32[?,28,28,6]"
std::string typeToString(DType dtype, const Shape& shape);
// Number of elements with `?` replaced by batch.
int64_t numElements(const Shape& shape, int64_t batch);
// Shape with `?` replaced by batch.
Shape bindBatch(const Shape& shape, int64_t batch);
bool hasBatch(const Shape& shape);

// NumPy broadcasting of two shapes; returns false when they are incompatible.
bool broadcastShapes(const Shape& a, const Shape& b, Shape* out);

// Normalises a possibly negative axis; returns false when it is out of range.
bool normalizeAxis(int64_t axis, size_t rank, int64_t* out);

}  // namespace graphc
