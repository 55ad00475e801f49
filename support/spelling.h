// \file "Did you mean ...?": the valid name nearest to a misspelled one, for every message that
// rejects a name (flags, verbs, ops, layers, activations, optimizers), so they all suggest alike.
#pragma once

#include <string>
#include <vector>

namespace graphc {

// The candidate closest to word in edit distance (insertions, deletions, substitutions and swaps
// of neighbours count one each, letter case ignored; the first on ties), when it is close enough
// to be a likely misspelling: at most a third of the longer name's length, and at least 1.
// "" when none is.
std::string nearestName(const std::string& word, const std::vector<std::string>& candidates);

// " (did you mean 'NAME'?)" for nearestName's answer, or "" when there is none.
std::string didYouMean(const std::string& word, const std::vector<std::string>& candidates);

// "a, b or c", for messages.
std::string listOfNames(const std::vector<std::string>& names);

// "unknown KIND 'word' (did you mean 'x'? expected one of: a, b, c)": the error text for a name
// that is none of candidates.
std::string unknownNameMessage(const std::string& kind, const std::string& word,
                               const std::vector<std::string>& candidates);

}  // namespace graphc
