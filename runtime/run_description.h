// \file What a run with --log-dir writes about itself at its start, for `graphc report`:
//
//   summary.txt   the model's summary (`graphc summary`'s table)
//   hparams.csv   name,value: the model, its file, the data, the optimizer and its learning rate,
//                 batch, epochs or steps, validation, metrics, shuffle and seed, after the command
//                 line's overrides
#pragma once

#include <string>

#include "ir/model.h"

namespace graphc {

// Writes both files atomically (a second run with the folder replaces them); a RunFailure when
// one cannot be written.
void writeRunDescription(const std::string& dir, const Model& model, const TrainConfig& cfg);

}  // namespace graphc
