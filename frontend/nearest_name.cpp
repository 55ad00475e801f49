// \file Edit distance (Levenshtein, one row at a time) for spelling hints.
#include "frontend/nearest_name.h"

#include <algorithm>

namespace graphc {
namespace {

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

std::string nearestName(const std::string& word, const std::vector<std::string>& known) {
  size_t limit = std::max<size_t>(1, word.size() / 3);
  std::string best;
  size_t bestDistance = limit + 1;
  for (const std::string& k : known) {
    size_t d = editDistance(word, k);
    if (d < bestDistance) bestDistance = d, best = k;
  }
  return best;
}

std::string listOfNames(const std::vector<std::string>& names) {
  std::string s;
  for (size_t i = 0; i < names.size(); ++i) s += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
  return s;
}

std::string unknownNameMessage(const std::string& what, const std::string& word,
                               const std::vector<std::string>& known) {
  std::string message = "unknown " + what + " '" + word + "' (expected " + listOfNames(known);
  std::string near = nearestName(word, known);
  if (!near.empty()) message += "; did you mean '" + near + "'?";
  return message + ")";
}

}  // namespace graphc
