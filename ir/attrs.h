// \file Named attributes of a graph node: integers, floats, strings and integer lists.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace graphc {

using AttrValue = std::variant<int64_t, double, std::string, std::vector<int64_t>>;

// An ordered map so that printing is deterministic.
class Attrs {
 public:
  Attrs& set(const std::string& key, AttrValue v) {
    values_[key] = std::move(v);
    return *this;
  }
  bool has(const std::string& key) const { return values_.count(key) > 0; }
  int64_t getInt(const std::string& key, int64_t fallback = 0) const;
  double getFloat(const std::string& key, double fallback = 0) const;
  std::string getString(const std::string& key, const std::string& fallback = "") const;
  std::vector<int64_t> getInts(const std::string& key) const;
  const std::map<std::string, AttrValue>& all() const { return values_; }
  // "strides=1 padding=same" (empty when there are none).
  std::string toString() const;

 private:
  std::map<std::string, AttrValue> values_;
};

}  // namespace graphc
