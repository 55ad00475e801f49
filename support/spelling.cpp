// \file Edit distances between names, for "did you mean" suggestions.
#include "support/spelling.h"

#include <algorithm>

namespace graphc {
namespace {

// Levenshtein distance, one row at a time.
size_t editDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string nearestName(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t bestDistance = word.size() / 3 + 1;  // a match must be closer than this
  for (const std::string& c : candidates) {
    size_t d = editDistance(word, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

std::string unknownNameMessage(const std::string& kind, const std::string& word,
                               const std::vector<std::string>& candidates) {
  std::string message = "unknown " + kind + " '" + word + "' (";
  std::string nearest = nearestName(word, candidates);
  if (!nearest.empty()) message += "did you mean '" + nearest + "'? ";
  message += "expected one of:";
  for (size_t i = 0; i < candidates.size(); ++i) message += (i ? ", " : " ") + candidates[i];
  return message + ")";
}

}  // namespace graphc
