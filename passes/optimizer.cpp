// \file Optimizer updates appended after autodiff, written with the ordinary elementwise ops so
// that the code generator fuses each variable's update into one loop nest (no optimizer kernel).
// The formulas are Keras' (tf.keras / Keras 3), which the unit tests check step by step against a
// double-precision transcription.
#include "passes/optimizer.h"

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

  // A zero-initialised, non-trainable variable `KIND/NAME`, marked as optimizer state.
  int state(const std::string& name, const Shape& shape) {
    Attrs a;
    a.set("shape", std::vector<int64_t>(shape.begin(), shape.end()))
        .set("dtype", std::string("f32"))
        .set("init", std::string("zeros"))
        .set("trainable", int64_t(0))
        .set(kOptimizerSlotAttr, int64_t(1));
    return g_.add(Op::Variable, {}, a, {}, kind_ + "/" + name);
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
  if (o.kind == "sgd" && !(o.momentum >= 0 && o.momentum <= 1))
    fail("momentum must be between 0 and 1, found " + std::to_string(o.momentum));
  if (o.kind == "adam" && !(o.beta1 >= 0 && o.beta1 < 1))
    fail("beta1 must be in [0, 1), found " + std::to_string(o.beta1));
  if (o.kind == "adam" && !(o.beta2 >= 0 && o.beta2 < 1))
    fail("beta2 must be in [0, 1), found " + std::to_string(o.beta2));
  if (o.kind == "rmsprop" && !(o.rho >= 0 && o.rho < 1)) fail("rho must be in [0, 1), found " + std::to_string(o.rho));
  if (!(o.epsilon >= 0 && std::isfinite(o.epsilon))) fail("epsilon must be >= 0, found " + std::to_string(o.epsilon));
}

}  // namespace

TrainGraph buildTrainGraph(Graph& graph, int loss, const OptimizerSpec& optimizer, SourceLoc where) {
  const Node& l = graph.node(loss);
  if (!l.shape.empty() || l.dtype != DType::F32)
    throw UserError(where, "minimize expects a scalar f32 value, found " + typeToString(l.dtype, l.shape));
  const std::string& kind = optimizer.kind;
  if (kind != "sgd" && kind != "adam" && kind != "rmsprop")
    throw UserError(where, "unknown optimizer '" + kind + "' (expected sgd, adam or rmsprop)");
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
  b.update(train.iterations, t, train);

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
        b.update(v, graph.add(Op::SgdUpdate, {v, g, lr}), train);
        continue;
      }
      std::string name = graph.node(v).name;
      Shape shape = graph.node(v).shape;
      int velocity = b.state("velocity/" + name, shape);
      int step = b.op(Op::Mul, g, lr);
      int decayed = b.op(Op::Mul, velocity, momentum);
      int nextVelocity = b.op(Op::Sub, decayed, step);
      b.update(velocity, nextVelocity, train);
      int delta = nextVelocity;
      if (optimizer.nesterov) delta = b.op(Op::Sub, b.op(Op::Mul, nextVelocity, momentum), step);
      b.update(v, b.op(Op::Add, v, delta), train);
    }
  } else if (kind == "adam") {
    // lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t); m = beta1 m + (1 - beta1) g;
    // v = beta2 v + (1 - beta2) g^2; var -= lr_t * m / (sqrt(v) + epsilon).
    int correction2 = b.op(Op::Sqrt, b.oneMinusPower(optimizer.beta2, t));
    int correction1 = b.oneMinusPower(optimizer.beta1, t);
    int lrT = b.op(Op::Div, b.op(Op::Mul, lr, correction2), correction1);
    graph.mutableNode(lrT).name = "adam/lr_t";
    int beta1 = b.constant(optimizer.beta1), beta1c = b.constant(1 - optimizer.beta1);
    int beta2 = b.constant(optimizer.beta2), beta2c = b.constant(1 - optimizer.beta2);
    int epsilon = b.constant(optimizer.epsilon);
    for (int v : vars) {
      auto it = grads.find(v);
      if (it == grads.end()) continue;
      int g = it->second;
      std::string name = graph.node(v).name;
      Shape shape = graph.node(v).shape;
      int m = b.state("m/" + name, shape);
      int s = b.state("v/" + name, shape);
      int keptM = b.op(Op::Mul, m, beta1);
      int nextM = b.op(Op::Add, keptM, b.op(Op::Mul, g, beta1c));
      int keptS = b.op(Op::Mul, s, beta2);
      int nextS = b.op(Op::Add, keptS, b.op(Op::Mul, b.op(Op::Square, g), beta2c));
      b.update(m, nextM, train);
      b.update(s, nextS, train);
      int scaled = b.op(Op::Mul, nextM, lrT);
      int step = b.op(Op::Div, scaled, b.op(Op::Add, b.op(Op::Sqrt, nextS), epsilon));
      b.update(v, b.op(Op::Sub, v, step), train);
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
      b.update(v, b.op(Op::Sub, v, step), train);
    }
  }
  graph.setBuildingGradient(false);
  return train;
}

}  // namespace graphc
