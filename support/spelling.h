// \file Suggestions for misspelled names: the closest of the valid ones by edit distance.
#pragma once

#include <string>
#include <vector>

namespace graphc {

// The candidate nearest to word by Levenshtein distance (the first on ties), or "" when even that
// one differs in more than a third of word's characters (then it is no likely misspelling).
std::string nearestName(const std::string& word, const std::vector<std::string>& candidates);

// "unknown KIND 'word' (did you mean 'x'?; expected one of: a, b, c)": the error text for a name
// that is none of candidates.
std::string unknownNameMessage(const std::string& kind, const std::string& word,
                               const std::vector<std::string>& candidates);

}  // namespace graphc
