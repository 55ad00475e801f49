// \file Optimizer updates appended after autodiff, written with the ordinary elementwise ops so
// that the code generator fuses each variable's update into one loop nest (no optimizer kernel).
// The formulas are Keras' (tf.keras / Keras 3), which the unit tests check step by step against a
// double-precision transcription.
#include "passes/optimizer.h"

#include <algorithm>
#include <cmath>

#include "passes/autodiff.h"
#include "support/diagnostics.h"

namespace graphc {

namespace {

// Appends the nodes of one optimizer. Every value it makes is f32; scalars broadcast.
class UpdateBuilder {
 public:
  UpdateBuilder(Graph& graph, const std::string& kind) : g_(graph), kind_(kind) {}

  // One node per distinct value: the scalars are shared by every variable's update.
  int constant(double v) {
    auto it = constants_.find(v);
    if (it != constants_.end()) return it->second;
    int id = g_.add(Op::Constant, {}, Attrs().set("value", v).set("dtype", std::string("f32")));
    return constants_[v] = id;
  }
  int op(Op name, int a) { return g_.add(name, {a}); }
  int op(Op name, int a, int b) { return g_.add(name, {a, b}); }

  // A non-trainable variable `KIND/NAME` starting at `initial`, marked as optimizer state.
  int state(const std::string& name, const Shape& shape, double initial = 0) {
    Attrs a;
    a.set("shape", std::vector<int64_t>(shape.begin(), shape.end())).set("dtype", std::string("f32"));
    if (initial == 0)
      a.set("init", std::string("zeros"));
    else
      a.set("init", std::string("constant")).set("value", initial);
    a.set("trainable", int64_t(0)).set(kOptimizerSlotAttr, int64_t(1));
    return g_.add(Op::Variable, {}, a, {}, kind_ + "/" + name);
  }
  // A scalar sum of squares of x (for the norms of clipnorm and global_clipnorm).
  int sumOfSquares(int x) {
    return g_.add(Op::ReduceSum, {op(Op::Square, x)},
                  Attrs().set("axes", std::vector<int64_t>{}).set("keepdims", int64_t(0)));
  }

  // Names next as the value of variable after the step and records the pair.
  void update(int variable, int next, TrainGraph& train) {
    std::string name = g_.node(variable).name;
    std::string prefix = kind_ + "/";
    if (name.rfind(prefix, 0) == 0) name = name.substr(prefix.size());
    Node& n = g_.mutableNode(next);
    // A node that already has a name (none today) keeps it.
    if (n.name.empty()) n.name = kind_ + "/update/" + name;
    train.updates.push_back({variable, next});
  }

  // 1 - beta^t for the scalar step t >= 1. Computed as -expm1(t * log(beta)) because 1 - exp(x)
  // cancels most digits while beta^t is near 1 (beta2 = 0.999 gives 1 - 0.999 in the first steps);
  // expm1 is Kahan's (u - 1) * x / log(u) with u = exp(x); `isOne` makes it x where u rounds to 1.
  int oneMinusPower(double beta, int t) {
    if (beta == 0) return constant(1.0);  // 0^t = 0 for every step; log(0) would be -inf
    // Clamped so that u stays a normal float (exp(-80) ~ 2e-35) and log(u) finite; 1 - beta^t is
    // 1 in f32 long before that.
    int floor = constant(-80.0);
    int x = op(Op::Maximum, op(Op::Mul, t, constant(std::log(beta))), floor);
    int u = op(Op::Exp, x);
    int isOne = g_.add(Op::Cast, {op(Op::Equal, u, constant(1.0))}, Attrs().set("dtype", std::string("f32")));
    int numerator = op(Op::Add, op(Op::Sub, u, constant(1.0)), isOne);
    int denominator = op(Op::Add, op(Op::Log, u), isOne);
    int expm1 = op(Op::Mul, x, op(Op::Div, numerator, denominator));
    return op(Op::Neg, expm1);
  }

 private:
  Graph& g_;
  std::string kind_;
  std::map<double, int> constants_;
};

// The frontend checks each hyperparameter at its own location; this guards the library API.
// The learning rate is fed at run time, so its check belongs to whoever feeds it.
void checkSpec(const OptimizerSpec& o, SourceLoc where) {
  auto fail = [&](const std::string& what) { throw UserError(where, o.kind + ": " + what); };
  bool adamFamily = o.kind == "adam" || o.kind == "adamw" || o.kind == "nadam";
  if (o.kind == "sgd" && !(o.momentum >= 0 && o.momentum <= 1))
    fail("momentum must be between 0 and 1, found " + std::to_string(o.momentum));
  if (adamFamily && !(o.beta1 >= 0 && o.beta1 < 1)) fail("beta1 must be in [0, 1), found " + std::to_string(o.beta1));
  if (adamFamily && !(o.beta2 >= 0 && o.beta2 < 1)) fail("beta2 must be in [0, 1), found " + std::to_string(o.beta2));
  if (o.kind == "rmsprop" && !(o.rho >= 0 && o.rho < 1)) fail("rho must be in [0, 1), found " + std::to_string(o.rho));
  if (!(o.epsilon >= 0 && std::isfinite(o.epsilon))) fail("epsilon must be >= 0, found " + std::to_string(o.epsilon));
  if (o.kind == "adagrad" && !(o.initialAccumulator >= 0 && std::isfinite(o.initialAccumulator)))
    fail("initial_accumulator must be >= 0, found " + std::to_string(o.initialAccumulator));
  for (double x : {o.weightDecay, o.clipnorm, o.globalClipnorm, o.clipvalue})
    if (!(x >= 0 && std::isfinite(x))) fail("weight_decay and the clipping bounds must be >= 0");
}

bool knownKind(const std::string& kind) {
  const auto& kinds = optimizerKinds();
  return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

// Keras 3's Optimizer._clip_gradients, except that the three may be combined: clipnorm scales
// each variable's gradient g to g * c / max(||g||, c) (ops.clip_by_norm); global_clipnorm scales
// every gradient by c / max(global norm, c) (clip_by_global_norm); clipvalue clips elementwise
// to [-c, c]. A gradient under its bound passes unchanged.
// The Adam family's moments of variable v with gradient g, as slots m/NAME and v/NAME:
// m = beta1 m + (1 - beta1) g, v = beta2 v + (1 - beta2) g^2 (the constants given as nodes).
// Returns the next m and v, already set as the slots' updates.
// (The variable's name and shape are copies: adding nodes may move the graph's node storage.)
std::pair<int, int> adamMoments(UpdateBuilder& b, const std::string& name, const Shape& shape, int g, int beta1,
                                int beta1c, int beta2, int beta2c, TrainGraph& train) {
  int m = b.state("m/" + name, shape);
  int s = b.state("v/" + name, shape);
  int keptM = b.op(Op::Mul, m, beta1);
  int nextM = b.op(Op::Add, keptM, b.op(Op::Mul, g, beta1c));
  int keptS = b.op(Op::Mul, s, beta2);
  int nextS = b.op(Op::Add, keptS, b.op(Op::Mul, b.op(Op::Square, g), beta2c));
  b.update(m, nextM, train);
  b.update(s, nextS, train);
  return {nextM, nextS};
}

void clipGradients(UpdateBuilder& b, const OptimizerSpec& o, const std::vector<int>& vars, std::map<int, int>& grads) {
  if (o.clipnorm > 0) {
    int c = b.constant(o.clipnorm);
    for (int v : vars) {
      auto it = grads.find(v);
      if (it == grads.end()) continue;
      int norm = b.op(Op::Sqrt, b.sumOfSquares(it->second));
      it->second = b.op(Op::Mul, it->second, b.op(Op::Div, c, b.op(Op::Maximum, norm, c)));
    }
  }
  if (o.globalClipnorm > 0) {
    int total = -1;
    for (int v : vars) {
      auto it = grads.find(v);
      if (it == grads.end()) continue;
      int sum = b.sumOfSquares(it->second);
      total = total < 0 ? sum : b.op(Op::Add, total, sum);
    }
    int c = b.constant(o.globalClipnorm);
    int scale = b.op(Op::Div, c, b.op(Op::Maximum, b.op(Op::Sqrt, total), c));
    for (auto& [v, g] : grads) g = b.op(Op::Mul, g, scale);
  }
  if (o.clipvalue > 0) {
    int hi = b.constant(o.clipvalue), lo = b.constant(-o.clipvalue);
    for (auto& [v, g] : grads) g = b.op(Op::Maximum, b.op(Op::Minimum, g, hi), lo);
  }
}

}  // namespace

TrainGraph buildTrainGraph(Graph& graph, int loss, const OptimizerSpec& optimizer, SourceLoc where,
                           bool feedGradients) {
  const Node& l = graph.node(loss);
  if (!l.shape.empty() || l.dtype != DType::F32)
    throw UserError(where, "minimize expects a scalar f32 value, found " + typeToString(l.dtype, l.shape));
  const std::string& kind = optimizer.kind;
  if (!knownKind(kind))
    throw UserError(where, "unknown optimizer '" + kind + "' (expected sgd, adam, adamw, nadam, rmsprop or adagrad)");
  checkSpec(optimizer, where);
  std::vector<int> vars = graph.variables(true);
  std::map<int, int> grads = autodiff(graph, loss, vars);
  if (grads.empty()) throw UserError(where, "the value to minimize does not depend on any trainable variable");

  TrainGraph train;
  train.loss = loss;
  graph.setBuildingGradient(true);
  UpdateBuilder b(graph, kind);
  int lr = graph.add(Op::Placeholder, {}, Attrs().set("dtype", std::string("f32")).set("shape", std::vector<int64_t>{}),
                     {}, kind + "/lr");
  train.learningRate = lr;
  // Keras' `iterations`: the steps taken so far; this step is t = iterations + 1.
  train.iterations = b.state("iterations", {});
  int t = b.op(Op::Add, train.iterations, b.constant(1.0));
  graph.mutableNode(t).loc = where;  // the step counter's kernel is named after the `minimize` line
  b.update(train.iterations, t, train);
  if (feedGradients)
    for (auto& [v, g] : grads) {
      const Node& var = graph.node(v);
      int fed = graph.add(Op::Placeholder, {},
                          Attrs()
                              .set("dtype", std::string("f32"))
                              .set("shape", std::vector<int64_t>(var.shape.begin(), var.shape.end())),
                          {}, kind + "/gradient/" + var.name);
      train.fedGradients.push_back({v, g, fed});
      g = fed;
    }

  clipGradients(b, optimizer, vars, grads);
  // Keras 3's Optimizer._apply_weight_decay, before the update: w -= w * weight_decay * lr. The
  // optimizer's update below starts from `decayed(v)`; all of it is elementwise, so the code
  // generator fuses each variable's decay and update into one loop nest.
  int lrDecay = optimizer.weightDecay > 0 ? b.op(Op::Mul, lr, b.constant(optimizer.weightDecay)) : -1;
  auto decayed = [&](int v) { return lrDecay < 0 ? v : b.op(Op::Sub, v, b.op(Op::Mul, v, lrDecay)); };

  // Each statement adds at most one chain of nodes, so node ids (and dumps) do not depend on the
  // compiler's order of evaluating function arguments.
  if (kind == "sgd") {
    // velocity = momentum * velocity - lr * g; var += velocity
    // (nesterov: var += momentum * velocity - lr * g, with the new velocity).
    int momentum = optimizer.momentum != 0 ? b.constant(optimizer.momentum) : -1;
    for (int v : vars) {
      auto it = grads.find(v);
      if (it == grads.end()) continue;
      int g = it->second;
      if (momentum < 0) {
        int start = decayed(v);
        b.update(v, graph.add(Op::SgdUpdate, {start, g, lr}), train);
        continue;
      }
      std::string name = graph.node(v).name;
      Shape shape = graph.node(v).shape;
      int velocity = b.state("velocity/" + name, shape);
      int step = b.op(Op::Mul, g, lr);
      int decayedVelocity = b.op(Op::Mul, velocity, momentum);
      int nextVelocity = b.op(Op::Sub, decayedVelocity, step);
      b.update(velocity, nextVelocity, train);
      int delta = nextVelocity;
      if (optimizer.nesterov) delta = b.op(Op::Sub, b.op(Op::Mul, nextVelocity, momentum), step);
      int start = decayed(v);
      b.update(v, b.op(Op::Add, start, delta), train);
    }
  } else if (kind == "adam" || kind == "adamw") {
    // Keras 3 adam.py (AdamW is Adam with weight_decay = 0.004):
    // lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t); m = beta1 m + (1 - beta1) g;
    // v = beta2 v + (1 - beta2) g^2; var -= lr_t * m / (sqrt(v) + epsilon).
    int correction2 = b.op(Op::Sqrt, b.oneMinusPower(optimizer.beta2, t));
    int correction1 = b.oneMinusPower(optimizer.beta1, t);
    int lrT = b.op(Op::Div, b.op(Op::Mul, lr, correction2), correction1);
    graph.mutableNode(lrT).name = kind + "/lr_t";
    int beta1 = b.constant(optimizer.beta1), beta1c = b.constant(1 - optimizer.beta1);
    int beta2 = b.constant(optimizer.beta2), beta2c = b.constant(1 - optimizer.beta2);
    int epsilon = b.constant(optimizer.epsilon);
    for (int v : vars) {
      auto it = grads.find(v);
      if (it == grads.end()) continue;
      int g = it->second;
      std::string name = graph.node(v).name;
      Shape shape = graph.node(v).shape;
      auto [nextM, nextS] = adamMoments(b, name, shape, g, beta1, beta1c, beta2, beta2c, train);
      int scaled = b.op(Op::Mul, nextM, lrT);
      int step = b.op(Op::Div, scaled, b.op(Op::Add, b.op(Op::Sqrt, nextS), epsilon));
      int start = decayed(v);
      b.update(v, b.op(Op::Sub, start, step), train);
    }
  } else if (kind == "nadam") {
    // Keras 3 nadam.py: u_t = beta1 (1 - 0.5 * 0.96^t), u_{t+1} likewise; the product of the u's
    // (`u_product`, 1 at the start) is multiplied by u_t before the variables' updates;
    // m = beta1 m + (1 - beta1) g; v = beta2 v + (1 - beta2) g^2;
    // m_hat = u_{t+1} m / (1 - u_product u_{t+1}) + (1 - u_t) g / (1 - u_product);
    // v_hat = v / (1 - beta2^t); var -= lr * m_hat / (sqrt(v_hat) + epsilon).
    int logDecay = b.constant(std::log(0.96)), half = b.constant(0.5), one = b.constant(1.0);
    int beta1 = b.constant(optimizer.beta1);
    auto u = [&](int step) {
      int power = b.op(Op::Exp, b.op(Op::Mul, step, logDecay));
      return b.op(Op::Mul, beta1, b.op(Op::Sub, one, b.op(Op::Mul, half, power)));
    };
    int uT = u(t);
    int uNext = u(b.op(Op::Add, t, one));
    int uProduct = b.state("u_product", {}, 1.0);
    int nextUProduct = b.op(Op::Mul, uProduct, uT);
    b.update(uProduct, nextUProduct, train);
    // The two m_hat coefficients and lr / sqrt(1 - beta2^t) are scalars, computed once.
    int mCoefficient = b.op(Op::Div, uNext, b.op(Op::Sub, one, b.op(Op::Mul, nextUProduct, uNext)));
    int gCoefficient = b.op(Op::Div, b.op(Op::Sub, one, uT), b.op(Op::Sub, one, nextUProduct));
    int vCorrection = b.oneMinusPower(optimizer.beta2, t);
    int beta1c = b.constant(1 - optimizer.beta1);
    int beta2 = b.constant(optimizer.beta2), beta2c = b.constant(1 - optimizer.beta2);
    int epsilon = b.constant(optimizer.epsilon);
    for (int v : vars) {
      auto it = grads.find(v);
      if (it == grads.end()) continue;
      int g = it->second;
      std::string name = graph.node(v).name;
      Shape shape = graph.node(v).shape;
      auto [nextM, nextS] = adamMoments(b, name, shape, g, beta1, beta1c, beta2, beta2c, train);
      int mPart = b.op(Op::Mul, nextM, mCoefficient);
      int mHat = b.op(Op::Add, mPart, b.op(Op::Mul, g, gCoefficient));
      int vHat = b.op(Op::Div, nextS, vCorrection);
      int scaled = b.op(Op::Mul, mHat, lr);
      int step = b.op(Op::Div, scaled, b.op(Op::Add, b.op(Op::Sqrt, vHat), epsilon));
      int start = decayed(v);
      b.update(v, b.op(Op::Sub, start, step), train);
    }
  } else if (kind == "adagrad") {
    // Keras 3 adagrad.py: accumulator (from initial_accumulator) += g^2;
    // var -= lr * g / sqrt(accumulator + epsilon) (epsilon inside the root, unlike tf.keras 2).
    int epsilon = b.constant(optimizer.epsilon);
    for (int v : vars) {
      auto it = grads.find(v);
      if (it == grads.end()) continue;
      int g = it->second;
      int acc = b.state("accumulator/" + graph.node(v).name, graph.node(v).shape, optimizer.initialAccumulator);
      int nextAcc = b.op(Op::Add, acc, b.op(Op::Square, g));
      b.update(acc, nextAcc, train);
      int scaled = b.op(Op::Mul, g, lr);
      int step = b.op(Op::Div, scaled, b.op(Op::Sqrt, b.op(Op::Add, nextAcc, epsilon)));
      int start = decayed(v);
      b.update(v, b.op(Op::Sub, start, step), train);
    }
  } else {
    // v = rho v + (1 - rho) g^2; var -= lr g / (sqrt(v) + epsilon).
    int rho = b.constant(optimizer.rho), rhoC = b.constant(1 - optimizer.rho);
    int epsilon = b.constant(optimizer.epsilon);
    for (int v : vars) {
      auto it = grads.find(v);
      if (it == grads.end()) continue;
      int g = it->second;
      int s = b.state("v/" + graph.node(v).name, graph.node(v).shape);
      int keptS = b.op(Op::Mul, s, rho);
      int nextS = b.op(Op::Add, keptS, b.op(Op::Mul, b.op(Op::Square, g), rhoC));
      b.update(s, nextS, train);
      int scaled = b.op(Op::Mul, g, lr);
      int step = b.op(Op::Div, scaled, b.op(Op::Add, b.op(Op::Sqrt, nextS), epsilon));
      int start = decayed(v);
      b.update(v, b.op(Op::Sub, start, step), train);
    }
  }
  graph.setBuildingGradient(false);
  return train;
}

}  // namespace graphc
