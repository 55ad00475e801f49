// \file The forward (inference) graph both exporters translate (`dump --stage mlir`, `graphc export`):
// which placeholder takes the images, which value holds the class scores (or, for `graphc export`,
// the prediction of a model without them), the inference values of the other placeholders, and
// the nodes the output needs once those values are folded in.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "ir/graph.h"
#include "ir/model.h"

namespace graphc {

// What to export and with which values.
struct ForwardGraphOptions {
  int input = -1;           // the placeholder that becomes the exported function's input (f32, batch dimension first)
  int output = -1;          // the value it returns
  bool classScores = true;  // output is the class scores (else the prediction the loss compares: forwardGraphOptions)
  int64_t batch = 1;        // every `?` dimension becomes this (where the format needs a fixed size)
  // Placeholders held at a fixed scalar value (the training flag at 0, keep_prob at its default):
  // they and everything computed only from them fold to constants.
  std::map<int, double> fixedPlaceholders;
  // The values of a variable, row-major in the graph's order, numElements(shape) floats, alive
  // for the whole export. Every variable the output needs must have one.
  std::function<const float*(int variable)> variableData;
};

// The forward graph of a model: from the placeholder the train block feeds with images to the
// class scores `graphc predict` reports (walking back from the first metric, else the minimize
// value: the first softmax over [?, K], else the first f32 [?, K]). Placeholders with a default
// take it, the others fed a constant take the eval_feed's or feed's constant, as in an evaluation,
// so the training flag is 0 (dropout is the identity, BatchNorm uses its moving statistics).
// Without a train block the input is the graph's only f32 placeholder with a batch dimension.
// A model that has none of these is a UserError whose message starts with `who` ("export"), unless
// `prediction` allows what a model without class scores outputs in Keras: the value its loss
// compares with the target (an autoencoder's reconstruction; passes/class_scores.h).
// variableData is left to the caller.
enum class ForwardOutput { ClassScores, ClassScoresOrPrediction };
ForwardGraphOptions forwardGraphOptions(const Model& model, const std::string& who,
                                        ForwardOutput wanted = ForwardOutput::ClassScores);

// The [before, after] padding of one spatial dimension of a window op (conv2d, pooling) from in to
// out: TensorFlow's "same" puts the odd one after, as the type rules set pad_top / pad_left.
std::pair<int64_t, int64_t> windowPadding(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t dilation,
                                          int64_t before);

// The nodes an exporter translates, with the scalars known at export time folded away.
class ForwardNodes {
 public:
  ForwardNodes(const Graph& graph, const ForwardGraphOptions& options);

  // The value of a scalar computable at export time: constants, fixed placeholders and
  // comparisons, arithmetic, casts and selections of them (the training flag, `training > 0.5`).
  const double* known(int id) const;
  // The node whose value this node has in inference: dropout with the training flag at 0 is its
  // input; a selection on a known condition is the chosen branch (BatchNorm's moving statistics).
  int resolve(int id) const;
  // The nodes to translate for the output, in id order (a topological order): known scalars and
  // the input stop the walk, and every node is resolved.
  std::vector<int> needed() const;

 private:
  const Graph& graph_;
  const ForwardGraphOptions& options_;
  std::map<int, double> known_;
};

}  // namespace graphc
