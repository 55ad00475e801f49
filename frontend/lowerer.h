// \file The AST-to-graph lowering's internal state: scopes, name bindings and argument helpers
// shared by the statement, call and train-block lowerings.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "frontend/ast.h"
#include "ir/model.h"

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

  int lowerCall(const Expr& call);
  int lowerNNCall(const Expr& call);  // the nn ops and losses; -1 for a name it does not know
  int lowerLayer(const Expr& call);
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
  Model& model() { return model_; }
  const Program& program() const { return program_; }

 private:
  void lowerStatements(const std::vector<Stmt>& stmts);
  void lowerTrain(const Stmt& train);
  void bind(const std::string& name, const Expr& value, SourceLoc loc);
  // The binding of a (possibly dotted) name seen from the current scope, or nullptr.
  const Expr* findConfig(const std::string& dotted) const;
  int findNode(const std::string& dotted) const;
  std::string dottedName(const Expr& e) const;  // `a.b.c` for Ident/Member chains, "" otherwise

 public:
  std::string dottedNameOf(const Expr& e) const { return dottedName(e); }

 private:
  std::string layerScope();  // the scope of the next layer in this statement

  const Program& program_;
  Model model_;
  std::vector<std::string> scopes_;             // enclosing scope names
  std::map<std::string, int> nodes_;            // "conv1.W" -> node
  std::map<std::string, const Expr*> configs_;  // names bound to constants
  std::set<std::string> takenLayerScopes_;
  std::string statementName_;   // the full name being bound ("conv1/h")
  std::string lastLayerScope_;  // the scope the latest layer call took
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
int lowerFlatten(Lowerer& L, int x, SourceLoc loc);  // [N, ...] -> [N, rest]
// An initializer: a number (constant), a call such as he_uniform() or truncated_normal(0.1), or a
// bare name; the variable attributes it sets (init and its parameters).
Attrs initializerArg(Lowerer& L, const Expr& e);
// A list of [before, after] pairs of ints, flattened (pad's paddings, Cropping2D's [[t, b], [l, r]]).
std::vector<int64_t> pairListArg(Lowerer& L, const Expr& e, const std::string& what);

}  // namespace graphc
