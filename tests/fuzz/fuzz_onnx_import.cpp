// \file libFuzzer target over `graphc import`: the bytes parsed as an ONNX model (protobuf), every
// node translated to .mnn (importer/), then the translation checked as the verb checks it (parse,
// type-check, build the graph), without and with a train block. Bad input must end in an
// InputError (the importer) or a UserError (a translation graphc rejects); a crash, a sanitizer
// report or any other exception (InternalError, std::out_of_range...) is a finding.
#include <cstddef>
#include <cstdint>
#include <string>

#include "driver/pipeline.h"
#include "importer/onnx_import.h"
#include "support/diagnostics.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  for (const char* source : {"", "mnist(scale = 1/255)"}) {
    graphc::ImportOptions options;
    options.data = source;
    options.modelName = "fuzz";
    try {
      graphc::ImportedModel model = graphc::importOnnx("fuzz.onnx", bytes, options);
      graphc::loadModelSource("fuzz.mnn", model.mnn);
    } catch (const graphc::InputError&) {
    } catch (const graphc::UserError&) {
    }
  }
  return 0;
}
