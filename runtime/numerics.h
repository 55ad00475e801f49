// \file Non-finite values: checks of buffers and variables, and the search for the first op of a
// step that produced a NaN or an infinity (what a run that failed reports, cli.md exit code 1).
#pragma once

#include <Halide.h>

#include <string>
#include <vector>

#include "runtime/session.h"

namespace graphc {

// Whether every element is finite (integer buffers always are).
bool allFinite(const Halide::Buffer<>& value);

// The first variable of a snapshot holding a NaN or an infinity, or -1.
int firstNonFinite(const Session::Snapshot& variables);

// The first value, in graph order, that holds a NaN or an infinity among every value the fetches
// depend on, computed at this batch size from the session's current feeds and variables; -1 when
// all are finite. Its inputs are then finite, so it names the op that made the bad value. The
// debug program keeps every value (one kernel per node): slow to compile, used only after a
// failure.
int firstNonFiniteValue(Session& session, const std::vector<int>& fetches, int64_t batch);

// "%45 = log(%44) : f32[?,10]  # lenet5.mnn:12:9" plus where the value belongs: the forward pass,
// a variable, or the backward pass (with the forward node whose gradient it is part of).
std::string describeValue(const Graph& graph, int node);

}  // namespace graphc
