// \file curves.png: one panel per quantity (loss, then each metric), training in blue and
// validation in orange, with axes, labels and a legend, as the Keras tutorials plot history.
#include "runtime/plots.h"

#include <fmt/format.h>
#include <plplot.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>
#include <vector>

#include "runtime/log_dir.h"
#include "support/diagnostics.h"
#include "support/regular_file.h"

namespace graphc {
namespace {

struct Table {
  std::vector<std::string> columns;
  std::map<std::string, std::vector<double>> values;  // by column; NaN for an empty cell
};

std::vector<std::string> cellsOf(const std::string& line) {
  std::vector<std::string> cells;
  std::stringstream in(line);
  for (std::string cell; std::getline(in, cell, ',');) cells.push_back(cell);
  if (!line.empty() && line.back() == ',') cells.emplace_back();
  return cells;
}

Table readMetrics(const std::string& path) {
  std::string text, why;
  if (!readRegularFile(path, kMaxLogFileBytes, &text, &why))
    throw InputError(fmt::format("{}: cannot read it ({}; is this a --log-dir of `graphc run`?)", path, why));
  std::istringstream in(text);
  Table t;
  std::string line;
  std::getline(in, line);
  t.columns = cellsOf(line);
  if (t.columns.size() < 5 || t.columns[0] != "epoch" || t.columns[1] != "step" || t.columns[4] != "loss")
    throw InputError(fmt::format("{}: the header is '{}', not graphc's epoch,step,seconds,lr,loss,...", path, line));
  for (int row = 2; std::getline(in, line); ++row) {
    std::vector<std::string> cells = cellsOf(line);
    if (cells.size() != t.columns.size())
      throw InputError(fmt::format("{}:{}: {} cells, expected {}", path, row, cells.size(), t.columns.size()));
    for (size_t c = 0; c < cells.size(); ++c) {
      char* end = nullptr;
      double v = cells[c].empty() ? NAN : std::strtod(cells[c].c_str(), &end);
      if (!cells[c].empty() && *end != '\0')
        throw InputError(fmt::format("{}:{}: '{}' is not a number", path, row, cells[c]));
      t.values[t.columns[c]].push_back(v);
    }
  }
  if (t.values["epoch"].empty()) throw InputError(fmt::format("{}: no rows yet", path));
  return t;
}

// One panel: the training series and, when present, the validation one.
void drawPanel(const std::string& title, const std::string& xLabel, const std::vector<double>& x,
               const std::vector<double>& train, const std::vector<double>* validation) {
  double xMin = *std::min_element(x.begin(), x.end()), xMax = *std::max_element(x.begin(), x.end());
  if (xMax == xMin) xMin -= 1, xMax += 1;
  double yMin = INFINITY, yMax = -INFINITY;
  for (const std::vector<double>* s : {&train, validation})
    if (s)
      for (double v : *s)
        if (std::isfinite(v)) yMin = std::min(yMin, v), yMax = std::max(yMax, v);
  double pad = yMax > yMin ? 0.08 * (yMax - yMin) : 0.5;
  plcol0(15);
  plenv(xMin, xMax, yMin - pad, yMax + pad, 0, 2);  // the next panel, axes with a grid
  pllab(xLabel.c_str(), title.c_str(), title.c_str());
  auto line = [&](const std::vector<double>& y, int r, int g, int b) {
    plscol0(1, r, g, b);
    plcol0(1);
    plwidth(2.5);
    plline(static_cast<PLINT>(x.size()), x.data(), y.data());
    plpoin(static_cast<PLINT>(x.size()), x.data(), y.data(), 17);
    plwidth(1);
  };
  line(train, 31, 119, 180);  // matplotlib's first two colours
  if (validation) line(*validation, 255, 127, 14);
  // The legend inside the panel, in the corner the training curve moves away from: top right for
  // a falling loss, bottom right for a rising accuracy.
  PLINT n = validation ? 2 : 1;
  std::vector<PLINT> opts(n, PL_LEGEND_LINE), colors = {2, 3}, styles(n, 1);
  std::vector<PLFLT> widths(n, 2.5), textScale(n, 1.0);
  plscol0(2, 31, 119, 180);
  plscol0(3, 255, 127, 14);
  const char* texts[] = {"training", "validation"};
  std::vector<PLINT> textColors(n, 15), zero(n, 0);
  std::vector<PLFLT> zeroF(n, 0);
  std::vector<const char*> noSymbols(n, "");
  PLFLT width = 0, height = 0;
  PLINT corner = (train.back() > train.front() ? PL_POSITION_BOTTOM : PL_POSITION_TOP) | PL_POSITION_RIGHT;
  pllegend(&width, &height, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX, corner | PL_POSITION_INSIDE, 0.02, 0.02, 0.1,
           0, 15, 1, 0, 0, n, opts.data(), 1.0, 1.0, 2.0, 1.0, textColors.data(), texts, zero.data(), zero.data(),
           zeroF.data(), zeroF.data(), colors.data(), styles.data(), widths.data(), zero.data(), zeroF.data(),
           zero.data(), noSymbols.data());
}

}  // namespace

void drawCurves(const std::string& dir) {
  Table t = readMetrics(dir + "/metrics.csv");
  // Against the epoch when each row is an epoch, else (eval_every reports) against the step.
  const std::vector<double>& epochs = t.values["epoch"];
  bool perEpoch = std::adjacent_find(epochs.begin(), epochs.end()) == epochs.end();
  const std::vector<double>& x = perEpoch ? epochs : t.values["step"];
  std::vector<std::string> quantities;
  for (size_t c = 4; c < t.columns.size(); ++c)
    if (t.columns[c].rfind("val_", 0) != 0) quantities.push_back(t.columns[c]);
  std::string path = dir + "/curves.png", temporary = fmt::format("{}.tmp-{}", path, getpid());
  plsdev("pngcairo");
  plsfnam(temporary.c_str());
  plspage(0, 0, static_cast<PLINT>(560 * quantities.size()), 440, 0, 0);
  plscolbg(255, 255, 255);
  plscol0(15, 0, 0, 0);  // colour 15, the axes' and text's, black (PLplot's default is white)
  plssub(static_cast<PLINT>(quantities.size()), 1);
  plinit();
  plschr(0, 1.1);
  for (const std::string& q : quantities) {
    auto val = t.values.find("val_" + q);
    drawPanel(q, perEpoch ? "epoch" : "step", x, t.values[q], val == t.values.end() ? nullptr : &val->second);
  }
  plend();
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    throw RunFailure(fmt::format("cannot write {}", path));
  }
}

}  // namespace graphc
