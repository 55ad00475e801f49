// \file `graphc infer`: a model run on .npy arrays, its chosen values written as .npy files
// (runtime/inference.h does the work).
#include <fmt/core.h>

#include "driver/pipeline.h"
#include "runtime/inference.h"
#include "runtime/metrics_json.h"
#include "support/diagnostics.h"
#include "tools/verbs.h"

namespace graphc {

int inferVerb(const std::vector<std::string>& args) {
  VerbFlags flags("infer", "graphc infer FILE.mnn [--load CHECKPOINT] --input NAME=X.npy... --output NAME... -o DIR",
                  "Runs the model on arrays: each placeholder named by --input is fed the f32 .npy file given\n"
                  "(numpy.save's format; a `?` dimension takes the array's size), the variables come from\n"
                  "--load, and each value named by --output is written to DIR/NAME.npy (inference: dropout\n"
                  "off). `graphc import` names a model's inputs and outputs in its first lines.");
  std::optional<std::string> load, dir;
  std::vector<std::string> inputs, outputs;
  TargetFlags target;
  flags.text("load", load, "the checkpoint (safetensors) the variables come from");
  flags.texts("input", inputs, "NAME=FILE.npy: feed placeholder NAME with the array in FILE.npy (repeatable)",
              "NAME=FILE");
  flags.texts("output", outputs, "NAME: write the value bound to NAME to DIR/NAME.npy (repeatable)", "NAME");
  flags.text("o", dir, "the folder to write the outputs to (it must exist)", "DIR");
  addTargetFlags(flags, target, kTargetHelp);
  if (!flags.parse(args)) return 0;
  std::string path = flags.fileArg();
  if (outputs.empty()) throw FlagError{"expected at least one --output NAME"};
  if (!dir) throw FlagError{"expected -o DIR, the folder to write the outputs to"};
  std::map<std::string, NpyArray> arrays;
  for (const std::string& in : inputs) {
    size_t eq = in.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == in.size())
      throw FlagError{"--input takes NAME=FILE.npy, found '" + in + "'"};
    arrays[in.substr(0, eq)] = readFloatNpy(in.substr(eq + 1));
  }
  for (const std::string& name : outputs) {
    if (name.find('/') != std::string::npos) throw FlagError{"--output takes a value's name, found '" + name + "'"};
    checkDestination(*dir + "/" + name + ".npy", "an output");
  }
  CompileOptions compile = configureTarget(target);
  Model model = loadModel(path);
  std::vector<NpyArray> values = inferArrays(model, load.value_or(""), arrays, outputs, compile);
  for (size_t k = 0; k < outputs.size(); ++k) writeNpy(*dir + "/" + outputs[k] + ".npy", values[k]);
  return 0;
}

}  // namespace graphc
