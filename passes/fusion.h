// \file Kernel fusion: which graph values become kernels (Funcs computed at root) and which are
// fused into the kernels that read them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace graphc {

// One kernel: its root value and the elementwise values fused (inlined) into it, in id order.
struct Kernel {
  int root = -1;
  int anchor = -1;            // a register-tiled producer fused into the kernel (its tiles drive the
                              // kernel's loops), or -1
  std::vector<int> siblings;  // values of the root's shape stored by the same loop nest (see planFusion)
  int perImageIn = -1;        // the pooling kernel (its root) that computes this kernel one image at a
                              // time inside its loop over images (see planFusion), or -1: at root
  std::vector<int> nodes;     // root last
  double flops = 0;           // estimated at the plan's batch size
  double bytes = 0;           // read from other kernels' buffers and sources, plus the output written
};

struct FusionPlan {
  int64_t batch = 1;
  std::vector<int> live;     // every value the outputs need, id order
  std::vector<bool> isRoot;  // by node id: materialised by its own kernel
  std::vector<Kernel> kernels;
};

// Rules, in order: every non-elementwise op (convolution, matmul, reduction, pooling, reshape...)
// but an index map (broadcast_like: a per-channel gradient spread over a batch of images, read
// by its readers where they need it instead of written out) is a kernel; every requested output
// is a kernel; an elementwise value or index map read by a non-elementwise op other than a
// reduction, for its values, is a kernel (inlining it into a convolution would
// recompute it at every tap; a reduction reads each element once, so BatchNorm's variance sums
// its squared deviations without storing them; sum_like reads its `like` input's shape only);
// every other elementwise value is fused into each kernel that reads it (`sigmoid(x * y)` is one
// loop nest).
// Then producer fusion: a register-tiled op (conv2d, its input gradient, matmul) whose only
// reader starts a chain of single-reader elementwise values of its shape, ending at a kernel or
// at a value read more than once (made a kernel), is fused into that kernel as its anchor
// (conv + bias + relu, matmul + bias + activation, a matmul gradient into relu_grad), at most
// one per kernel. Sources (placeholders, variables, constants) are inputs, never kernels.
// Then sibling fusion: an elementwise kernel with no tiled producer takes in, as siblings, the
// elementwise kernels of its shape whose values only it reads (an optimizer's slots, read only by
// their variable's update): one loop nest stores every sibling and the root, and the root
// recomputes each sibling's value from the sibling's inputs instead of reading it back, so
// Adam's m, v and parameter updates read g, m, v and the parameter once and write three values.
// Then per-image fusion: a register-tiled kernel (conv + bias + relu) whose value only a pooling
// kernel reads is computed inside the pool's loop over images, one image at a time, when there
// are at least kPerImageBatch images: its output (86 KB an image for a 26x26x32 layer)
// stays in the core's cache between the two kernels instead of going to memory and back (87 MB
// each way at batch 1000). With fewer images each kernel keeps its own parallel loops (one image
// would leave a core idle in the pool's loop). On CPU targets codegen goes one step further when
// the pool's windows never share a row (2x2 at stride 2): the kernel is computed per pooled row,
// two of its rows at a time (codegen/lower_graph.cpp). Training never has such a pair: the
// gradient of the pool reads the pooled value too.
// Assumes a type-checked graph; guarantees every live non-source value is computed by at least
// one kernel, and an anchor by exactly one.
constexpr int64_t kPerImageBatch = 16;
FusionPlan planFusion(const Graph& graph, const std::vector<int>& outputs, int64_t batch);

// The plan as text, one kernel per line with its nodes, FLOPs and bytes (`dump --stage fused`).
std::string printFusionPlan(const Graph& graph, const FusionPlan& plan);

}  // namespace graphc
