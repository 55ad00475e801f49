// \file Checkpoints: bit-exact round trips through a fresh session, resuming training exactly,
// optimizer slots missing from a file, and every kind of corrupt file refused with an InputError
// that names the file.
#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "passes/optimizer.h"
#include "runtime/checkpoint.h"
#include "runtime/session.h"
#include "support/diagnostics.h"
#include "testing/harness.h"

namespace graphc {
namespace {

// A fresh directory per test, removed with its files at the end.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/graphc_checkpoint_XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() {
    for (const std::string& f : files()) std::remove((path_ + "/" + f).c_str());
    ::rmdir(path_.c_str());
  }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  std::vector<std::string> files() const {
    std::vector<std::string> out;
    if (DIR* d = ::opendir(path_.c_str())) {
      while (dirent* e = ::readdir(d))
        if (std::strcmp(e->d_name, ".") && std::strcmp(e->d_name, "..")) out.push_back(e->d_name);
      ::closedir(d);
    }
    return out;
  }

 private:
  std::string path_;
};

std::string readBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void writeBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

// A safetensors file from a header text and a data section.
std::string safetensors(const std::string& header, const std::string& data) {
  std::string out;
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((header.size() >> (8 * i)) & 0xff));
  return out + header + data;
}

// A model with two trainable variables, trained with adam (slots and a step counter), or the
// forward part alone (no optimizer state), like `graphc eval` builds it.
struct TinyModel {
  Graph graph;
  int w = -1, b = -1, target = -1, loss = -1;
  TrainGraph train;
};

void buildModel(TinyModel& m, bool withOptimizer, const Shape& wShape = {2, 3}) {
  Graph& g = m.graph;
  m.w = addVariable(g, "dense/kernel", wShape);
  m.b = addVariable(g, "dense/bias", {wShape.back()});
  g.mutableNode(m.w).attrs.set("init", std::string("glorot_uniform"));
  g.mutableNode(m.b).attrs.set("init", std::string("random_uniform")).set("min", -1.0).set("max", 1.0);
  m.target = addPlaceholder(g, "target", wShape);
  int sum = g.add(Op::Add, {m.w, m.b});
  int sq = g.add(Op::Square, {g.add(Op::Sub, {sum, m.target})});
  m.loss = g.add(Op::ReduceSum, {sq}, Attrs().set("axes", std::vector<int64_t>{}).set("keepdims", int64_t(0)));
  if (withOptimizer) {
    OptimizerSpec o = defaultOptimizer("adam");
    o.learningRate = 0.05;
    m.train = buildTrainGraph(g, m.loss, o, {});
  }
}

void feed(TinyModel& m, Session& s) {
  RefTensor t{m.graph.node(m.target).shape, {}, DType::F32};
  for (size_t i = 0; i < 6; ++i) t.data.push_back(0.25 * static_cast<double>(i) - 0.5);
  s.feed(m.target, toBuffer(t));
  s.feed(m.train.learningRate, scalarValue(DType::F32, 0.05));
}

void trainSteps(TinyModel& m, Session& s, int steps) {
  std::vector<int> fetches;
  for (const VariableUpdate& u : m.train.updates) fetches.push_back(u.next);
  for (int i = 0; i < steps; ++i) {
    auto& outs = s.run(fetches, 1);
    for (size_t u = 0; u < m.train.updates.size(); ++u) s.assignVariable(m.train.updates[u].variable, outs[u]);
  }
}

std::vector<float> bits(Session& s, int variable) {
  Halide::Buffer<float> b = s.variable(variable);
  return std::vector<float>(b.data(), b.data() + b.number_of_elements());
}

void expectSameVariables(Session& a, Session& b, const Graph& g) {
  for (int v : g.variables(false)) {
    std::vector<float> x = bits(a, v), y = bits(b, v);
    ASSERT_EQ(x.size(), y.size());
    EXPECT_EQ(std::memcmp(x.data(), y.data(), x.size() * sizeof(float)), 0) << g.node(v).name;
  }
}

// Expects loading path into a fresh session to throw an InputError that names the file and
// contains fragment; the session's variables must be untouched.
void expectRefused(const std::string& path, const std::string& fragment = "") {
  TinyModel m;
  buildModel(m, true);
  Session s(m.graph, 3);
  Session pristine(m.graph, 3);
  try {
    loadCheckpoint(path, s);
    ADD_FAILURE() << "loading " << path << " did not throw";
  } catch (const InputError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find(path), std::string::npos) << "message does not name the file: " << msg;
    EXPECT_NE(msg.find(fragment), std::string::npos) << "message lacks '" << fragment << "': " << msg;
  }
  expectSameVariables(s, pristine, m.graph);
}

TEST(Checkpoint, RoundTripIsBitExact) {
  TempDir dir;
  TinyModel m;
  buildModel(m, true);
  Session a(m.graph, 1);
  feed(m, a);
  trainSteps(m, a, 3);
  saveCheckpoint(dir.file("a.st"), a, {{"model", "tiny"}, {"step", "3"}});
  Session b(m.graph, 2);  // another seed: different initial values everywhere
  CheckpointLoad r = loadCheckpoint(dir.file("a.st"), b);
  expectSameVariables(a, b, m.graph);
  EXPECT_EQ(r.metadata.at("model"), "tiny");
  EXPECT_EQ(r.metadata.at("step"), "3");
  EXPECT_EQ(r.restored, static_cast<int>(m.graph.variables(false).size()));
  EXPECT_TRUE(r.zeroedSlots.empty());
  EXPECT_EQ(r.ignored, 0);
  EXPECT_EQ(b.variable(m.train.iterations)(), 3.0f);
  // Only the checkpoint is left behind: the temporary file was renamed into place.
  EXPECT_EQ(dir.files(), std::vector<std::string>{"a.st"});
}

TEST(Checkpoint, FileFollowsTheSafetensorsLayout) {
  TempDir dir;
  TinyModel m;
  buildModel(m, true);
  Session a(m.graph, 1);
  saveCheckpoint(dir.file("a.st"), a, {{"model", "tiny"}});
  SafetensorsFile f = readSafetensors(dir.file("a.st"));
  EXPECT_EQ(f.dataStart % 8, 0u) << "the header is padded so that the data is 8-byte aligned";
  const SafetensorsTensor* w = f.find("dense/kernel");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->dtype, "F32");
  EXPECT_EQ(w->shape, (Shape{2, 3}));
  EXPECT_EQ(w->end - w->begin, 24u);
  ASSERT_NE(f.find("adam/m/dense/kernel"), nullptr);
  ASSERT_NE(f.find("adam/iterations"), nullptr);
  EXPECT_EQ(f.find("adam/iterations")->shape, Shape{});
  EXPECT_EQ(std::memcmp(f.data(*w), a.variable(m.w).data(), 24), 0);
}

TEST(Checkpoint, ResumedTrainingContinuesExactly) {
  TempDir dir;
  TinyModel m;
  buildModel(m, true);
  Session straight(m.graph, 1);
  feed(m, straight);
  trainSteps(m, straight, 6);
  Session first(m.graph, 1);
  feed(m, first);
  trainSteps(m, first, 3);
  saveCheckpoint(dir.file("half.st"), first, {});
  Session resumed(m.graph, 5);
  feed(m, resumed);
  loadCheckpoint(dir.file("half.st"), resumed);
  trainSteps(m, resumed, 3);
  expectSameVariables(straight, resumed, m.graph);
}

TEST(Checkpoint, MissingOptimizerSlotsStartAtZero) {
  TempDir dir;
  TinyModel forward;
  buildModel(forward, false);
  Session a(forward.graph, 1);
  saveCheckpoint(dir.file("weights.st"), a, {});

  TinyModel m;
  buildModel(m, true);
  Session b(m.graph, 2);
  feed(m, b);
  trainSteps(m, b, 2);  // the slots and the counter are non-zero now
  CheckpointLoad r = loadCheckpoint(dir.file("weights.st"), b);
  EXPECT_EQ(r.restored, 2);
  std::vector<std::string> want = {"adam/iterations", "adam/m/dense/kernel", "adam/v/dense/kernel", "adam/m/dense/bias",
                                   "adam/v/dense/bias"};
  std::sort(want.begin(), want.end());
  std::sort(r.zeroedSlots.begin(), r.zeroedSlots.end());
  EXPECT_EQ(r.zeroedSlots, want);
  for (const std::string& name : want)
    for (float x : bits(b, m.graph.findByName(name))) EXPECT_EQ(x, 0.0f) << name;
  EXPECT_EQ(bits(b, m.w), bits(a, forward.w));
}

TEST(Checkpoint, OptimizerStateIsIgnoredByAGraphWithoutIt) {
  TempDir dir;
  TinyModel m;
  buildModel(m, true);
  Session a(m.graph, 1);
  saveCheckpoint(dir.file("full.st"), a, {});
  TinyModel forward;
  buildModel(forward, false);
  Session b(forward.graph, 2);
  CheckpointLoad r = loadCheckpoint(dir.file("full.st"), b);
  EXPECT_EQ(r.restored, 2);
  EXPECT_EQ(r.ignored, 5);
  EXPECT_EQ(bits(b, forward.w), bits(a, m.w));
}

TEST(Checkpoint, TruncatedFilesAreRefused) {
  TempDir dir;
  TinyModel m;
  buildModel(m, true);
  Session a(m.graph, 1);
  saveCheckpoint(dir.file("a.st"), a, {{"model", "tiny"}});
  std::string whole = readBytes(dir.file("a.st"));
  size_t dataStart = readSafetensors(dir.file("a.st")).dataStart;
  for (size_t cut : {size_t(0), size_t(4), size_t(7), size_t(8), size_t(9), size_t(40), dataStart - 1, dataStart,
                     dataStart + 5, whole.size() - 1}) {
    std::string path = dir.file("cut" + std::to_string(cut) + ".st");
    writeBytes(path, whole.substr(0, cut));
    SCOPED_TRACE("truncated to " + std::to_string(cut) + " bytes");
    expectRefused(path);
  }
}

TEST(Checkpoint, CorruptHeadersAreRefused) {
  TempDir dir;
  std::string w = R"("dense/kernel": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]})";
  std::string b = R"("dense/bias": {"dtype": "F32", "shape": [3], "data_offsets": [24, 36]})";
  std::string data(36, '\0');
  struct Case {
    std::string name, bytes, fragment;
  };
  std::string good = safetensors("{" + w + ", " + b + "}", data);
  std::string longHeader = good;
  longHeader[0] = static_cast<char>(0xff);
  longHeader[3] = 0x10;  // a header length far beyond the file
  std::vector<Case> cases = {
      {"length.st", longHeader, "header length"},
      {"json.st", safetensors("{\"dense/kernel\": {\"dtype\": \"F32\",", data), "not valid JSON"},
      {"garbage.st", safetensors("\x01\x02garbage", data), "not valid JSON"},
      {"array.st", safetensors("[1, 2]", data), "must be a JSON object"},
      {"past_end.st",
       safetensors("{" + w + R"(, "dense/bias": {"dtype": "F32", "shape": [3], "data_offsets": [24, 48]}})", data),
       "outside"},
      {"reversed.st",
       safetensors("{" + w + R"(, "dense/bias": {"dtype": "F32", "shape": [3], "data_offsets": [36, 24]}})", data),
       "outside"},
      {"overlap.st",
       safetensors("{" + w + R"(, "dense/bias": {"dtype": "F32", "shape": [3], "data_offsets": [20, 32]}})", data),
       "overlap"},
      {"size.st",
       safetensors("{" + w + R"(, "dense/bias": {"dtype": "F32", "shape": [3], "data_offsets": [24, 32]}})", data),
       "needs 12 bytes"},
      {"huge.st",
       safetensors(
           "{" + w +
               R"(, "x": {"dtype": "F32", "shape": [4611686018427387904, 4611686018427387904], "data_offsets": [24, 36]}})",
           data),
       "needs more than the file holds"},
      {"dtype_name.st",
       safetensors("{" + w + R"(, "dense/bias": {"dtype": "Q7", "shape": [3], "data_offsets": [24, 36]}})", data),
       "unknown dtype"},
      {"negative.st",
       safetensors("{" + w + R"(, "dense/bias": {"dtype": "F32", "shape": [-3], "data_offsets": [24, 36]}})", data),
       "non-negative integer"},
      {"fields.st", safetensors("{" + w + R"(, "dense/bias": {"dtype": "F32"}})", data), "needs dtype, shape"},
      {"metadata.st", safetensors("{" + w + ", " + b + R"(, "__metadata__": {"step": 3}})", data), "must be a string"},
      {"missing.st", safetensors("{" + w + "}", data), "no variable 'dense/bias'"},
      {"shape.st",
       safetensors("{" + w + R"(, "dense/bias": {"dtype": "F32", "shape": [1, 3], "data_offsets": [24, 36]}})", data),
       "f32[3] in the model but F32[1,3] in the checkpoint"},
      {"dtype.st",
       safetensors("{" + w + R"(, "dense/bias": {"dtype": "I32", "shape": [3], "data_offsets": [24, 36]}})", data),
       "in the checkpoint"},
  };
  // The good file is accepted, so each case fails for its own reason.
  writeBytes(dir.file("good.st"), good);
  TinyModel m;
  buildModel(m, true);
  Session s(m.graph, 1);
  EXPECT_NO_THROW(loadCheckpoint(dir.file("good.st"), s));
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    writeBytes(dir.file(c.name), c.bytes);
    expectRefused(dir.file(c.name), c.fragment);
  }
}

TEST(Checkpoint, WrongShapeNamesBothShapes) {
  TempDir dir;
  TinyModel other;
  buildModel(other, false, {3, 3});
  Session a(other.graph, 1);
  saveCheckpoint(dir.file("other.st"), a, {});
  expectRefused(dir.file("other.st"),
                "variable 'dense/kernel' is f32[2,3] in the model but F32[3,3] in the checkpoint");
}

TEST(Checkpoint, MissingFilesAreInputErrors) {
  TempDir dir;
  expectRefused(dir.file("absent.st"), "cannot open");
  ::mkdir(dir.file("folder.st").c_str(), 0700);
  expectRefused(dir.file("folder.st"), "not a regular file");
}

TEST(Checkpoint, SavingIntoAMissingDirectoryLeavesNothing) {
  TempDir dir;
  TinyModel m;
  buildModel(m, false);
  Session a(m.graph, 1);
  EXPECT_THROW(saveCheckpoint(dir.file("no/such/dir/a.st"), a, {}), InputError);
  EXPECT_TRUE(dir.files().empty());
}

// A disk that fills up after `cut` bytes, for every cut: the kernel's file size limit makes each
// write beyond it fail (EFBIG; SIGXFSZ ignored), as a full disk or a crash mid-write would cut the
// file. Replacing a checkpoint that way must leave the previous one intact and loadable, and no
// temporary file behind.
// A failed write is the machine's failure (RunFailure, exit 1), not bad input.
TEST(Checkpoint, AWriteCutAtAnyByteKeepsThePreviousCheckpoint) {
  TempDir dir;
  TinyModel m;
  buildModel(m, true);
  Session previous(m.graph, 1), next(m.graph, 2);
  std::string path = dir.file("ck.st");
  saveCheckpoint(path, previous, {{"model", "tiny"}});
  std::string before = readBytes(path);
  saveCheckpoint(dir.file("next.st"), next, {{"model", "tiny"}});
  size_t size = readBytes(dir.file("next.st")).size();
  std::remove(dir.file("next.st").c_str());
  ASSERT_GT(size, 200u);

  void (*oldHandler)(int) = std::signal(SIGXFSZ, SIG_IGN);
  rlimit unlimited{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &unlimited), 0);
  for (size_t cut = 0; cut < size; ++cut) {
    rlimit limited = unlimited;
    limited.rlim_cur = cut;
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limited), 0);
    bool threw = false;
    try {
      saveCheckpoint(path, next, {{"model", "tiny"}});
    } catch (const RunFailure&) {
      threw = true;
    }
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &unlimited), 0);
    ASSERT_TRUE(threw) << "a write cut at byte " << cut << " of " << size << " did not fail";
    ASSERT_EQ(readBytes(path), before) << "the previous checkpoint changed when a write was cut at byte " << cut;
    ASSERT_EQ(dir.files(), std::vector<std::string>{"ck.st"}) << "cut at byte " << cut << " left files behind";
  }
  std::signal(SIGXFSZ, oldHandler);
  Session restored(m.graph, 7);
  loadCheckpoint(path, restored);
  expectSameVariables(restored, previous, m.graph);
  // Without the limit the same write replaces it.
  saveCheckpoint(path, next, {{"model", "tiny"}});
  Session replaced(m.graph, 7);
  loadCheckpoint(path, replaced);
  expectSameVariables(replaced, next, m.graph);
}

}  // namespace
}  // namespace graphc
