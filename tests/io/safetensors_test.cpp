// safetensors: what bfedge writes it reads back (mapped or in memory), and every malformed file
// gets one line naming the file and the problem, checked before any tensor is used.
#include "bfedge/io/safetensors.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "bfedge/io/file.hpp"
#include "support/test_support.hpp"

namespace bfedge::io {
namespace {

std::vector<std::byte> bytes_of(const std::vector<float>& values) {
  std::vector<std::byte> out(values.size() * 4);
  std::memcpy(out.data(), values.data(), out.size());
  return out;
}

std::vector<std::byte> filled(std::size_t n, unsigned char first) {
  std::vector<std::byte> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = std::byte(static_cast<unsigned char>(first + i));
  return out;
}

// A file from a raw header text and `data_bytes` bytes of data.
std::vector<std::byte> raw(const std::string& header, std::size_t data_bytes, std::uint64_t length_field = 0) {
  std::vector<std::byte> out(8);
  const std::uint64_t length = length_field != 0 ? length_field : header.size();
  std::memcpy(out.data(), &length, 8);
  for (char c : header) out.push_back(std::byte(static_cast<unsigned char>(c)));
  out.resize(out.size() + data_bytes);
  return out;
}

std::vector<SafetensorsTensor> sample() {
  return {{"embeddings.weight", TensorDtype::f32, {2, 3}, bytes_of({1, 2, 3, 4, 5, 6})},
          {"ln.bias", TensorDtype::bf16, {4}, filled(8, 10)},
          {"scale", TensorDtype::f16, {}, filled(2, 40)},
          {"empty", TensorDtype::f32, {0, 5}, {}}};
}

// timm checkpoints store BatchNorm's num_batches_tracked as I64: read, but refused as a weight.
TEST(Safetensors, ReadsI64CountersButRefusesThemAsWeights) {
  std::vector<std::byte> count(8);
  const std::int64_t tracked = 1234567;
  std::memcpy(count.data(), &tracked, 8);
  auto file = encode_safetensors({{"bn.num_batches_tracked", TensorDtype::i64, {}, count},
                                  {"bn.weight", TensorDtype::f32, {2}, bytes_of({1.5f, -2.0f})}},
                                 {});
  ASSERT_TRUE(file.is_ok()) << file.status().message();
  auto table = parse_safetensors(file.value(), "model.safetensors");
  ASSERT_TRUE(table.is_ok()) << table.status().message();
  const TensorEntry* counter = table.value().find("bn.num_batches_tracked");
  ASSERT_NE(counter, nullptr);
  EXPECT_EQ(counter->dtype, TensorDtype::i64);
  EXPECT_EQ(table.value().element_f32(*counter, 0), 1234567.0f);
  auto refused = read_finite_floats(table.value(), *counter, "model.safetensors");
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.status().message(),
            "model.safetensors: tensor \"bn.num_batches_tracked\" is I64, a weight must be F32, F16 or BF16");
  auto weight = read_finite_floats(table.value(), *table.value().find("bn.weight"), "model.safetensors");
  ASSERT_TRUE(weight.is_ok());
  EXPECT_EQ(weight.value(), (std::vector<float>{1.5f, -2.0f}));
}

TEST(Safetensors, WhatIsEncodedParsesBackInDataOrder) {
  auto file = encode_safetensors(sample(), {{"format", "pt"}});
  ASSERT_TRUE(file.is_ok()) << file.status().message();
  EXPECT_EQ(file.value().size() % 8, (6 * 4 + 8 + 2) % 8) << "the header is padded to 8 bytes";
  auto table = parse_safetensors(file.value(), "model.safetensors");
  ASSERT_TRUE(table.is_ok()) << table.status().message();
  const TensorTable& t = table.value();
  ASSERT_EQ(t.entries().size(), 4u);
  EXPECT_EQ(t.entries()[0].name, "embeddings.weight");
  EXPECT_EQ(t.metadata().at("format"), "pt");
  const TensorEntry* w = t.find("embeddings.weight");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->shape, (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(w->elements(), 6);
  float values[6];
  std::memcpy(values, t.bytes(*w).data(), sizeof values);
  EXPECT_EQ(values[5], 6.0f);
  const TensorEntry* b = t.find("ln.bias");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->dtype, TensorDtype::bf16);
  EXPECT_EQ(t.bytes(*b)[7], std::byte{17});
  EXPECT_EQ(t.find("scale")->shape.size(), 0u);
  EXPECT_EQ(t.find("scale")->elements(), 1);
  EXPECT_EQ(t.find("empty")->bytes, 0u);
  EXPECT_EQ(t.total_elements(), 6 + 4 + 1 + 0);
  EXPECT_EQ(t.find("missing"), nullptr);
  EXPECT_TRUE(looks_like_safetensors(file.value(), file.value().size()));
}

TEST(Safetensors, LoadMapsTheFileAndTheTableKeepsIt) {
  test::TempDir dir;
  auto file = encode_safetensors(sample());
  ASSERT_TRUE(file.is_ok());
  const std::string path = dir.file("m.safetensors");
  ASSERT_TRUE(write_file_atomically(path, file.value().data(), file.value().size()).is_ok());
  TensorTable t;
  {
    auto loaded = load_safetensors(path);
    ASSERT_TRUE(loaded.is_ok()) << loaded.status().message();
    t = loaded.value();
  }
  const TensorEntry* w = t.find("embeddings.weight");
  ASSERT_NE(w, nullptr);
  float first = 0;
  std::memcpy(&first, t.bytes(*w).data(), 4);
  EXPECT_EQ(first, 1.0f);
  EXPECT_FALSE(load_safetensors(dir.file("missing")).is_ok());
  EXPECT_EQ(load_safetensors(dir.path().string()).status().message(),
            dir.path().string() + ": is a directory, expected a file");
}

TEST(Safetensors, MalformedFilesGetOneLineNamingTheProblem) {
  const std::string t = R"("dtype":"F32","shape":[2,3],"data_offsets":)";
  const std::pair<std::vector<std::byte>, std::string> cases[] = {
      {{}, "truncated: 0 bytes"},
      {raw("{}", 0, 1000), "header length 1000 runs past the end of the file (10 bytes)"},
      {raw("{}", 0, 200'000'000), "header length 200000000 exceeds the format's limit"},
      {raw(R"({"a":)", 0), "the header is not valid JSON"},
      {raw("[1,2]", 0), "the header is not a JSON object"},
      {raw(R"({"a":5})", 0), "tensor \"a\" is not a JSON object"},
      {raw(R"({"a":{"shape":[1],"data_offsets":[0,4]}})", 4), "tensor \"a\" has no dtype"},
      {raw(R"({"a":{"dtype":"Q7","shape":[1],"data_offsets":[0,4]}})", 4), "tensor \"a\": unknown dtype \"Q7\""},
      {raw(R"({"a":{"dtype":"I32","shape":[1],"data_offsets":[0,4]}})", 4), "dtype I32 is not read by bfedge"},
      {raw(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", 4), "shape holds -1, not a size"},
      {raw(R"({"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}})", 4), "shape holds 1.5, not a size"},
      {raw(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,4]}})", 4), "too many elements"},
      {raw(R"({"a":{)" + t + "[0,20]}}", 20), "shape [2,3] of F32 is 24 bytes, data_offsets span 20"},
      {raw(R"({"a":{)" + t + "[0,100]}}", 24), "data_offsets [0, 100] run past the data (24 bytes)"},
      {raw(R"({"a":{)" + t + "[24,0]}}", 24), "is not [begin, end] with begin <= end"},
      {raw(R"({"a":{)" + t + R"([0,24]},"b":{)" + t + "[8,32]}}", 32), "tensors \"a\" and \"b\" overlap"},
      {raw(R"({"a":{)" + t + R"([0,24]},"b":{)" + t + "[32,56]}}", 56), "bytes 24..32 of the data belong to no tensor"},
      {raw(R"({"a":{)" + t + "[0,24]}}", 30), "bytes 24..30 of the data belong to no tensor"},
      {raw(R"({"a":{)" + t + R"([0,24]},"a":{)" + t + "[0,24]}}", 24), "tensor \"a\" appears twice"},
      {raw(R"({"a":{"dtype":{"x":[[1]]}}})", 0), "nests deeper than the format's three levels"},
      {raw(R"({"__metadata__":{"k":1}})", 0), "__metadata__ value of \"k\" is not a string"},
      {raw(R"({"__metadata__":[]})", 0), "__metadata__ is not a JSON object"},
  };
  for (const auto& [file, expected] : cases) {
    auto table = parse_safetensors(file, "bad.safetensors");
    ASSERT_FALSE(table.is_ok()) << expected;
    const std::string& m = table.status().message();
    EXPECT_EQ(m.rfind("bad.safetensors: ", 0), 0u) << m;
    EXPECT_NE(m.find(expected), std::string::npos) << m;
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  }
}

TEST(Safetensors, EncodeRefusesRepeatedNamesAndWrongSizes) {
  auto repeated = sample();
  repeated.push_back(repeated.front());
  EXPECT_FALSE(encode_safetensors(repeated).is_ok());
  std::vector<SafetensorsTensor> wrong{{"w", TensorDtype::f32, {3}, filled(8, 0)}};
  EXPECT_EQ(encode_safetensors(wrong).status().message(), "safetensors: tensor \"w\" has 8 bytes, its shape needs 12");
}

TEST(Safetensors, SniffingTellsItFromALlama2cCheckpoint) {
  const auto header = test::legacy_llama2c_header(test::tiny_llama_config()).data();
  std::vector<std::byte> bytes(header.size());
  std::memcpy(bytes.data(), header.data(), header.size());
  EXPECT_FALSE(looks_like_safetensors(bytes, 1 << 20));
  EXPECT_FALSE(looks_like_safetensors({}, 0));
}

}  // namespace
}  // namespace bfedge::io
