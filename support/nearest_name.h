// \file "Did you mean ...?": the valid name nearest to a misspelled one, for every message that
// rejects a name (flags, verbs, ops, layers, optimizers), so they all suggest alike.
#pragma once

#include <string>
#include <vector>

namespace graphc {

// The candidate closest to wrong in edit distance (insertions, deletions, substitutions and
// swaps of neighbours count one each, letter case ignored), when it is close enough to be a
// likely misspelling: at most a third of the longer name's length, and at least 1. "" when none is.
std::string nearestName(const std::string& wrong, const std::vector<std::string>& candidates);

// " (did you mean 'NAME'?)" for nearestName's answer, or "" when there is none.
std::string didYouMean(const std::string& wrong, const std::vector<std::string>& candidates);

}  // namespace graphc
