// \file predictions.png (the first 25 test images with their predicted and true classes, mistakes
// in red, as the TensorFlow tutorials draw them with matplotlib) and confusion.png (the test set's
// confusion matrix, counts in the cells over a white-to-blue scale), with PLplot's cairo PNG driver.
#include <fmt/format.h>
#include <plplot.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "runtime/plots.h"
#include "runtime/test_predictions.h"
#include "support/diagnostics.h"

namespace graphc {
namespace {

// Starts a PNG of width x height pixels drawn into a temporary file beside path; finishPng renames it.
std::string startPng(const std::string& path, int width, int height) {
  std::string temporary = fmt::format("{}.tmp-{}", path, getpid());
  plsdev("pngcairo");
  plsfnam(temporary.c_str());
  plspage(0, 0, width, height, 0, 0);
  plscolbg(255, 255, 255);
  plscol0(15, 0, 0, 0);  // colour 15, the axes' and text's, black (PLplot's default is white)
  return temporary;
}

void finishPng(const std::string& temporary, const std::string& path) {
  plend();
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    throw RunFailure(fmt::format("cannot write {}", path));
  }
}

// cmap1 from white to the colour (r, g, b): matplotlib's "binary" (to black) and "Blues".
void whiteTo(double r, double g, double b) {
  PLFLT at[] = {0, 1}, red[] = {1, r}, green[] = {1, g}, blue[] = {1, b};
  plscmap1n(256);
  plscmap1l(1, 2, at, red, green, blue, nullptr);
}

// PLplot images are indexed [x][y] with y upwards; rows[y][x] is row-major from the top.
template <typename Value>
std::vector<std::vector<PLFLT>> columnsOf(int64_t width, int64_t height, Value value) {
  std::vector<std::vector<PLFLT>> cells(static_cast<size_t>(width), std::vector<PLFLT>(static_cast<size_t>(height)));
  for (int64_t x = 0; x < width; ++x)
    for (int64_t y = 0; y < height; ++y)
      cells[static_cast<size_t>(x)][static_cast<size_t>(height - 1 - y)] = value(x, y);
  return cells;
}

// Each cell a filled square of cmap1's colour for value / zMax, cell (x, y) covering
// [xMin + x, xMin + x + 1] x [yMin + y, yMin + y + 1] (plimage's cells sit half a cell off).
void drawCells(const std::vector<std::vector<PLFLT>>& cells, double zMax, double xMin, double yMin) {
  for (size_t x = 0; x < cells.size(); ++x)
    for (size_t y = 0; y < cells[x].size(); ++y) {
      double left = xMin + static_cast<double>(x), bottom = yMin + static_cast<double>(y);
      PLFLT xs[] = {left, left + 1, left + 1, left}, ys[] = {bottom, bottom, bottom + 1, bottom + 1};
      plcol1(std::clamp(cells[x][y] / zMax, 0.0, 1.0));
      plfill(4, xs, ys);
    }
}

void drawPredictions(const std::string& dir, const TestPredictions& t) {
  std::string path = dir + "/predictions.png", temporary = startPng(path, 800, 880);
  plssub(5, 5);
  plinit();
  whiteTo(0, 0, 0);
  plscol0(1, 214, 39, 40);   // matplotlib's red, for mistakes
  plscol0(2, 31, 119, 180);  // and its blue, for the correct ones
  for (int64_t i = 0; i < kPredictionSamples; ++i) {
    pladv(0);
    if (i >= t.sampleCount) continue;
    plvpas(0.08, 0.92, 0.02, 0.80, 1.0);
    plwind(0, static_cast<double>(t.width), 0, static_cast<double>(t.height));
    const uint8_t* pixels = t.samples.data() + i * t.width * t.height;
    drawCells(columnsOf(t.width, t.height, [&](int64_t x, int64_t y) { return pixels[y * t.width + x]; }), 255, 0, 0);
    plcol0(15);
    plbox("bc", 0, 0, "bc", 0, 0);
    int label = t.labels[static_cast<size_t>(i)], predicted = t.predicted[static_cast<size_t>(i)];
    plcol0(label == predicted ? 2 : 1);
    plschr(0, 1.6);
    plmtex("t", 0.6, 0.5, 0.5, fmt::format("{} (true {})", predicted, label).c_str());
  }
  finishPng(temporary, path);
}

// The tick labels of the rows, top to bottom 0..K-1 (the image's y runs upwards).
void rowLabel(PLINT axis, PLFLT value, char* label, PLINT length, PLPointer classes) {
  double shown = axis == PL_Y_AXIS ? *static_cast<int*>(classes) - 1 - value : value;
  std::snprintf(label, static_cast<size_t>(length), "%.0f", shown);
}

void drawConfusion(const std::string& dir, const TestPredictions& t) {
  int k = t.classes;
  std::vector<std::vector<int64_t>> counts(static_cast<size_t>(k), std::vector<int64_t>(static_cast<size_t>(k)));
  for (size_t i = 0; i < t.labels.size(); ++i)
    ++counts[static_cast<size_t>(t.labels[i])][static_cast<size_t>(t.predicted[i])];
  int64_t most = 1, wrong = 0;
  for (size_t i = 0; i < t.labels.size(); ++i) wrong += t.labels[i] != t.predicted[i];
  for (const auto& row : counts) most = std::max(most, *std::max_element(row.begin(), row.end()));

  std::string path = dir + "/confusion.png", temporary = startPng(path, 720, 720);
  plinit();
  whiteTo(8 / 255.0, 48 / 255.0, 107 / 255.0);  // matplotlib's Blues, darkest
  pladv(0);
  plvpas(0.12, 0.95, 0.10, 0.90, 1.0);
  double edge = k - 0.5;
  plwind(-0.5, edge, -0.5, edge);
  drawCells(columnsOf(k, k,
                      [&](int64_t predicted, int64_t label) {
                        return static_cast<PLFLT>(counts[static_cast<size_t>(label)][static_cast<size_t>(predicted)]);
                      }),
            static_cast<double>(most), -0.5, -0.5);
  plscol0(1, 255, 255, 255);
  plschr(0, k > 12 ? 0.6 : 0.9);
  for (int label = 0; label < k; ++label)
    for (int predicted = 0; predicted < k; ++predicted) {
      int64_t n = counts[static_cast<size_t>(label)][static_cast<size_t>(predicted)];
      plcol0(n * 2 > most ? 1 : 15);  // white on the dark cells
      plptex(predicted, k - 1 - label, 1, 0, 0.5, fmt::format("{}", n).c_str());
    }
  plcol0(15);
  plschr(0, 1.1);
  plslabelfunc(rowLabel, &k);
  plbox("bcnto", 1, 0, "bcnvto", 1, 0);
  plslabelfunc(nullptr, nullptr);
  pllab("predicted label", "true label",
        fmt::format("confusion matrix: {} test examples, {} wrong", t.labels.size(), wrong).c_str());
  finishPng(temporary, path);
}

}  // namespace

std::vector<std::string> drawPlots(const std::string& dir) {
  drawCurves(dir);
  std::vector<std::string> written = {dir + "/curves.png"};
  if (access((dir + "/predictions.csv").c_str(), F_OK) != 0) return written;
  TestPredictions t = readTestPredictions(dir);
  drawPredictions(dir, t);
  drawConfusion(dir, t);
  written.push_back(dir + "/predictions.png");
  written.push_back(dir + "/confusion.png");
  return written;
}

}  // namespace graphc
