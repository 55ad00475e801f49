// \file Lowering of the train block's `augment = {flip: horizontal, translate: 0.1, ...}`: each
// setting checked against the range Keras' preprocessing layers accept, at its place in the file.
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "frontend/train_args.h"
#include "support/spelling.h"

namespace graphc {
namespace {

constexpr Range kFraction{0, 1, true, true};       // RandomTranslation: a factor of at most 1
constexpr Range kZoomFraction{0, 1, true, false};  // RandomZoom: 1 + u must stay above 0
constexpr Range kHalfTurn{0, 180, true, true};     // degrees each way

void lowerFlip(Lowerer& L, const Expr& value, Augmentation& a) {
  // Keras' RandomFlip modes, and `both` for its long `horizontal_and_vertical`.
  static const std::vector<std::string> kModes = {"horizontal", "vertical", "both", "horizontal_and_vertical"};
  if (value.kind != ExprKind::Ident && value.kind != ExprKind::String)
    throw UserError(value.loc, "augment: flip takes horizontal, vertical or both");
  std::string mode = L.evalWord(value);
  if (std::find(kModes.begin(), kModes.end(), mode) == kModes.end())
    throw UserError(value.loc, unknownNameMessage("flip mode", mode, kModes));
  a.flipHorizontal = mode != "vertical";
  a.flipVertical = mode != "horizontal";
}

}  // namespace

void lowerAugment(Lowerer& L, const Expr& v, Augmentation& a) {
  if (v.kind != ExprKind::Map)
    throw UserError(v.loc, "expected a map such as {flip: horizontal, translate: 0.1} for augment");
  // `crop` is the name the language's version-2 draft gave pad_crop.
  static const std::vector<std::string> kKeys = {"flip", "translate", "rotate", "zoom", "pad_crop", "crop"};
  std::set<std::string> seen;
  for (const auto& [key, value] : v.entries) {
    std::string k = key->kind == ExprKind::Ident || key->kind == ExprKind::String ? key->text : "";
    if (std::find(kKeys.begin(), kKeys.end(), k) == kKeys.end())
      throw UserError(key->loc, unknownNameMessage("augment key", k, {kKeys.begin(), kKeys.end() - 1}));
    if (k == "crop") k = "pad_crop";
    if (!seen.insert(k).second) throw UserError(key->loc, fmt::format("augment: {} is given twice", k));
    const Expr& e = *value;
    if (k == "flip") {
      lowerFlip(L, e, a);
    } else if (k == "translate") {
      a.translate = checkedNumber(L, e, "augment", k, kFraction);
    } else if (k == "rotate") {
      a.rotate = checkedNumber(L, e, "augment", "rotate (degrees)", kHalfTurn);
    } else if (k == "zoom") {
      a.zoom = checkedNumber(L, e, "augment", k, kZoomFraction);
    } else {
      a.padCrop = L.evalInt(e, "pad_crop");
      if (a.padCrop < 0)
        throw UserError(e.loc, fmt::format("augment: pad_crop must be at least 0, found {}", a.padCrop));
    }
  }
}

}  // namespace graphc
