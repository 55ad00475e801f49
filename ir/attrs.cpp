// \file Attribute access and deterministic printing.
#include "ir/attrs.h"

#include <sstream>

namespace graphc {

int64_t Attrs::getInt(const std::string& key, int64_t fallback) const {
  auto it = values_.find(key);
  if (it == values_.end()) return fallback;
  if (auto* i = std::get_if<int64_t>(&it->second)) return *i;
  if (auto* d = std::get_if<double>(&it->second)) return static_cast<int64_t>(*d);
  return fallback;
}

double Attrs::getFloat(const std::string& key, double fallback) const {
  auto it = values_.find(key);
  if (it == values_.end()) return fallback;
  if (auto* d = std::get_if<double>(&it->second)) return *d;
  if (auto* i = std::get_if<int64_t>(&it->second)) return static_cast<double>(*i);
  return fallback;
}

std::string Attrs::getString(const std::string& key, const std::string& fallback) const {
  auto it = values_.find(key);
  if (it == values_.end()) return fallback;
  if (auto* s = std::get_if<std::string>(&it->second)) return *s;
  return fallback;
}

std::vector<int64_t> Attrs::getInts(const std::string& key) const {
  auto it = values_.find(key);
  if (it == values_.end()) return {};
  if (auto* v = std::get_if<std::vector<int64_t>>(&it->second)) return *v;
  return {};
}

std::string Attrs::toString() const {
  std::ostringstream os;
  bool first = true;
  for (const auto& [key, value] : values_) {
    if (!first) os << " ";
    first = false;
    os << key << "=";
    if (auto* i = std::get_if<int64_t>(&value))
      os << *i;
    else if (auto* d = std::get_if<double>(&value))
      os << *d;
    else if (auto* s = std::get_if<std::string>(&value))
      os << *s;
    else {
      const auto& v = std::get<std::vector<int64_t>>(value);
      os << "[";
      for (size_t k = 0; k < v.size(); ++k) os << (k ? "," : "") << v[k];
      os << "]";
    }
  }
  return os.str();
}

}  // namespace graphc
