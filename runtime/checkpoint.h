// \file Checkpoints in the safetensors format: every variable of a session (weights, optimizer
// state, other state) stored as an F32 tensor under its graph name, plus string metadata.
//
// The format (https://github.com/huggingface/safetensors): an 8-byte little-endian header length
// N, N bytes of JSON `{"NAME": {"dtype": "F32", "shape": [..], "data_offsets": [BEGIN, END]}, ...,
// "__metadata__": {"key": "value"}}`, then the raw little-endian data, offsets relative to its start.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "ir/types.h"

namespace graphc {

class Session;

// One tensor of a safetensors file, validated: its bytes lie inside the file and match its
// dtype and shape.
struct SafetensorsTensor {
  std::string name;
  std::string dtype;  // "F32", "I64", ... as the format spells them
  Shape shape;
  uint64_t begin = 0, end = 0;  // byte offsets into the data section
};

struct SafetensorsFile {
  std::vector<uint8_t> bytes;              // the whole file
  uint64_t dataStart = 0;                  // 8 + the header length
  std::vector<SafetensorsTensor> tensors;  // in data order
  std::map<std::string, std::string> metadata;

  const SafetensorsTensor* find(const std::string& name) const;
  const uint8_t* data(const SafetensorsTensor& t) const { return bytes.data() + dataStart + t.begin; }
};

// Reads and validates a safetensors file. Any problem (unreadable, truncated, a header length
// beyond the file, malformed JSON, an unknown dtype, offsets outside the data or overlapping,
// a size that disagrees with the shape) is an InputError whose message starts with the path.
SafetensorsFile readSafetensors(const std::string& path);

// What loadCheckpoint did.
struct CheckpointLoad {
  std::map<std::string, std::string> metadata;
  std::vector<std::string> zeroedSlots;  // optimizer state the file lacked, started at its initial value
  int restored = 0;                      // variables read from the file
  int ignored = 0;                       // tensors of the file the graph has no variable for
};

// One f32 tensor to write under its name; data holds numElements(shape) values.
struct NamedTensor {
  std::string name;
  Shape shape;
  const float* data = nullptr;
};

// Writes the tensors, in order, and the metadata as a safetensors file, atomically (a temporary
// file, fsync, rename). Throws InputError when the file cannot be written.
void writeSafetensors(const std::string& path, const std::vector<NamedTensor>& tensors,
                      const std::map<std::string, std::string>& metadata);

// Writes every variable of the session under its graph name, with metadata, atomically (a
// temporary file, fsync, rename). Throws InputError when the file cannot be written.
void saveCheckpoint(const std::string& path, Session& session, const std::map<std::string, std::string>& metadata);

// Sets the session's variables from the file. Optimizer state (variables marked
// kOptimizerSlotAttr) that the file lacks starts at its initial value; a missing variable of any other kind,
// or one stored with another shape or dtype, is an InputError naming the file, the variable
// and both types. Tensors the graph has no variable for are ignored (an eval graph has no
// optimizer state). Either every variable is set or, when it throws, none is.
CheckpointLoad loadCheckpoint(const std::string& path, Session& session);

}  // namespace graphc
