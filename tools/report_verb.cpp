// \file `graphc report LOGDIR`: writes LOGDIR/report.html from a --log-dir's files.
#include <fmt/core.h>

#include "runtime/html_report.h"
#include "tools/verbs.h"

namespace graphc {

int reportVerb(const std::vector<std::string>& args) {
  VerbFlags flags("report", "graphc report LOGDIR",
                  "Writes LOGDIR/report.html, one self-contained page (the pictures are embedded, it needs\n"
                  "no network) about the run logged in LOGDIR by `graphc run --log-dir LOGDIR`: the model's\n"
                  "summary and hyper-parameters, the test set's loss and metrics, the metrics of each epoch,\n"
                  "and curves.png, predictions.png and confusion.png, drawn again first (as `graphc plot`).");
  if (!flags.parse(args)) return 0;
  if (flags.positional().size() != 1) throw FlagError{"expected one log folder (written by run --log-dir)"};
  fmt::print("wrote {}\n", writeHtmlReport(flags.positional()[0]));
  return 0;
}

}  // namespace graphc
