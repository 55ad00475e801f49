// \file Lowering of the `train { ... }` block into the session's TrainConfig (docs/language.md section 6).
#include <cmath>
#include <sstream>

#include "frontend/train_args.h"

namespace graphc {
namespace {

const Expr& expectCall(const Expr& e, const std::string& what) {
  if (e.kind != ExprKind::Call) throw UserError(e.loc, "expected " + what + ", found an expression");
  return e;
}

}  // namespace

void Lowerer::lowerTrain(const Stmt& train) {
  TrainConfig& cfg = model_.train;
  cfg.present = true;
  cfg.loc = train.loc;
  std::set<std::string> seen;
  for (const Stmt& s : train.body) {
    const Expr& v = *s.value;
    if (!seen.insert(s.name).second) throw UserError(s.loc, "train key '" + s.name + "' is given twice");
    if (s.name == "data") {
      cfg.data = lowerDataSpec(*this, expectCall(v, "a data set such as mnist(scale = 1/255)"));
    } else if (s.name == "feed" || s.name == "eval_feed") {
      if (v.kind != ExprKind::Map)
        throw UserError(v.loc, "expected a map such as {x: image, y: label}, found an expression");
      auto& feeds = s.name == "feed" ? cfg.feeds : cfg.evalFeeds;
      for (const auto& [key, value] : v.entries) {
        FeedSpec feed;
        feed.loc = key->loc;
        feed.placeholder = evalNode(*key);
        if (model_.graph.node(feed.placeholder).op != Op::Placeholder)
          throw UserError(key->loc, "only placeholders can be fed, found a computed value");
        if (value->kind == ExprKind::Ident && (value->text == "image" || value->text == "label")) {
          feed.kind = value->text == "image" ? FeedSpec::Kind::Image : FeedSpec::Kind::Label;
        } else {
          feed.kind = FeedSpec::Kind::Constant;
          feed.value = evalNumber(*value);
        }
        feeds.push_back(feed);
      }
    } else if (s.name == "optimizer") {
      const Expr& call = expectCall(v, "an optimizer such as sgd(lr = 0.01) or adam()");
      cfg.optimizerLoc = call.loc;
      cfg.optimizer = lowerOptimizer(*this, call);
    } else if (s.name == "minimize") {
      cfg.minimize = evalNode(v);
      cfg.minimizeLoc = v.loc;
    } else if (s.name == "batch") {
      cfg.batch = evalInt(v, "batch");
      if (cfg.batch <= 0) throw UserError(v.loc, "batch must be positive, found " + std::to_string(cfg.batch));
    } else if (s.name == "epochs") {
      cfg.epochs = evalInt(v, "epochs");
      if (cfg.epochs <= 0) throw UserError(v.loc, "epochs must be positive, found " + std::to_string(cfg.epochs));
    } else if (s.name == "steps") {
      cfg.steps = evalInt(v, "steps");
      if (cfg.steps <= 0) throw UserError(v.loc, "steps must be positive, found " + std::to_string(cfg.steps));
    } else if (s.name == "validation") {
      std::string mode = v.kind == ExprKind::Call ? v.text : evalWord(v);
      if (mode != "test" && mode != "none" && mode != "split")
        throw UserError(v.loc, "expected validation = test, split(0.1, seed = 1) or none, found '" + mode + "'");
      if (mode == "split") {
        if (v.kind != ExprKind::Call)
          throw UserError(v.loc, "expected split(FRACTION, seed = N), found a bare 'split'");
        CallArgs args(v, {"fraction", "seed"}, 1);
        cfg.validationFraction = evalNumber(args.require("fraction"));
        if (!(cfg.validationFraction > 0 && cfg.validationFraction < 1))
          throw UserError(args.require("fraction").loc, "the validation fraction must be between 0 and 1, found " +
                                                            std::to_string(cfg.validationFraction));
        if (args.get("seed")) cfg.validationSeed = static_cast<uint64_t>(evalInt(*args.get("seed"), "seed"));
      }
      cfg.validation = mode;
    } else if (s.name == "eval_every") {
      cfg.evalEvery = evalInt(v, "eval_every");
    } else if (s.name == "metrics") {
      if (v.kind != ExprKind::List)
        throw UserError(v.loc, "expected a list of values such as [acc], found an expression");
      for (const auto& item : v.items) {
        int id = evalNode(*item);
        const Node& n = model_.graph.node(id);
        if (!n.shape.empty())
          throw UserError(item->loc, "a metric must be a scalar, found " + typeToString(n.dtype, n.shape));
        cfg.metrics.push_back(id);
        cfg.metricNames.push_back(item->kind == ExprKind::Call ? item->text : dottedNameOf(*item));
      }
    } else if (s.name == "early_stopping" || s.name == "reduce_lr_on_plateau" || s.name == "checkpoint") {
      lowerCallback(*this, s.name, v, cfg);
    } else if (s.name == "class_weight") {
      // Applied where the loss was lowered (classWeighted); checked here when no loss took it.
      if (!cfg.classWeighted) {
        classWeights(*this, v, 0);
        throw UserError(s.loc,
                        "class_weight needs a cross-entropy loss (sparse_categorical_crossentropy, "
                        "categorical_crossentropy or softmax_cross_entropy) to weigh");
      }
    } else if (s.name == "shuffle") {
      cfg.shuffle = evalNumber(v) != 0;
    } else if (s.name == "seed") {
      cfg.seed = static_cast<uint64_t>(evalInt(v, "seed"));
    } else {
      throw UserError(s.loc, "unknown train key '" + s.name +
                                 "' (expected data, feed, eval_feed, optimizer, minimize, batch, epochs, steps, "
                                 "validation, eval_every, metrics, early_stopping, reduce_lr_on_plateau, checkpoint, "
                                 "class_weight, shuffle or seed)");
    }
  }
  checkMonitors(cfg);
}

}  // namespace graphc
