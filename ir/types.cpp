// \file Element types and shapes: names, printing and broadcasting.
#include "ir/types.h"

#include <algorithm>

namespace graphc {

std::string dtypeName(DType t) {
  switch (t) {
    case DType::F32:
      return "f32";
    case DType::I32:
      return "i32";
    case DType::Bool:
      return "bool";
  }
  return "?";
}

bool parseDType(const std::string& name, DType* out) {
  if (name == "f32")
    *out = DType::F32;
  else if (name == "i32")
    *out = DType::I32;
  else if (name == "bool")
    *out = DType::Bool;
  else
    return false;
  return true;
}

std::string shapeToString(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ",";
    s += shape[i] == kBatch ? "?" : std::to_string(shape[i]);
  }
  return s + "]";
}

std::string typeToString(DType dtype, const Shape& shape) { return dtypeName(dtype) + shapeToString(shape); }

int64_t numElements(const Shape& shape, int64_t batch) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d == kBatch ? batch : d;
  return n;
}

Shape bindBatch(const Shape& shape, int64_t batch) {
  Shape s = shape;
  for (auto& d : s)
    if (d == kBatch) d = batch;
  return s;
}

bool hasBatch(const Shape& shape) { return std::find(shape.begin(), shape.end(), kBatch) != shape.end(); }

bool broadcastShapes(const Shape& a, const Shape& b, Shape* out) {
  size_t rank = std::max(a.size(), b.size());
  Shape r(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da == db)
      r[i] = da;
    else if (da == 1)
      r[i] = db;
    else if (db == 1)
      r[i] = da;
    else
      return false;
  }
  *out = r;
  return true;
}

bool normalizeAxis(int64_t axis, size_t rank, int64_t* out) {
  int64_t r = static_cast<int64_t>(rank);
  if (axis < -r || axis >= r) return false;
  *out = axis < 0 ? axis + r : axis;
  return true;
}

}  // namespace graphc
