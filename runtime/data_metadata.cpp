// \file Data metadata in checkpoints, written with nlohmann/json so any class name survives.
#include "runtime/data_metadata.h"

#include <fmt/core.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "support/diagnostics.h"

namespace graphc {

std::map<std::string, std::string> dataMetadata(const DataSplit& data) {
  std::map<std::string, std::string> metadata;
  if (!data.classNames.empty()) metadata["class_names"] = nlohmann::json(data.classNames).dump();
  if (!data.train.images.empty()) {
    double sum = 0;
    for (uint8_t v : data.train.images) sum += v;
    metadata["image_mean"] = fmt::format("{:.4f}", sum / 255.0 / static_cast<double>(data.train.images.size()));
  }
  return metadata;
}

std::vector<std::string> classNamesFrom(const std::map<std::string, std::string>& metadata, const std::string& source) {
  auto it = metadata.find("class_names");
  if (it == metadata.end()) return {};
  nlohmann::json names = nlohmann::json::parse(it->second, nullptr, false);
  std::vector<std::string> out;
  if (names.is_array())
    for (const auto& n : names) {
      if (!n.is_string()) break;
      out.push_back(n.get<std::string>());
    }
  if (!names.is_array() || out.size() != names.size())
    throw InputError(source + ": the metadata class_names must be a JSON array of strings");
  return out;
}

std::optional<double> imageMeanFrom(const std::map<std::string, std::string>& metadata) {
  auto it = metadata.find("image_mean");
  if (it == metadata.end()) return std::nullopt;
  char* end = nullptr;
  double mean = std::strtod(it->second.c_str(), &end);
  if (end == it->second.c_str() || *end || !(mean >= 0 && mean <= 1)) return std::nullopt;
  return mean;
}

}  // namespace graphc
