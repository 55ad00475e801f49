// \file Spelling help for unknown names: the closest known name and the list of known ones.
#pragma once

#include <string>
#include <vector>

namespace graphc {

// The known name closest to word by edit distance, or "" when none is close enough to be a
// likely typo (at most a third of the word's letters, and at least 1, differ).
std::string nearestName(const std::string& word, const std::vector<std::string>& known);

// "a, b or c", for messages.
std::string listOfNames(const std::vector<std::string>& names);

// "unknown WHAT 'word' (expected a, b or c; did you mean 'b'?)", the hint only when one is near.
std::string unknownNameMessage(const std::string& what, const std::string& word, const std::vector<std::string>& known);

}  // namespace graphc
