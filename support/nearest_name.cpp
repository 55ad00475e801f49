// \file Nearest valid name by optimal-string-alignment distance (Damerau-Levenshtein without
// repeated edits of one substring): typos are mostly one wrong, missing, extra or swapped letter.
#include "support/nearest_name.h"

#include <algorithm>
#include <cctype>

namespace graphc {
namespace {

size_t editDistance(const std::string& a, const std::string& b) {
  auto same = [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  };
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i)
    for (size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (same(a[i - 1], b[j - 1]) ? 0 : 1)});
      if (i > 1 && j > 1 && same(a[i - 1], b[j - 2]) && same(a[i - 2], b[j - 1]))
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

}  // namespace

std::string nearestName(const std::string& wrong, const std::vector<std::string>& candidates) {
  std::string best;
  size_t bestDistance = 0;
  for (const std::string& c : candidates) {
    size_t distance = editDistance(wrong, c);
    size_t limit = std::max<size_t>(1, std::max(wrong.size(), c.size()) / 3);
    if (distance > limit || (!best.empty() && distance >= bestDistance)) continue;
    best = c, bestDistance = distance;
  }
  return best;
}

std::string didYouMean(const std::string& wrong, const std::vector<std::string>& candidates) {
  std::string near = nearestName(wrong, candidates);
  return near.empty() ? "" : " (did you mean '" + near + "'?)";
}

}  // namespace graphc
