// The readers of array data sets against files whose bytes the tests write themselves: NumPy
// .npy headers of every format version, IDX labels of every integer width, CSV parsing, and the
// feed's per-channel mean and std against the formula computed here.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "frontend/lower_program.h"
#include "frontend/parser.h"
#include "runtime/csv_table.h"
#include "runtime/feeder.h"
#include "runtime/idx.h"
#include "runtime/npy.h"
#include "runtime/numpy_array.h"
#include "support/diagnostics.h"

namespace graphc {
namespace {

class DataFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/graphc_data_readers_XXXXXX";
    dir_ = ::mkdtemp(tmpl);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& bytes) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }
  std::string dir_;
};

// A .npy file of the given format version: magic, version, little-endian header length, header.
std::string npy(int major, const std::string& header, const std::string& data) {
  std::string out = "\x93NUMPY";
  out += static_cast<char>(major);
  out += '\0';
  int lengthBytes = major == 1 ? 2 : 4;
  for (int k = 0; k < lengthBytes; ++k) out += static_cast<char>((header.size() >> (8 * k)) & 0xff);
  return out + header + data;
}

std::string floats(std::initializer_list<float> values) {
  std::string out;
  for (float v : values) out.append(reinterpret_cast<const char*>(&v), 4);
  return out;
}

TEST_F(DataFiles, NpyEveryFormatVersion) {
  for (int major : {1, 2, 3}) {
    std::string path = write("a.npy", npy(major, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\n",
                                          floats({0.5f, -1, 2, 3, 4.25f, 5})));
    NumpyArray a = readNpy(path);
    EXPECT_EQ(a.dims, (std::vector<int64_t>{2, 3})) << "version " << major;
    EXPECT_EQ(a.kind, 'f');
    ASSERT_EQ(a.count(), 6);
    EXPECT_EQ(a.value(0), 0.5);
    EXPECT_EQ(a.value(1), -1);
    EXPECT_EQ(a.value(4), 4.25);
  }
}

TEST_F(DataFiles, NpyIntegersAndScalarShapes) {
  std::string data(16, '\0');
  int64_t v[2] = {-3, 1234567890123};
  std::memcpy(data.data(), v, 16);
  NumpyArray a = readNpy(write("i.npy", npy(1, "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", data)));
  EXPECT_EQ(a.value(0), -3);
  EXPECT_EQ(a.value(1), 1234567890123.0);
  NumpyArray b =
      readNpy(write("u.npy", npy(1, "{'shape': (1, 1, 1), 'fortran_order': False, 'descr': '|u1'}", "\xfe")));
  EXPECT_EQ(b.value(0), 254);
}

TEST_F(DataFiles, NpyRefusalsNameTheFileAndTheProblem) {
  auto refused = [&](const std::string& header, const std::string& data, const std::string& what) {
    std::string path = write("bad.npy", npy(1, header, data));
    try {
      readNpy(path);
      ADD_FAILURE() << "accepted " << header;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(path + ": "), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
  };
  refused("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", floats({1, 2, 3, 4}), "Fortran order");
  refused("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", std::string(8, '\0'), "object array");
  refused("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", floats({1}), "structured");
  refused("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", floats({1}), "big-endian");
  refused("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", floats({1, 2}), "truncated");
  refused("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", floats({1, 2}), "the file has more");
  refused("{'descr': '<f4', 'fortran_order': False, 'shape': (99999, 99999, 99999), }", "", "more than 4 GiB");
}

// graphc infer's arrays: what writeNpy writes, the general reader reads back (header, shapes of
// rank 0 to 3, values); readFloatNpy gives float32 arrays and refuses other dtypes with the fix.
TEST_F(DataFiles, InferArraysWrittenAndReadBack) {
  for (const std::vector<int64_t>& shape : {std::vector<int64_t>{}, {3}, {2, 3}, {1, 2, 3}}) {
    NpyArray out;
    out.shape = shape;
    int64_t count = 1;
    for (int64_t d : shape) count *= d;
    for (int64_t k = 0; k < count; ++k) out.values.push_back(0.25f * static_cast<float>(k) - 1);
    std::string path = dir_ + "/out.npy";
    writeNpy(path, out);
    NumpyArray raw = readNpy(path);
    EXPECT_EQ(raw.dims, shape);
    EXPECT_EQ(raw.kind, 'f');
    EXPECT_EQ(raw.itemBytes, 4);
    ASSERT_EQ(raw.count(), count);
    for (int64_t k = 0; k < count; ++k) EXPECT_EQ(raw.value(static_cast<size_t>(k)), 0.25 * static_cast<double>(k) - 1);
    NpyArray in = readFloatNpy(path);
    EXPECT_EQ(in.shape, shape);
    EXPECT_EQ(in.values, out.values);
  }
  std::string ints =
      write("i.npy", npy(1, "{'descr': '<i4', 'fortran_order': False, 'shape': (1,), }", std::string("\x01\0\0\0", 4)));
  try {
    readFloatNpy(ints);
    ADD_FAILURE() << "readFloatNpy accepted an int32 array";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(ints + ": expected a float32 array, found int32"), std::string::npos)
        << e.what();
  }
}

TEST_F(DataFiles, IdxLabelsOfEveryIntegerWidth) {
  // Big-endian: 16-bit signed -2 and 300; 32-bit 70000; signed byte -1.
  std::string i16 = std::string("\0\0\x0b\x01\0\0\0\x02", 8) + "\xff\xfe\x01\x2c";
  EXPECT_EQ(readIdxIntegers(write("a", i16)).values, (std::vector<int64_t>{-2, 300}));
  std::string i32 = std::string("\0\0\x0c\x01\0\0\0\x01\0\x01\x11\x70", 12);
  EXPECT_EQ(readIdxIntegers(write("b", i32)).values, (std::vector<int64_t>{70000}));
  std::string i8 = std::string("\0\0\x09\x01\0\0\0\x01\xff", 9);
  EXPECT_EQ(readIdxIntegers(write("c", i8)).values, (std::vector<int64_t>{-1}));
  EXPECT_THROW(readIdx(write("d", i16)), InputError);  // images stay bytes only
}

TEST_F(DataFiles, CsvHeaderQuotesLineEndsAndGzip) {
  CsvTable t = readCsv(write("a.csv", "label,\"pixel, first\",b\r\n\r\n7, 1.5 ,+2\r\n0,-3e1,4\n\n"));
  EXPECT_EQ(t.header, (std::vector<std::string>{"label", "pixel, first", "b"}));
  EXPECT_EQ(t.columns, 3);
  EXPECT_EQ(t.lines, (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(t.values, (std::vector<float>{7, 1.5f, 2, 0, -30, 4}));
  CsvTable n = readCsv(write("b.csv", "1,2\n3,4\n"));
  EXPECT_TRUE(n.header.empty());
  EXPECT_EQ(n.rows(), 2);
  std::string gz = dir_ + "/c.csv.gz";
  gzFile f = gzopen(gz.c_str(), "wb");
  gzputs(f, "x,y\n5,6\n");
  gzclose(f);
  EXPECT_EQ(readCsv(gz).values, (std::vector<float>{5, 6}));
}

TEST_F(DataFiles, CsvRowOfTheWrongWidthNamesFileAndLine) {
  std::string path = write("a.csv", "a,b,c\n1,2,3\n\n4,5\n");
  try {
    readCsv(path);
    ADD_FAILURE() << "accepted a short row";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), path + ":4: expected 3 columns (as the header has), found 2");
  }
  EXPECT_THROW(readCsv(write("b.csv", "1,2\n3,nan\n")), InputError);
}

// fillFeed's mean and std against (x * scale - mean[c]) / std[c] computed here, for byte and
// float images of three channels.
TEST(FeedNormalization, PerChannelMeanAndStd) {
  Model m = lowerProgram(parseProgram("t.mnn", "x = placeholder(f32, [?, 1, 2, 3])\n"));
  FeedSpec feed;
  feed.placeholder = m.graph.findByName("x");
  DataSpec spec;
  spec.scale = 1.0 / 255;
  spec.mean = {0.5, 0.25, 0.125};
  spec.std = {0.5, 2, 4};
  LabeledImages bytes;
  bytes.count = 2;
  bytes.height = 1, bytes.width = 2, bytes.channels = 3, bytes.pixels = 6;
  bytes.images = {0, 51, 102, 153, 204, 255, 10, 20, 30, 40, 50, 60};
  LabeledImages floatsSet = bytes;
  floatsSet.images.clear();
  for (uint8_t b : bytes.images) floatsSet.floatImages.push_back(static_cast<float>(b) * 1.5f);
  std::vector<int64_t> order = {1, 0};
  for (const LabeledImages* set : {&bytes, &floatsSet}) {
    Halide::Buffer<> out = feedBuffer(m.graph, feed, 2);
    fillFeed(m.graph, feed, *set, spec, order, 0, 2, out);
    const float* got = static_cast<const float*>(out.data());
    for (int i = 0; i < 2; ++i)
      for (int k = 0; k < 6; ++k) {
        size_t src = static_cast<size_t>(order[static_cast<size_t>(i)] * 6 + k);
        double x = set->floatImages.empty() ? set->images[src] : set->floatImages[src];
        double want = (x / 255 - spec.mean[static_cast<size_t>(k % 3)]) / spec.std[static_cast<size_t>(k % 3)];
        EXPECT_NEAR(got[i * 6 + k], want, 1e-6) << "example " << i << " value " << k;
      }
  }
}

}  // namespace
}  // namespace graphc
