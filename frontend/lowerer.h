// \file The AST-to-graph lowering's internal state: scopes, name bindings and argument helpers
// shared by the statement, call and train-block lowerings.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "frontend/ast.h"
#include "ir/model.h"
#include "ir/op_table.h"

namespace graphc {

// A call's arguments matched to parameter names, with helpers that convert and check each.
class CallArgs;

class Lowerer {
 public:
  explicit Lowerer(const Program& program);
  Model run();

  // Expressions.
  int evalNode(const Expr& e);       // a graph value (numbers become constants)
  double evalNumber(const Expr& e);  // a constant number
  int64_t evalInt(const Expr& e, const std::string& what);
  std::string evalWord(const Expr& e);                                    // a string or a bare identifier
  std::vector<int64_t> evalShape(const Expr& e);                          // list of ints and `?` (-2)
  std::vector<int64_t> evalPair(const Expr& e, const std::string& what);  // n or [h, w]
  DType evalDType(const Expr& e);
  bool isConstantExpr(const Expr& e);
  // A constant expression as a literal: Number (isInteger when integer arithmetic made it), Bool,
  // String, a List of literals, or an Ident for a bare word no binding names (`same`, `relu`).
  // Integer `//` and `%` round toward minus infinity as in Python; comparisons give Bool.
  ExprPtr fold(const Expr& e);
  // What a name bound to a constant stands for (a list passed as a parameter); e itself otherwise.
  const Expr& resolve(const Expr& e) const;

  int lowerCall(const Expr& call);
  // A call of a `def`: its body lowered where it is called (frontend/lower_functions.cpp), or -1
  // when no def has that name.
  int lowerFunctionCall(const Expr& call);
  // The names a call may have meant, for "did you mean ...?": the defs, then every lowercase call
  // (the free callableNames below), then the layers.
  std::vector<std::string> callableNames() const;
  int lowerNNCall(const Expr& call);  // the nn ops and losses; -1 for a name it does not know
  int lowerLayer(const Expr& call);
  // moments(x, axes, keepdims = false): the mean and the biased variance over axes (tf.nn.moments).
  struct Moments {
    int mean = -1, variance = -1;
  };
  Moments lowerMoments(const Expr& call);
  // split(x, n or [sizes], axis = 0): x cut along axis into n equal parts or parts of the given
  // sizes (one may be -1: the rest), as tf.split; the parts in order.
  std::vector<int> lowerSplit(const Expr& call);
  // The values of a list of graph values: a split call, or a name bound to one (`parts`).
  std::vector<int> listValues(const Expr& e);
  // dropout(x, keep) with the session's training flag and step as inputs. keepOrRate is a number
  // or a graph value: the keep probability, or with rate the fraction dropped (Keras' Dropout).
  // The mask's seed is a stable hash of seedKey (the binding's name), so masks do not change
  // when ops are added elsewhere.
  int dropout(int x, const Expr& keepOrRate, const std::string& seedKey, SourceLoc loc, bool rate);

  int addNode(Op op, std::vector<int> inputs, Attrs attrs, SourceLoc loc);
  // The session-fed scalars (created on first use): 1.0 while training, else 0.0; the step number.
  int trainingFlag();
  int stepCounter();
  int scalarConstant(double v, DType dtype, SourceLoc loc);
  int variable(const std::string& name, const Shape& shape, Attrs init, SourceLoc loc);
  // wanted, or wanted_1, wanted_2... when a node already has that name: a rebound name (`h = h + 1`,
  // `h = res_block(h, 16)` in a loop) names each new value, as layers' scopes are.
  std::string uniqueName(const std::string& wanted);
  Model& model() { return model_; }
  const Program& program() const { return program_; }

 private:
  // A def with the file's bindings made before it and its parameters' folded defaults.
  struct Function {
    const Stmt* def = nullptr;
    std::map<std::string, int> nodes;
    std::map<std::string, ExprPtr> configs;
    std::vector<ExprPtr> defaults;  // null for a parameter without one
  };
  struct ActiveCall {
    std::string function;
    SourceLoc call;
  };

  void lowerStatements(const std::vector<Stmt>& stmts);
  void lowerDef(const Stmt& def);
  void lowerFor(const Stmt& loop);
  void lowerIf(const Stmt& branch);
  int expandCall(const Expr& call, const Function& fn);
  // Counts one more unrolled loop body or expanded call; a UserError at loc past the limit.
  void countUnrolled(SourceLoc loc);
  // A call's argument in the caller's bindings: a node, a folded constant or a bare word.
  void bindArgument(const std::string& param, const Expr& value, std::map<std::string, int>* nodes,
                    std::map<std::string, ExprPtr>* configs);
  void lowerTrain(const Stmt& train);
  void bind(const std::string& name, const Expr& value, SourceLoc loc);
  // The binding of a (possibly dotted) name seen from the current scope, or nullptr.
  const Expr* findConfig(const std::string& dotted) const;
  int findNode(const std::string& dotted) const;
  std::string dottedName(const Expr& e) const;  // `a.b.c` for Ident/Member chains, "" otherwise

 public:
  std::string dottedNameOf(const Expr& e) const { return dottedName(e); }

 private:
  // The scope of the next layer (or function call) in this statement: the statement's name, with
  // `_1`, `_2`... when taken; fallback without one. Layers without variables do not reserve it.
  std::string layerScope(bool reserve = true, const std::string& fallback = "layer");
  // A dropout layer's seed key: its scope, made unique among the dropout layers.
  std::string dropoutSeedKey(const std::string& scope);

  const Program& program_;
  Model model_;
  std::vector<std::string> scopes_;         // enclosing scope names
  std::map<std::string, int> nodes_;        // "conv1.W" -> node
  std::map<std::string, ExprPtr> configs_;  // names bound to constants, folded (see fold)
  std::set<std::string> takenLayerScopes_;
  std::set<std::string> takenSeedKeys_;
  std::set<std::string> takenNames_;  // the nodes' names given so far
  std::string statementName_;         // the full name being bound ("conv1/h", "b/h" inside a call b)
  std::string namePrefix_;            // inside a function call: its scope and '/' ("b/"), else ""
  std::map<std::string, Function> functions_;
  std::vector<ActiveCall> callStack_;  // the calls being expanded, outermost first
  int64_t unrolled_ = 0;
};

std::string scopePath(const std::vector<std::string>& scopes, const std::string& name, char sep);

// Argument helpers shared by the call and layer lowerings (defined in lower_calls.cpp).
std::string paddingArg(Lowerer& L, const CallArgs& args);  // "same" or "valid" (default)
// An `n or [h, w]` argument, or fallback when it is absent.
std::vector<int64_t> pairArg(Lowerer& L, const CallArgs& args, const std::string& name, std::vector<int64_t> fallback);
// max_pool or avg_pool with the size (default 2), strides (default size) and padding arguments.
int lowerPool(Lowerer& L, Op op, const CallArgs& args, int x, SourceLoc loc);
// A call of an op the table declares a builtin: its inputs and attributes by the table's names,
// numbers among the inputs taking the dtype of the first graph value, attribute defaults written.
int lowerBuiltin(Lowerer& L, const Expr& call, Op op);
// An attribute's default as ops.def spells it (Use::Default; not of a list of ints).
AttrValue defaultValue(const AttrDef& a);
int lowerFlatten(Lowerer& L, int x, SourceLoc loc);  // [N, ...] -> [N, rest]
// Every name a lowercase call may use (for the error on an unknown one), sorted.
std::vector<std::string> callableNames();
// The value of `activation = NAME` applied to x (Keras' names; `none`/`linear` give x).
int applyActivation(Lowerer& L, const std::string& name, int x, SourceLoc loc);
// The layers lowerLayer knows (Keras' names), for messages.
const std::vector<std::string>& layerNames();
// The Keras activation names applyActivation accepts.
const std::vector<std::string>& activationNames();
// An initializer: a number (constant), a call such as he_uniform() or truncated_normal(0.1), or a
// bare name; the variable attributes it sets (init and its parameters).
Attrs initializerArg(Lowerer& L, const Expr& e);
// A list of [before, after] pairs of ints, flattened (pad's paddings, Cropping2D's [[t, b], [l, r]]).
std::vector<int64_t> pairListArg(Lowerer& L, const Expr& e, const std::string& what);

}  // namespace graphc
