// \file Grey data fed to a colour model, or colour data to a grey one: the images converted once,
// after loading, with a one-line note (what Keras users do by hand with grayscale_to_rgb).
#pragma once

#include <cstdio>
#include <vector>

#include "ir/graph.h"
#include "ir/model.h"
#include "runtime/dataset.h"

namespace graphc {

// When the image feed's placeholder is [?, H, W, C] with C 1 or 3 and the data's images are H x W
// with the other of those two channel counts, converts both splits: grey repeated into R, G and B,
// colour to its luma (ITU-R 601-2, as PIL's convert('L') and image_folder's conversion). Prints
// one note to out (when not null). Anything else is left as it is, for checkFeeds to judge.
void matchImageChannels(const Graph& graph, const std::vector<FeedSpec>& feeds, DataSplit& data, std::FILE* out);

}  // namespace graphc
