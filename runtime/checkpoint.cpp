// \file Safetensors reading (validated before anything is trusted) and checkpoint save/load.
//
// The JSON header is parsed with nlohmann/json (Debian's header-only nlohmann-json3-dev): a
// checkpoint is untrusted input, and a well-tested parser that reports malformed text as an
// exception is safer than a hand-written one; it also escapes names correctly when writing.
#include "runtime/checkpoint.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "passes/optimizer.h"
#include "runtime/initializers.h"
#include "runtime/metrics_json.h"
#include "runtime/session.h"
#include "support/diagnostics.h"
#include "support/regular_file.h"

// Tensors are copied to and from the file as raw memory, so the host must be little-endian.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "safetensors data is little-endian");

namespace graphc {
namespace {

// The safetensors header is capped by the reference implementation at 100 MB; a larger length
// is a corrupt file, not a header to allocate.
constexpr uint64_t kMaxHeader = 100'000'000;
// How deep the header's JSON may nest (readSafetensors).
constexpr int kMaxHeaderDepth = 16;

uint64_t dtypeSize(const std::string& dtype) {
  static const std::map<std::string, uint64_t> sizes = {
      {"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"F8_E5M2", 1}, {"F8_E4M3", 1}, {"I16", 2}, {"U16", 2}, {"F16", 2},
      {"BF16", 2}, {"I32", 4}, {"U32", 4}, {"F32", 4},     {"F64", 8},     {"I64", 8}, {"U64", 8}};
  auto it = sizes.find(dtype);
  return it == sizes.end() ? 0 : it->second;
}

std::vector<uint8_t> readWholeFile(const std::string& path) {
  std::string why;
  int fd = openRegularFile(path, std::numeric_limits<uint64_t>::max(), &why);  // a FIFO would block fopen
  if (fd < 0 && why.rfind("not a regular file", 0) == 0)
    throw InputError(path + ": " + why + ", cannot be a checkpoint");
  if (fd < 0) throw InputError(path + ": cannot open the checkpoint (" + why + ")");
  std::unique_ptr<FILE, int (*)(FILE*)> f(fdopen(fd, "rb"), std::fclose);
  if (!f) {
    ::close(fd);
    throw InputError(path + ": cannot open the checkpoint (" + std::strerror(errno) + ")");
  }
  struct stat st;
  if (::fstat(fileno(f.get()), &st) != 0) throw InputError(path + ": cannot open the checkpoint");
  std::vector<uint8_t> bytes(static_cast<size_t>(st.st_size));
  if (!bytes.empty() && std::fread(bytes.data(), 1, bytes.size(), f.get()) != bytes.size())
    throw InputError(path + ": cannot read the checkpoint");
  return bytes;
}

std::string shapeText(const Shape& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? "," : "") + std::to_string(s[i]);
  return out + "]";
}

// A non-negative integer of the header, or an error naming what it is.
uint64_t headerInteger(const nlohmann::json& v, const std::string& path, const std::string& what) {
  if (!v.is_number_unsigned())
    throw InputError(path + ": " + what + " must be a non-negative integer, found " + v.dump());
  return v.get<uint64_t>();
}

SafetensorsTensor parseTensor(const std::string& path, const std::string& name, const nlohmann::json& info,
                              uint64_t dataSize) {
  std::string where = "tensor '" + name + "'";
  if (!info.is_object()) throw InputError(path + ": " + where + " must be a JSON object, found " + info.dump());
  SafetensorsTensor t;
  t.name = name;
  auto dtype = info.find("dtype");
  auto shape = info.find("shape");
  auto offsets = info.find("data_offsets");
  if (dtype == info.end() || shape == info.end() || offsets == info.end())
    throw InputError(path + ": " + where + " needs dtype, shape and data_offsets");
  if (!dtype->is_string()) throw InputError(path + ": " + where + ": dtype must be a string, found " + dtype->dump());
  t.dtype = dtype->get<std::string>();
  uint64_t size = dtypeSize(t.dtype);
  if (size == 0) throw InputError(path + ": " + where + " has an unknown dtype '" + t.dtype + "'");
  if (!shape->is_array()) throw InputError(path + ": " + where + ": shape must be a list, found " + shape->dump());
  // The element count, refusing to overflow: any count beyond the data cannot be right.
  uint64_t count = 1;
  for (const auto& d : *shape) {
    uint64_t n = headerInteger(d, path, where + ": a shape entry");
    if (n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      throw InputError(path + ": " + where + " has an absurd dimension " + std::to_string(n));
    t.shape.push_back(static_cast<int64_t>(n));
    count = (n != 0 && count > dataSize / n) ? dataSize + 1 : count * n;
  }
  if (!offsets->is_array() || offsets->size() != 2)
    throw InputError(path + ": " + where + ": data_offsets must be [BEGIN, END], found " + offsets->dump());
  t.begin = headerInteger((*offsets)[0], path, where + ": data_offsets");
  t.end = headerInteger((*offsets)[1], path, where + ": data_offsets");
  if (t.begin > t.end || t.end > dataSize)
    throw InputError(path + ": " + where + " has data_offsets [" + std::to_string(t.begin) + ", " +
                     std::to_string(t.end) + "] outside the " + std::to_string(dataSize) +
                     " bytes of data (truncated file?)");
  uint64_t bytes = count > dataSize ? dataSize + 1 : count * size;
  if (t.end - t.begin != bytes)
    throw InputError(path + ": " + where + " is " + t.dtype + shapeText(t.shape) + ", which needs " +
                     (bytes > dataSize ? "more than the file holds" : std::to_string(bytes) + " bytes") + ", but its " +
                     "data_offsets span " + std::to_string(t.end - t.begin) + " bytes");
  return t;
}

}  // namespace

const SafetensorsTensor* SafetensorsFile::find(const std::string& name) const {
  for (const SafetensorsTensor& t : tensors)
    if (t.name == name) return &t;
  return nullptr;
}

SafetensorsFile readSafetensors(const std::string& path) {
  SafetensorsFile file;
  file.bytes = readWholeFile(path);
  uint64_t size = file.bytes.size();
  if (size < 8)
    throw InputError(path + ": too short for a safetensors checkpoint (" + std::to_string(size) +
                     " bytes; the header length alone takes 8)");
  uint64_t headerLength = 0;
  for (int i = 7; i >= 0; --i) headerLength = (headerLength << 8) | file.bytes[static_cast<size_t>(i)];
  if (headerLength > size - 8 || headerLength > kMaxHeader)
    throw InputError(path + ": the header length " + std::to_string(headerLength) + " is larger than the " +
                     std::to_string(size - 8) + " bytes that follow it (truncated or not a safetensors file)");
  file.dataStart = 8 + headerLength;
  uint64_t dataSize = size - file.dataStart;
  const char* text = reinterpret_cast<const char*>(file.bytes.data() + 8);
  nlohmann::json header;
  // The parser itself keeps its own stack, but what is built from a deeply nested header is torn
  // down and walked recursively: 100,000 brackets crashed. The callback sees each value's depth
  // as it is read and stops the parse long before that; a safetensors header needs 3 levels.
  // It also sees each key, which the finished object no longer shows twice: nlohmann keeps the
  // last of duplicated keys, so a tensor named twice would silently take the second's data.
  std::vector<std::set<std::string>> keysOfOpenObjects;
  auto checkHeader = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using Event = nlohmann::json::parse_event_t;
    if (depth > kMaxHeaderDepth)
      throw InputError(path + ": the header nests deeper than " + std::to_string(kMaxHeaderDepth) +
                       " levels (a safetensors header needs 3): not a checkpoint");
    if (event == Event::object_start) keysOfOpenObjects.emplace_back();
    if (event == Event::object_end && !keysOfOpenObjects.empty()) keysOfOpenObjects.pop_back();
    if (event == Event::key && !keysOfOpenObjects.empty() && parsed.is_string()) {
      const std::string& key = parsed.get_ref<const std::string&>();
      if (!keysOfOpenObjects.back().insert(key).second)
        throw InputError(path + ": " +
                         (keysOfOpenObjects.size() == 1
                              ? "tensor '" + key + "' appears twice in the header"
                              : "the header's key '" + key + "' appears twice in one object"));
    }
    return true;
  };
  try {
    header = nlohmann::json::parse(text, text + headerLength, checkHeader);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path + ": the header is not valid JSON (" + e.what() + ")");
  }
  if (!header.is_object()) throw InputError(path + ": the header must be a JSON object, found " + header.type_name());
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") {
      if (!it.value().is_object()) throw InputError(path + ": __metadata__ must be an object of strings");
      for (auto m = it.value().begin(); m != it.value().end(); ++m) {
        if (!m.value().is_string())
          throw InputError(path + ": __metadata__ value of '" + m.key() + "' must be a string, found " +
                           m.value().dump());
        file.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    file.tensors.push_back(parseTensor(path, it.key(), it.value(), dataSize));
  }
  std::sort(file.tensors.begin(), file.tensors.end(), [](const SafetensorsTensor& a, const SafetensorsTensor& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  for (size_t i = 1; i < file.tensors.size(); ++i) {
    const SafetensorsTensor& a = file.tensors[i - 1];
    const SafetensorsTensor& b = file.tensors[i];
    if (b.begin < a.end)
      throw InputError(path + ": the data of tensors '" + a.name + "' and '" + b.name + "' overlap (bytes " +
                       std::to_string(b.begin) + " to " + std::to_string(std::min(a.end, b.end)) + ")");
  }
  return file;
}

void writeSafetensors(const std::string& path, const std::vector<NamedTensor>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  // ordered_json keeps __metadata__ first and the tensors in the given order, for readable headers.
  nlohmann::ordered_json header;
  header["__metadata__"] = nlohmann::ordered_json::object();
  for (const auto& [key, value] : metadata) header["__metadata__"][key] = value;
  uint64_t offset = 0;
  for (const NamedTensor& t : tensors) {
    internalCheck(!t.name.empty() && !header.contains(t.name), "checkpoint",
                  "tensor names must be unique and non-empty, found '" + t.name + "' twice");
    uint64_t bytes = static_cast<uint64_t>(numElements(t.shape, 1)) * sizeof(float);
    header[t.name] = {{"dtype", "F32"}, {"shape", t.shape}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string json = header.dump();
  // The reference writer pads the header with spaces so that the data starts 8-byte aligned.
  json.append((8 - json.size() % 8) % 8, ' ');
  std::string out;
  out.reserve(8 + json.size() + offset);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((uint64_t(json.size()) >> (8 * i)) & 0xff));
  out += json;
  for (const NamedTensor& t : tensors)
    out.append(reinterpret_cast<const char*>(t.data), static_cast<size_t>(numElements(t.shape, 1)) * sizeof(float));
  writeTextFile(path, out, "a checkpoint");
}

void saveCheckpoint(const std::string& path, Session& session, const std::map<std::string, std::string>& metadata) {
  const Graph& graph = session.graph();
  std::vector<Halide::Buffer<float>> buffers;  // keeps the data alive until written
  std::vector<NamedTensor> tensors;
  for (int id : graph.variables(false)) {
    const Node& v = graph.node(id);
    buffers.push_back(session.variable(id));
    const Halide::Buffer<float>& buf = buffers.back();
    auto count = static_cast<size_t>(numElements(v.shape, 1));
    internalCheck(buf.number_of_elements() == count && buf.data() != nullptr, "checkpoint",
                  "variable '" + v.name + "' has " + std::to_string(buf.number_of_elements()) + " elements, expected " +
                      std::to_string(count));
    tensors.push_back({v.name, v.shape, buf.data()});
  }
  writeSafetensors(path, tensors, metadata);
}

CheckpointLoad loadCheckpoint(const std::string& path, Session& session) {
  SafetensorsFile file = readSafetensors(path);
  const Graph& graph = session.graph();
  CheckpointLoad result;
  result.metadata = file.metadata;
  // Check everything first, so that a bad file leaves the session as it was.
  std::vector<std::pair<int, const SafetensorsTensor*>> plan;
  for (int id : graph.variables(false)) {
    const Node& v = graph.node(id);
    const SafetensorsTensor* t = file.find(v.name);
    std::string modelType = typeToString(v.dtype, v.shape);
    if (!t) {
      if (v.attrs.getInt(kOptimizerSlotAttr, 0)) {
        result.zeroedSlots.push_back(v.name);
        plan.emplace_back(id, nullptr);
        continue;
      }
      throw InputError(path + ": the checkpoint has no variable '" + v.name + "' (the model's is " + modelType +
                       "); was it saved from another model?");
    }
    if (t->dtype != "F32" || t->shape != v.shape)
      throw InputError(path + ": variable '" + v.name + "' is " + modelType + " in the model but " + t->dtype +
                       shapeText(t->shape) + " in the checkpoint");
    plan.emplace_back(id, t);
  }
  for (const auto& [id, t] : plan) {
    Halide::Buffer<float> buf = session.variable(id);
    size_t bytes = buf.number_of_elements() * sizeof(float);
    if (t)
      std::memcpy(buf.data(), file.data(*t), bytes);
    else
      initializeVariable(graph.node(id), 0, buf);  // optimizer slots start at constants (zero, or adagrad's 0.1)
  }
  result.restored = static_cast<int>(plan.size() - result.zeroedSlots.size());
  result.ignored = static_cast<int>(file.tensors.size()) - result.restored;
  return result;
}

}  // namespace graphc
