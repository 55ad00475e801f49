// \file The host's CPU model, as /proc/cpuinfo names it ("AMD EPYC 9654"): `graphc --version`
// prints it and `graphc bench` keys its cached peak on it.
#pragma once

#include <string>

namespace graphc {

// "unknown CPU" where /proc/cpuinfo has no model name.
std::string cpuModelName();

}  // namespace graphc
