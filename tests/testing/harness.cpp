// \file Test helpers: random tensors, sources, Halide runs, tolerant comparison, central differences.
#include "testing/harness.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <sstream>
#include <stdexcept>

#include "codegen/program.h"
#include "driver/pipeline.h"

namespace graphc {

RefTensor randomTensor(const Shape& shape, std::mt19937& rng, double lo, double hi) {
  std::uniform_real_distribution<double> dist(lo, hi);
  RefTensor t = zeros(shape);
  for (double& v : t.data) v = static_cast<float>(dist(rng));
  return t;
}

RefTensor randomSigned(const Shape& shape, std::mt19937& rng, double lo, double hi) {
  std::uniform_real_distribution<double> magnitude(lo, hi);
  std::bernoulli_distribution negative(0.5);
  RefTensor t = zeros(shape);
  for (double& v : t.data) v = static_cast<float>(negative(rng) ? -magnitude(rng) : magnitude(rng));
  return t;
}

RefTensor distinctTensor(const Shape& shape, std::mt19937& rng, double start, double gap) {
  RefTensor t = zeros(shape);
  for (size_t i = 0; i < t.data.size(); ++i) t.data[i] = static_cast<float>(start + gap * static_cast<double>(i));
  std::shuffle(t.data.begin(), t.data.end(), rng);
  return t;
}

RefTensor randomIds(int64_t n, int64_t classes, std::mt19937& rng) {
  std::uniform_int_distribution<int64_t> dist(0, classes - 1);
  RefTensor t = zeros({n}, DType::I32);
  for (double& v : t.data) v = static_cast<double>(dist(rng));
  return t;
}

RefTensor oneHot(const RefTensor& ids, int64_t classes) {
  RefTensor t = zeros({ids.shape[0], classes});
  for (size_t n = 0; n < ids.data.size(); ++n)
    t.data[n * static_cast<size_t>(classes) + static_cast<size_t>(ids.data[n])] = 1;
  return t;
}

RefTensor filled(const Shape& shape, double value, DType dtype) {
  RefTensor t = zeros(shape, dtype);
  std::fill(t.data.begin(), t.data.end(), value);
  return t;
}

namespace {

Attrs sourceAttrs(const Shape& shape, DType dtype) {
  return Attrs().set("shape", std::vector<int64_t>(shape.begin(), shape.end())).set("dtype", dtypeName(dtype));
}

}  // namespace

int addPlaceholder(Graph& g, const std::string& name, const Shape& shape, DType dtype) {
  return g.add(Op::Placeholder, {}, sourceAttrs(shape, dtype), {}, name);
}

int addVariable(Graph& g, const std::string& name, const Shape& shape) {
  Attrs a = sourceAttrs(shape, DType::F32).set("init", std::string("zeros")).set("trainable", int64_t(1));
  return g.add(Op::Variable, {}, a, {}, name);
}

int addConstant(Graph& g, double value) {
  return g.add(Op::Constant, {}, Attrs().set("value", value).set("dtype", std::string("f32")));
}

Halide::Buffer<> toBuffer(const RefTensor& t) {
  Halide::Buffer<> buf = allocateValue(t.dtype, t.shape);
  // allocateValue's buffers are dense with the user's last dimension innermost: row-major.
  for (size_t i = 0; i < t.data.size(); ++i) {
    switch (t.dtype) {
      case DType::F32:
        static_cast<float*>(buf.data())[i] = static_cast<float>(t.data[i]);
        break;
      case DType::I32:
        static_cast<int32_t*>(buf.data())[i] = static_cast<int32_t>(t.data[i]);
        break;
      case DType::Bool:
        static_cast<bool*>(buf.data())[i] = t.data[i] != 0;
        break;
    }
  }
  return buf;
}

RefTensor fromBuffer(const Halide::Buffer<>& buf) {
  RefTensor t;
  for (int d = buf.dimensions(); d-- > 0;) t.shape.push_back(buf.dim(d).extent());
  Halide::Type type = buf.type();
  t.dtype = type.is_float() ? DType::F32 : type.is_bool() ? DType::Bool : DType::I32;
  t.data.resize(elementCount(t.shape));
  // Read through the strides rather than assuming density: outputs need not be packed.
  for (size_t i = 0; i < t.data.size(); ++i) {
    std::vector<int64_t> index = unravelIndex(i, t.shape);
    int64_t offset = 0;
    for (int d = 0; d < buf.dimensions(); ++d)
      offset += (index[index.size() - 1 - static_cast<size_t>(d)]) * buf.dim(d).stride();
    const uint8_t* base = static_cast<const uint8_t*>(buf.data()) + offset * type.bytes();
    if (t.dtype == DType::F32)
      t.data[i] = *reinterpret_cast<const float*>(base);
    else if (t.dtype == DType::I32)
      t.data[i] = *reinterpret_cast<const int32_t*>(base);
    else
      t.data[i] = *base != 0 ? 1 : 0;
  }
  return t;
}

std::vector<RefTensor> runHalide(const Graph& g, const std::vector<int>& outputs,
                                 const std::map<int, RefTensor>& feeds) {
  return runHalide(g, outputs, feeds, CompileOptions().target);
}

std::vector<RefTensor> runHalide(const Graph& g, const std::vector<int>& outputs, const std::map<int, RefTensor>& feeds,
                                 const Halide::Target& target) {
  CompileOptions options;
  options.target = target;
  CompiledProgram program = compileProgram(g, outputs, 1, options);
  std::map<int, Halide::Buffer<>> buffers;
  for (int id : program.inputs()) {
    auto it = feeds.find(id);
    if (it == feeds.end()) throw std::invalid_argument("runHalide: no value fed for " + g.node(id).name);
    buffers[id] = toBuffer(it->second);
    buffers[id].set_host_dirty();  // a GPU target copies it to the device
  }
  std::vector<Halide::Buffer<>> outs = program.allocateOutputs(g);
  program.run([&](int id) { return buffers.at(id); }, outs);
  std::vector<RefTensor> values;
  for (Halide::Buffer<>& b : outs) {
    b.copy_to_host();  // a no-op for buffers that never left the host
    values.push_back(fromBuffer(b));
  }
  return values;
}

std::string indexToString(const std::vector<int64_t>& index) {
  std::ostringstream os;
  os << "[";
  for (size_t d = 0; d < index.size(); ++d) os << (d ? "," : "") << index[d];
  os << "]";
  return os.str();
}

namespace {

// Compares element by element with a bound on the error that depends on the expected value.
template <typename Bound>
::testing::AssertionResult compareElements(const RefTensor& got, const RefTensor& want, Bound bound) {
  if (got.shape != want.shape)
    return ::testing::AssertionFailure() << "shape " << shapeToString(got.shape) << ", expected "
                                         << shapeToString(want.shape);
  if (got.dtype != want.dtype)
    return ::testing::AssertionFailure() << "dtype " << dtypeName(got.dtype) << ", expected " << dtypeName(want.dtype);
  size_t bad = 0, first = 0;
  double worst = 0;
  for (size_t i = 0; i < got.data.size(); ++i) {
    double err = std::fabs(got.data[i] - want.data[i]);
    // A NaN on either side fails: !(NaN <= x).
    if (!(err <= bound(want.data[i]))) {
      if (bad++ == 0) first = i;
      worst = std::isnan(err) ? err : std::max(worst, err);
    }
  }
  if (bad == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << bad << " of " << got.data.size() << " elements differ; first at "
                                       << indexToString(unravelIndex(first, got.shape)) << ": got " << got.data[first]
                                       << ", expected " << want.data[first] << " (largest error " << worst << ")";
}

}  // namespace

::testing::AssertionResult allClose(const RefTensor& got, const RefTensor& want, double rtol, double atol) {
  return compareElements(got, want, [&](double expected) { return atol + rtol * std::fabs(expected); });
}

::testing::AssertionResult gradientsClose(const RefTensor& analytic, const RefTensor& numeric, double tol) {
  return compareElements(analytic, numeric, [&](double n) { return tol * std::max(1.0, std::fabs(n)); });
}

void expectMatchesReference(const Graph& g, const std::vector<int>& outputs, const std::map<int, RefTensor>& feeds,
                            double rtol, double atol) {
  expectMatchesReferenceOn(CompileOptions().target, g, outputs, feeds, rtol, atol);
}

Halide::Target hostWithoutAvx512() {
  Halide::Target t = CompileOptions().target;
  for (auto f : {Halide::Target::AVX512, Halide::Target::AVX512_KNL, Halide::Target::AVX512_Skylake,
                 Halide::Target::AVX512_Cannonlake, Halide::Target::AVX512_SapphireRapids})
    t = t.without_feature(f);
  return t;
}

void expectMatchesReferenceOn(const Halide::Target& target, const Graph& g, const std::vector<int>& outputs,
                              const std::map<int, RefTensor>& feeds, double rtol, double atol) {
  std::vector<RefTensor> got = runHalide(g, outputs, feeds, target);
  std::map<int, RefTensor> want = evaluateReference(g, outputs, feeds);
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Node& n = g.node(outputs[i]);
    EXPECT_TRUE(allClose(got[i], want.at(outputs[i]), rtol, atol))
        << "op " << opName(n.op) << " (node " << n.id << (n.name.empty() ? "" : " '" + n.name + "'") << ") "
        << n.attrs.toString();
  }
}

RefTensor centralDifferences(const Graph& g, int loss, std::map<int, RefTensor> sources, int source, double h) {
  RefTensor grad = zeros(sources.at(source).shape);
  auto lossAt = [&]() { return evaluateReference(g, {loss}, sources).at(loss).data.at(0); };
  for (size_t i = 0; i < grad.data.size(); ++i) {
    double& v = sources.at(source).data[i];
    double saved = v;
    v = saved + h;
    double up = lossAt();
    v = saved - h;
    double down = lossAt();
    v = saved;
    grad.data[i] = (up - down) / (2 * h);
  }
  return grad;
}

}  // namespace graphc
