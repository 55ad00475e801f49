// \file compileStaticLibrary: each function's pipeline becomes a Halide Module; the modules are
// linked into one (so the runtime is in the library once) and written as a static library; the
// header is ours, with the graph's names for the arguments instead of Halide's `in_12`.
#include "codegen/aot.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "support/atomic_file.h"
#include "support/diagnostics.h"

// Halide's copy of its runtime header, embedded in libHalide (what its generators emit).
extern "C" const char halide_internal_runtime_header_HalideRuntime_h[];
extern "C" const int halide_internal_runtime_header_HalideRuntime_h_length;

namespace graphc {
namespace {

const char* cTypeName(DType t) {
  switch (t) {
    case DType::F32:
      return "float32";
    case DType::I32:
      return "int32";
    case DType::Bool:
      return "bool (uint8)";
  }
  return "?";
}

std::string shapeText(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

std::string nodeName(const Node& n) { return n.name.empty() ? "%" + std::to_string(n.id) : n.name; }

struct Argument {
  std::string name;  // graph name
  std::string role;  // "input" or "output"
  const Node* node;
};

// Unique C parameter names for a function's arguments.
std::vector<std::string> parameterNames(const std::vector<Argument>& args) {
  std::set<std::string> used;
  std::vector<std::string> names;
  for (const Argument& a : args) {
    std::string base = cIdentifier(a.name), name = base;
    for (int k = 2; !used.insert(name).second; ++k) name = base + "_" + std::to_string(k);
    names.push_back(name);
  }
  return names;
}

std::string headerText(const Graph& graph, const AotLibrary& library, const std::vector<std::vector<Argument>>& args,
                       const Halide::Target& target) {
  std::string upper = cIdentifier(library.name);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string guard = "GRAPHC_" + upper + "_H";
  std::ostringstream h;
  h << "// " << library.name << ".h: written by `graphc compile` for the static library " << library.name << ".a\n"
    << "// (model " << graph.modelName << ", Halide target " << target.to_string() << ", batch " << library.batch
    << ").\n//\n";
  std::istringstream pre(library.preamble);
  for (std::string line; std::getline(pre, line);) h << "// " << line << "\n";
  h << "//\n"
    << "// Every argument is a halide_buffer_t (HalideRuntime.h, beside this file). Halide orders\n"
    << "// dimensions innermost first: a value of graph shape [N, H, W, C] is a buffer whose\n"
    << "// dim[0] is C, dim[1] W, dim[2] H and dim[3] N (dense: stride 1, C, W*C, H*W*C). A scalar\n"
    << "// is a 0-dimensional buffer. Outputs are buffers the caller allocates with the listed shape.\n"
    << "// Each function returns 0 on success, else a Halide error code (the message goes to\n"
    << "// halide_set_error_handler's handler; the default one calls abort(), so install one).\n"
    << "// Link: " << library.name << ".a -lpthread -ldl (no Halide or LLVM library needed).\n";
  if (target.has_gpu_feature())
    h << "// GPU target: mark filled inputs host-dirty (flags |= halide_buffer_flag_host_dirty), or the\n"
      << "// kernels read stale device memory; call halide_copy_to_host on outputs before reading them and\n"
      << "// halide_device_free on every buffer before freeing its host memory.\n";
  h << "\n"
    << "#ifndef " << guard << "\n#define " << guard << "\n\n#include \"HalideRuntime.h\"\n\n"
    << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n"
    << "#ifndef GRAPHC_ARGUMENT_DEFINED\n#define GRAPHC_ARGUMENT_DEFINED\n"
    << "// One argument of a compiled function, in call order: shape in graph order (outermost first).\n"
    << "struct graphc_argument {\n  const char *name;     // the graph's name (as in checkpoints and dumps)\n"
    << "  int is_output;\n  const char *type;     // float32, int32 or bool (uint8)\n"
    << "  int dimensions;\n  int shape[8];\n};\n#endif\n\n"
    << "#if defined(__GNUC__)\n#define GRAPHC_MAYBE_UNUSED __attribute__((unused))\n#else\n"
    << "#define GRAPHC_MAYBE_UNUSED\n#endif\n\n"
    << "#define " << upper << "_BATCH " << library.batch << "\n\n";
  for (size_t f = 0; f < library.functions.size(); ++f) {
    const AotFunction& fn = library.functions[f];
    std::vector<std::string> params = parameterNames(args[f]);
    std::istringstream comment(fn.comment);
    for (std::string line; std::getline(comment, line);) h << "// " << line << "\n";
    h << "//\n// Arguments:\n";
    for (size_t i = 0; i < args[f].size(); ++i) {
      const Argument& a = args[f][i];
      h << "//   " << params[i] << ": " << a.role << " `" << a.name << "` " << cTypeName(a.node->dtype) << " "
        << shapeText(bindBatch(a.node->shape, library.batch)) << "\n";
    }
    h << "int " << fn.name << "(";
    for (size_t i = 0; i < params.size(); ++i) h << (i ? ",\n    " : "") << "struct halide_buffer_t *" << params[i];
    h << ");\n// The same with the arguments as an array of halide_buffer_t pointers.\n"
      << "int " << fn.name << "_argv(void **args);\n\n";
    h << "#define " << fn.name << "_argument_count " << args[f].size() << "\n"
      << "static const struct graphc_argument GRAPHC_MAYBE_UNUSED " << fn.name << "_arguments[" << args[f].size()
      << "] = {\n";
    for (const Argument& a : args[f]) {
      Shape s = bindBatch(a.node->shape, library.batch);
      h << "  {\"" << a.name << "\", " << (a.role == "output") << ", \"" << cTypeName(a.node->dtype) << "\", "
        << s.size() << ", {";
      for (size_t i = 0; i < s.size(); ++i) h << (i ? ", " : "") << s[i];
      h << "}},\n";
    }
    h << "};\n\n";
  }
  h << "#ifdef __cplusplus\n}  // extern \"C\"\n#endif\n\n#endif  // " << guard << "\n";
  return h.str();
}

// Writes a finished output through writeFileAtomically: a failure then is the machine's (a full
// disk, a permission), with the system's reason, exit 1.
void writeOutput(const std::string& path, const std::string& bytes) {
  std::string error = writeFileAtomically(path, bytes);
  if (!error.empty()) throw RunFailure(path + ": cannot write the file: " + error);
}

std::string readWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  if (!in) throw RunFailure("cannot read back " + path + ", which Halide wrote");
  return bytes.str();
}

}  // namespace

std::string cIdentifier(const std::string& name) {
  std::string id;
  for (char c : name) id += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  if (id.empty() || std::isdigit(static_cast<unsigned char>(id[0]))) id = "v" + id;
  return id;
}

AotResult compileStaticLibrary(const Graph& graph, const AotLibrary& library, std::vector<CompiledProgram>& programs,
                               const Halide::Target& target) {
  internalCheck(programs.size() == library.functions.size(), "aot", "one scheduled program per function expected");
  std::vector<Halide::Module> modules;
  std::vector<std::vector<Argument>> args;
  for (size_t f = 0; f < library.functions.size(); ++f) {
    const AotFunction& fn = library.functions[f];
    CompiledProgram& program = programs[f];
    std::vector<Argument> a;
    for (int id : program.inputs()) a.push_back({nodeName(graph.node(id)), "input", &graph.node(id)});
    for (size_t i = 0; i < fn.outputs.size(); ++i)
      a.push_back({fn.outputNames[i], "output", &graph.node(fn.outputs[i])});
    args.push_back(a);
    modules.push_back(program.pipeline().compile_to_module(program.arguments(), fn.name, target));
  }

  if (mkdir(library.outDir.c_str(), 0755) != 0 && errno != EEXIST)
    throw InputError("cannot create the output folder " + library.outDir + ": " + std::strerror(errno));
  // Halide writes the library into a private folder; it is then copied out with the headers.
  std::string work = library.outDir + "/.graphc-compile-XXXXXX";
  if (!mkdtemp(work.data())) throw InputError("cannot write in " + library.outDir + ": " + std::strerror(errno));
  AotResult result{library.outDir + "/" + library.name + ".a", library.outDir + "/" + library.name + ".h",
                   library.outDir + "/HalideRuntime.h"};
  std::string built = work + "/lib.a";
  try {
    // One module: the Halide runtime is compiled into the library once, not once per function.
    Halide::Module linked = Halide::link_modules(library.name, modules);
    linked.compile({{Halide::OutputFileType::static_library, built}});
    std::string archive = readWhole(built);
    std::remove(built.c_str());
    rmdir(work.c_str());
    writeOutput(result.library, archive);
    writeOutput(result.header, headerText(graph, library, args, target));
    writeOutput(result.runtimeHeader,
                std::string(halide_internal_runtime_header_HalideRuntime_h,
                            static_cast<size_t>(halide_internal_runtime_header_HalideRuntime_h_length)));
  } catch (...) {
    std::remove(built.c_str());
    rmdir(work.c_str());
    throw;
  }
  return result;
}

}  // namespace graphc
