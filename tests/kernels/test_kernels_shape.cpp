// \file Kernel correctness of the ops that move elements (transpose, concat, slice_axis, one_hot)
// and of element_count, against the naive references.
#include <gtest/gtest.h>

#include "kernels/kernel_fixture.h"

namespace graphc {
namespace {

Attrs perm(std::vector<int64_t> p) { return Attrs().set("perm", p); }
Attrs axis(int64_t a) { return Attrs().set("axis", a); }
Attrs slice(int64_t a, int64_t begin, int64_t size) {
  return Attrs().set("axis", a).set("begin", begin).set("size", size);
}

TEST_F(KernelTest, TransposeConcatSliceOneHotAndCounts) {
  int m = input("m", randomTensor({5, 9}, rng));
  int t = input("t", randomTensor({2, 3, 4}, rng));
  int ints = input("ints", RefTensor{{2, 3}, {1, 2, 3, 4, 5, 6}, DType::I32});
  int wide = input("wide", randomTensor({2, 3, 9}, rng));
  int tall = input("tall", randomTensor({1, 3, 4}, rng));
  int labels = input("labels", RefTensor{{2, 3}, {0, 3, 1, -1, 4, 2}, DType::I32});  // -1 and 4 are outside depth 4
  std::vector<int> outs = {
      op(Op::Transpose, {m}, perm({})),  // default: reversed axes
      op(Op::Transpose, {t}, perm({2, 0, 1})),
      op(Op::Transpose, {t}, perm({0, 2, 1})),
      op(Op::Transpose, {t}, perm({1, 0, -1})),
      op(Op::Transpose, {ints}, perm({1, 0})),
      op(Op::Concat, {t, wide}, axis(-1)),  // [2, 3, 13]: a vector tail along the joined axis
      op(Op::Concat, {t, tall, t}, axis(0)),
      op(Op::Concat, {t, t, t}, axis(1)),
      op(Op::Concat, {m}, axis(0)),
      op(Op::Concat, {ints, ints}, axis(1)),
      op(Op::SliceAxis, {wide}, slice(2, 3, 5)),
      op(Op::SliceAxis, {t}, slice(0, 1, 1)),
      op(Op::SliceAxis, {t}, slice(1, 0, 2)),
      op(Op::OneHot, {labels}, Attrs().set("depth", int64_t(4))),
      op(Op::OneHot, {input("ids", randomIds(11, 10, rng))}, Attrs().set("depth", int64_t(10))),
      op(Op::ElementCount, {t}, Attrs().set("axes", std::vector<int64_t>{0, 2})),
      op(Op::ElementCount, {t}, Attrs().set("axes", std::vector<int64_t>{})),
  };
  check(outs);
}

}  // namespace
}  // namespace graphc
