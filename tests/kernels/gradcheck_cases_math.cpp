// \file Gradient-check cases of the v2 activations, math ops and losses (docs/language.md
// section 4): the table's ops directly, and the losses and moments that the front end composes
// from other ops, lowered from DSL source so that the composition itself is what is checked.
// floor, round and sign have zero gradient by definition: their cases multiply them by x, so the
// check sees exactly the other factor's gradient.
#include "frontend/lower_program.h"
#include "frontend/parser.h"
#include "kernels/gradcheck.h"

namespace graphc {
namespace {

Attrs axes(std::vector<int64_t> a, int64_t keep) { return Attrs().set("axes", a).set("keepdims", keep); }

// A DSL program lowered into gg's graph: the placeholders named in `values` are the variables
// differentiated (fed those values), those in `inputs` fixed data; returns the node named `out`.
int lowerDsl(GradGraph& gg, const std::string& source, const std::map<std::string, RefTensor>& values,
             const std::map<std::string, RefTensor>& inputs, const std::string& out) {
  gg.g = lowerProgram(parseProgram("gradcheck.mnn", source)).graph;
  for (const auto& [name, value] : values) {
    int id = gg.g.findByName(name);
    gg.sources[id] = value;
    gg.vars.push_back(id);
  }
  for (const auto& [name, value] : inputs) gg.sources[gg.g.findByName(name)] = value;
  return gg.g.findByName(out);
}

void addActivationCases(std::vector<GradCase>& cases) {
  // Kinks at 0 (elu, selu) stay 0.1 away; the smooth ones see both signs.
  for (Op op : {Op::Elu, Op::Selu, Op::Swish, Op::Softsign, Op::Mish, Op::Erf})
    cases.push_back({opName(op), [op](GradGraph& gg) {
                       return gg.op(op, {gg.variable("x", randomSigned({3, 5}, gg.rng, 0.1, 2.5))});
                     }});
  cases.push_back(
      {"elu_alpha_half", [](GradGraph& gg) {
         return gg.op(Op::Elu, {gg.variable("x", randomSigned({3, 5}, gg.rng, 0.1, 2.5))}, Attrs().set("alpha", 0.5));
       }});
  for (int64_t approximate : {0, 1})
    cases.push_back({approximate ? "gelu_approximate" : "gelu_exact", [approximate](GradGraph& gg) {
                       return gg.op(Op::Gelu, {gg.variable("x", randomTensor({3, 5}, gg.rng, -3, 3))},
                                    Attrs().set("approximate", approximate));
                     }});
  // A ladder across both kinks of each: hard_sigmoid's at -2.5 and 2.5 (nearest 0.04 away),
  // relu6's at 0 and 6 (nearest 0.19 away).
  cases.push_back({"hard_sigmoid", [](GradGraph& gg) {
                     return gg.op(Op::HardSigmoid, {gg.variable("x", distinctTensor({3, 5}, gg.rng, -3.7, 0.52))});
                   }});
  cases.push_back({"relu6", [](GradGraph& gg) {
                     return gg.op(Op::Relu6, {gg.variable("x", distinctTensor({3, 5}, gg.rng, -1.01, 0.6))});
                   }});
  // After a matmul, fusion puts the gradient's masks into the vectorized epilogue of the gradient
  // matmul (where Halide 14 once failed on products of casts of comparisons); clip's rule too.
  for (Op op : {Op::Relu6, Op::HardSigmoid, Op::Clip})
    cases.push_back(
        {opName(op) + "_after_matmul", [op](GradGraph& gg) {
           int x = gg.variable("x", randomTensor({5, 8}, gg.rng, -1, 1));
           int w = gg.variable("w", randomTensor({8, 16}, gg.rng, -2, 2));
           int h = gg.op(Op::Matmul, {x, w});
           if (op != Op::Clip) return gg.op(op, {h});
           return gg.op(Op::Clip, {h, gg.input("lo", RefTensor{{}, {-0.5}}), gg.input("hi", RefTensor{{}, {0.5}})});
         }});
  cases.push_back({"reciprocal", [](GradGraph& gg) {
                     return gg.op(Op::Reciprocal, {gg.variable("x", randomSigned({3, 5}, gg.rng, 0.5, 2))});
                   }});
}

void addMathCases(std::vector<GradCase>& cases) {
  struct Pattern {
    const char* name;
    Shape x, y;
  };
  for (Pattern p : {Pattern{"SameShape", {3, 4}, {3, 4}}, Pattern{"BroadcastExponent", {2, 3, 4}, {4}},
                    Pattern{"ScalarBase", {}, {2, 3}}})
    cases.push_back({std::string("pow_") + p.name, [p](GradGraph& gg) {
                       int x = gg.variable("x", randomTensor(p.x, gg.rng, 0.5, 2));
                       int y = gg.variable("y", randomTensor(p.y, gg.rng, -2, 2.5));
                       return gg.op(Op::Pow, {x, y});
                     }});
  // Zero gradient by definition: d(op(x) * x)/dx is op(x), x kept 0.1 away from the jumps.
  for (Op op : {Op::Floor, Op::Round, Op::Sign})
    cases.push_back({opName(op) + "_times_x", [op](GradGraph& gg) {
                       RefTensor x = randomTensor({3, 5}, gg.rng, -3, 3);
                       for (double& v : x.data) v = std::floor(v) + 0.15 + 0.2 * (v - std::floor(v));
                       int xs = gg.variable("x", x);
                       return gg.op(Op::Mul, {gg.op(op, {xs}), xs});
                     }});
  struct Reduce {
    const char* name;
    std::vector<int64_t> axes;
    int64_t keep;
  };
  const Reduce reduces[] = {{"Axis1", {1}, 0}, {"LastAxisKeep", {-1}, 1}, {"Axes02Keep", {0, 2}, 1}, {"All", {}, 0}};
  for (const Reduce& r : reduces) {
    cases.push_back({"reduce_min_" + std::string(r.name), [r](GradGraph& gg) {
                       int x = gg.variable("x", distinctTensor({2, 3, 4}, gg.rng, -0.5, 0.03));
                       return gg.op(Op::ReduceMin, {x}, axes(r.axes, r.keep));
                     }});
    cases.push_back({"reduce_prod_" + std::string(r.name), [r](GradGraph& gg) {
                       int x = gg.variable("x", randomSigned({2, 3, 4}, gg.rng, 0.6, 1.4));
                       return gg.op(Op::ReduceProd, {x}, axes(r.axes, r.keep));
                     }});
  }
  // Zeros in the groups of the product over the last axis: one (its gradient is the product of the
  // others), two (every gradient of the group is 0).
  for (int zerosInRow : {1, 2})
    cases.push_back({"reduce_prod_with_" + std::to_string(zerosInRow) + "_zeros", [zerosInRow](GradGraph& gg) {
                       RefTensor x = randomSigned({3, 4}, gg.rng, 0.6, 1.4);
                       x.data[1] = 0;
                       if (zerosInRow == 2) x.data[3] = 0;
                       x.data[6] = 0;  // one zero in row 1 in both cases
                       return gg.op(Op::ReduceProd, {gg.variable("x", x)}, axes({1}, 0));
                     }});
}

void addLossCases(std::vector<GradCase>& cases) {
  // Probabilities in (0.05, 0.95), far inside the clip; soft labels, differentiated too.
  cases.push_back({"binary_crossentropy", [](GradGraph& gg) {
                     int p = gg.variable("p", randomTensor({4, 3}, gg.rng, 0.05, 0.95));
                     int y = gg.variable("y", randomTensor({4, 3}, gg.rng, 0, 1));
                     return gg.op(Op::BinaryCrossentropy, {p, y});
                   }});
  cases.push_back({"sigmoid_cross_entropy", [](GradGraph& gg) {
                     int x = gg.variable("x", randomTensor({4, 3}, gg.rng, -4, 4));
                     int z = gg.variable("z", randomTensor({4, 3}, gg.rng, 0, 1));
                     return gg.op(Op::SigmoidCrossEntropy, {x, z});
                   }});
  cases.push_back({"sigmoid_cross_entropy_broadcast_labels", [](GradGraph& gg) {
                     int x = gg.variable("x", randomTensor({4, 3}, gg.rng, -4, 4));
                     int z = gg.variable("z", randomTensor({3}, gg.rng, 0, 1));
                     return gg.op(Op::SigmoidCrossEntropy, {x, z});
                   }});
}

// The losses and moments the front end composes, with the DSL's defaults and arguments.
void addCompositeCases(std::vector<GradCase>& cases) {
  struct Dsl {
    const char* name;
    const char* call;  // of a [4, 3] and b [4, 3]
  };
  for (Dsl d : {Dsl{"mean_absolute_error", "mean_absolute_error(a, b)"}, Dsl{"huber", "huber(a, b)"},
                Dsl{"huber_delta_0_3", "huber(a, b, delta = 0.3)"}})
    cases.push_back({std::string("dsl_") + d.name, [d](GradGraph& gg) {
                       // a - b on a ladder from -0.43 to 1.44: |a - b| at least 0.04 from 0.3, 0.07 from 1.
                       RefTensor b = randomTensor({4, 3}, gg.rng), a = distinctTensor({4, 3}, gg.rng, -0.43, 0.17);
                       for (size_t i = 0; i < a.data.size(); ++i) a.data[i] = static_cast<float>(a.data[i] + b.data[i]);
                       std::string source =
                           "a = placeholder(f32, [4, 3])\nb = placeholder(f32, [4, 3])\nloss = " + std::string(d.call) +
                           "\n";
                       return lowerDsl(gg, source, {{"a", a}, {"b", b}}, {}, "loss");
                     }});
  cases.push_back({"dsl_l2_loss", [](GradGraph& gg) {
                     return lowerDsl(gg, "x = placeholder(f32, [4, 3])\nloss = l2_loss(x)\n",
                                     {{"x", randomTensor({4, 3}, gg.rng)}}, {}, "loss");
                   }});
  cases.push_back({"dsl_kl_divergence", [](GradGraph& gg) {
                     RefTensor p = randomTensor({4, 3}, gg.rng, 0.05, 1), q = randomTensor({4, 3}, gg.rng, 0.05, 1);
                     std::string source =
                         "p = placeholder(f32, [4, 3])\nq = placeholder(f32, [4, 3])\n"
                         "loss = kl_divergence(p, q)\n";
                     return lowerDsl(gg, source, {{"p", p}, {"q", q}}, {}, "loss");
                   }});
  for (const char* field : {"mean", "variance"})
    for (const char* keep : {"false", "true"})
      cases.push_back(
          {std::string("dsl_moments_") + field + (keep[0] == 't' ? "_keepdims" : ""), [field, keep](GradGraph& gg) {
             std::string source =
                 std::string("x = placeholder(f32, [2, 3, 4])\nm = moments(x, [0, 2], ") + "keepdims = " + keep + ")\n";
             return lowerDsl(gg, source, {{"x", randomTensor({2, 3, 4}, gg.rng, -2, 2)}}, {},
                             std::string("m/") + field);
           }});
  struct Smoothed {
    const char* name;
    const char* call;
    bool probs, ids;
  };
  for (Smoothed s :
       {Smoothed{"softmax_cross_entropy_ids", "softmax_cross_entropy(s, y, label_smoothing = 0.1)", false, true},
        Smoothed{"softmax_cross_entropy_one_hot", "softmax_cross_entropy(s, y, label_smoothing = 0.2)", false, false},
        Smoothed{"categorical_crossentropy", "categorical_crossentropy(s, y, label_smoothing = 0.2)", true, false},
        Smoothed{"sparse_categorical_crossentropy", "sparse_categorical_crossentropy(s, y, label_smoothing = 0.1)",
                 true, true}})
    cases.push_back(
        {std::string("dsl_label_smoothing_") + s.name, [s](GradGraph& gg) {
           RefTensor scores = s.probs ? randomTensor({4, 5}, gg.rng, 0.05, 0.95) : randomTensor({4, 5}, gg.rng, -2, 2);
           RefTensor ids = randomIds(4, 5, gg.rng);
           std::string source = std::string("s = placeholder(f32, [4, 5])\ny = placeholder(") +
                                (s.ids ? "i32, [4]" : "f32, [4, 5]") + ")\nloss = " + s.call + "\n";
           return lowerDsl(gg, source, {{"s", scores}}, {{"y", s.ids ? ids : oneHot(ids, 5)}}, "loss");
         }});
}

}  // namespace

void addV2MathCases(std::vector<GradCase>& cases) {
  addActivationCases(cases);
  addMathCases(cases);
  addLossCases(cases);
  addCompositeCases(cases);
}

}  // namespace graphc
