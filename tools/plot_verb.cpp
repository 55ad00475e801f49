// \file `graphc plot LOGDIR`: draws the pictures of a --log-dir again from its files.
#include <fmt/core.h>

#include "runtime/plots.h"
#include "tools/verbs.h"

namespace graphc {

int plotVerb(const std::vector<std::string>& args) {
  VerbFlags flags("plot", "graphc plot LOGDIR",
                  "Draws LOGDIR/curves.png from LOGDIR/metrics.csv (written by `graphc run --log-dir LOGDIR`):\n"
                  "the loss and each metric against the epoch (against the step with eval_every), training\n"
                  "and validation. When the run has ended (predictions.csv and samples.idx are there), also\n"
                  "predictions.png (the first 25 test images, predicted and true classes, mistakes in red)\n"
                  "and confusion.png (the test set's confusion matrix). A run with --log-dir draws them at its\n"
                  "end; plot draws them again, also while a run is still writing the folder.");
  if (!flags.parse(args)) return 0;
  if (flags.positional().size() != 1) throw FlagError{"expected one log folder (written by run --log-dir)"};
  for (const std::string& path : drawPlots(flags.positional()[0])) fmt::print("wrote {}\n", path);
  return 0;
}

}  // namespace graphc
