// \file "did you mean ...?": the known name nearest to a misspelled one.
#pragma once

#include <string>
#include <vector>

namespace graphc {

// The candidate with the smallest edit distance to name (insertions, deletions, substitutions and
// swaps of neighbours, ignoring case), if that distance is small for the name's length (at most a
// third of it, at least 1); "" when nothing is that close. Ties go to the earlier candidate.
std::string nearestName(const std::string& name, const std::vector<std::string>& candidates);

// " (did you mean 'NAME'?)" for the nearest candidate, or "".
std::string didYouMean(const std::string& name, const std::vector<std::string>& candidates);

}  // namespace graphc
