// \file Lowering of the train block's callbacks (Keras' EarlyStopping, ReduceLROnPlateau and
// ModelCheckpoint), written as maps: `early_stopping = {monitor: val_loss, patience: 3}`.
#include <fmt/format.h>

#include <algorithm>

#include "frontend/train_args.h"
#include "ir/monitor.h"
#include "support/spelling.h"

namespace graphc {
namespace {

std::string mapKey(const Expr& key) {
  return key.kind == ExprKind::Ident || key.kind == ExprKind::String ? key.text : "";
}

std::string modeValue(Lowerer& L, const Expr& value, const std::string& owner) {
  std::string mode = L.evalWord(value);
  if (mode != "min" && mode != "max" && mode != "auto")
    throw UserError(value.loc, fmt::format("{}: mode must be min, max or auto, found '{}'", owner, mode));
  return mode;
}

bool boolValue(Lowerer& L, const Expr& value, const std::string& owner, const std::string& name) {
  return checkedNumber(L, value, owner, name, kUnitClosed) != 0;
}

int64_t countValue(Lowerer& L, const Expr& value, const std::string& name) {
  int64_t n = L.evalInt(value, name);
  if (n < 0) throw UserError(value.loc, fmt::format("{} must be at least 0, found {}", name, n));
  return n;
}

}  // namespace

void lowerCallback(Lowerer& L, const std::string& owner, const Expr& v, TrainConfig& cfg) {
  if (v.kind != ExprKind::Map)
    throw UserError(v.loc, fmt::format("expected a map such as {{monitor: val_loss, patience: 3}} for {}", owner));
  std::vector<std::string> keys;
  if (owner == "early_stopping") keys = {"monitor", "patience", "min_delta", "mode", "restore_best_weights"};
  if (owner == "reduce_lr_on_plateau")
    keys = {"monitor", "factor", "patience", "min_delta", "cooldown", "min_lr", "mode"};
  if (owner == "checkpoint") keys = {"path", "monitor", "save_best_only", "mode"};
  EarlyStopping& es = cfg.earlyStopping;
  ReduceLrOnPlateau& rp = cfg.reduceLrOnPlateau;
  CheckpointCallback& cp = cfg.checkpoint;
  (owner == "early_stopping" ? es.enabled : owner == "checkpoint" ? cp.enabled : rp.enabled) = true;
  for (const auto& [key, value] : v.entries) {
    std::string k = mapKey(*key);
    if (std::find(keys.begin(), keys.end(), k) == keys.end())
      throw UserError(key->loc, unknownNameMessage(owner + " key", k, keys));
    const Expr& e = *value;
    if (k == "monitor") {
      std::string monitor = L.evalWord(e);
      (owner == "early_stopping" ? es.monitor : owner == "checkpoint" ? cp.monitor : rp.monitor) = monitor;
      (owner == "early_stopping" ? es.monitorLoc : owner == "checkpoint" ? cp.monitorLoc : rp.monitorLoc) = e.loc;
    } else if (k == "mode") {
      (owner == "early_stopping" ? es.mode : owner == "checkpoint" ? cp.mode : rp.mode) = modeValue(L, e, owner);
    } else if (k == "patience") {
      (owner == "early_stopping" ? es.patience : rp.patience) = countValue(L, e, "patience");
    } else if (k == "min_delta") {
      (owner == "early_stopping" ? es.minDelta : rp.minDelta) = checkedNumber(L, e, owner, k, kNonNegative);
    } else if (k == "restore_best_weights") {
      es.restoreBestWeights = boolValue(L, e, owner, k);
    } else if (k == "factor") {
      rp.factor = checkedNumber(L, e, owner, k, kUnitOpen);
      if (rp.factor == 0) throw UserError(e.loc, "reduce_lr_on_plateau: factor must be in (0, 1), found 0");
    } else if (k == "cooldown") {
      rp.cooldown = countValue(L, e, "cooldown");
    } else if (k == "min_lr") {
      rp.minLr = checkedNumber(L, e, owner, k, kNonNegative);
    } else if (k == "path") {
      cp.path = L.evalWord(e);
      if (cp.path.empty()) throw UserError(e.loc, "checkpoint: path must not be empty");
    } else if (k == "save_best_only") {
      cp.saveBestOnly = boolValue(L, e, owner, k);
    }
  }
  if (owner == "checkpoint" && cp.path.empty())
    throw UserError(v.loc, "checkpoint needs a path, such as {path: \"best.safetensors\", monitor: val_loss}");
  if (owner == "checkpoint" && !cp.monitorLoc.valid()) cp.monitorLoc = v.loc;
  if (owner == "early_stopping" && !es.monitorLoc.valid()) es.monitorLoc = v.loc;
  if (owner == "reduce_lr_on_plateau" && !rp.monitorLoc.valid()) rp.monitorLoc = v.loc;
}

void checkMonitors(const TrainConfig& cfg) {
  auto check = [&](bool enabled, const std::string& owner, const std::string& monitor, SourceLoc loc) {
    if (!enabled || findMonitor(monitor, "auto", cfg)) return;
    std::vector<std::string> names = monitorNames(cfg);
    std::string message = fmt::format("{} monitors '{}', which this run does not report (it reports {}", owner, monitor,
                                      listOfNames(names));
    if (monitor.rfind("val_", 0) == 0 && cfg.validation == "none") message += "; validation is none";
    std::string near = nearestName(monitor, names);
    if (!near.empty()) message += fmt::format("; did you mean '{}'?", near);
    throw UserError(loc, message + ")");
  };
  check(cfg.earlyStopping.enabled, "early_stopping", cfg.earlyStopping.monitor, cfg.earlyStopping.monitorLoc);
  check(cfg.reduceLrOnPlateau.enabled, "reduce_lr_on_plateau", cfg.reduceLrOnPlateau.monitor,
        cfg.reduceLrOnPlateau.monitorLoc);
  check(cfg.checkpoint.enabled, "checkpoint", cfg.checkpoint.monitor, cfg.checkpoint.monitorLoc);
}

}  // namespace graphc
