// llama2.c checkpoint loading: crafted bad files (one per failure mode), both formats written
// and read back, and the real stories260K header. io reads the model-neutral header and tensor
// table; the errors are checked through models::load_llama, which builds the LLaMA from them.
#include "bfedge/io/llama2c.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "allocation_limit.hpp"
#include "bfedge/core/bf16.hpp"
#include "bfedge/io/file.hpp"
#include "bfedge/models/llama_checkpoint.hpp"
#include "support/test_support.hpp"

namespace bfedge::io {
namespace {

using models::LlamaConfig;
using models::load_llama;
using models::parse_llama;
using models::write_llama2c;
using test::Bytes;
using test::TempDir;

Bytes legacy_header(const LlamaConfig& c) { return test::legacy_llama2c_header(c); }

std::size_t legacy_payload_bytes(const LlamaConfig& c) {
  return 4 * (static_cast<std::size_t>(c.parameter_count()) +
              static_cast<std::size_t>(c.seq_len) * c.head_size());
}

// Writes a file with `c`'s legacy header and a zero payload of the right size (plus `delta`).
std::string write_legacy(const TempDir& dir, const LlamaConfig& c, long delta = 0) {
  Bytes b = legacy_header(c);
  b.zeros(static_cast<std::size_t>(static_cast<long>(legacy_payload_bytes(c)) + delta));
  const std::string path = dir.file("model.bin");
  b.write(path);
  return path;
}

void expect_load_error(const std::string& path, const std::string& fragment) {
  const auto result = load_llama<float>(path);
  ASSERT_FALSE(result.is_ok());
  EXPECT_NE(result.status().message().find(path), std::string::npos) << result.status().message();
  EXPECT_NE(result.status().message().find(fragment), std::string::npos)
      << "message: " << result.status().message() << "\nexpected to contain: " << fragment;
  EXPECT_FALSE(load_llama<bf16>(path).is_ok());
}

TEST(Llama2cLoad, MissingFile) {
  TempDir dir;
  expect_load_error(dir.file("absent.bin"), "cannot open");
}

TEST(Llama2cLoad, DirectoryInsteadOfFile) {
  TempDir dir;
  expect_load_error(dir.path().string(), "is a directory");
}

TEST(Llama2cLoad, FileShorterThanHeader) {
  TempDir dir;
  const std::string path = dir.file("short.bin");
  Bytes().i32(64).i32(172).write(path);
  expect_load_error(path, "truncated");
  Bytes().write(path);
  expect_load_error(path, "truncated");
}

TEST(Llama2cLoad, PayloadShorterOrLongerThanHeaderImplies) {
  TempDir dir;
  expect_load_error(write_legacy(dir, test::tiny_llama_config(), -4), "truncated");
  expect_load_error(write_legacy(dir, test::tiny_llama_config(), +4), "trailing bytes");
  expect_load_error(write_legacy(dir, test::tiny_llama_config(), -1), "size mismatch");
}

// A valid header followed by gigabytes of (sparse) padding: the loader must compare the size the
// header implies with the file's size before reading or allocating anything like the file.
TEST(Llama2cLoad, HugePaddingAfterValidHeaderFailsBeforeReading) {
  TempDir dir;
  const LlamaConfig c = test::tiny_llama_config();
  const std::string path = write_legacy(dir, c);
  const std::uint64_t huge = std::uint64_t{4} << 30;
  std::filesystem::resize_file(path, huge);
  const std::uint64_t expected = kLegacyHeaderBytes + legacy_payload_bytes(c);
  {
    test::ScopedAllocationLimit limit(std::size_t{1} << 20);
    const auto result = load_llama<float>(path);
    ASSERT_FALSE(result.is_ok());
    EXPECT_EQ(result.status().message(),
              path + ": size mismatch: header implies " + std::to_string(expected) +
                  " bytes, file has " + std::to_string(huge) + " (trailing bytes)");
    EXPECT_LT(test::ScopedAllocationLimit::largest_request(), std::size_t{1} << 20);
  }
}

// The weights are read (and allocated) only up to what the header and the file size agree on.
TEST(Llama2cLoad, AllocatesNoMoreThanTheFileJustifies) {
  TempDir dir;
  const LlamaConfig c = test::tiny_llama_config();
  const std::string path = dir.file("model.bin");
  ASSERT_TRUE(write_llama2c(path, c, test::random_llama_weights(c, 3), Llama2cFormat::legacy)
                  .is_ok());
  const std::size_t file_bytes = std::filesystem::file_size(path);
  test::ScopedAllocationLimit limit(file_bytes);
  EXPECT_TRUE(load_llama<float>(path).is_ok());
  EXPECT_TRUE(load_llama<bf16>(path).is_ok());
  EXPECT_LE(test::ScopedAllocationLimit::largest_request(), file_bytes);
}

TEST(Llama2cParse, FromBytesEqualsLoadAndNamesTheInput) {
  TempDir dir;
  LlamaConfig c = test::tiny_llama_config();
  c.shared_classifier = false;
  const auto weights = test::random_llama_weights(c, 5);
  for (Llama2cFormat format : {Llama2cFormat::legacy, Llama2cFormat::ak42_v1}) {
    const std::string path = dir.file("m.bin");
    ASSERT_TRUE(write_llama2c(path, c, weights, format).is_ok());
    const auto bytes = read_file(path);
    ASSERT_TRUE(bytes.is_ok());
    const auto parsed = parse_llama<float>(bytes.value(), "<memory>");
    ASSERT_TRUE(parsed.is_ok()) << parsed.status().message();
    EXPECT_EQ(parsed.value().format, format);
    models::zip_llama_tensors(parsed.value().weights, weights,
                              [](const auto& got, const auto& want) { EXPECT_EQ(got, want); });
    const std::span<const std::byte> cut(bytes.value().data(), bytes.value().size() - 4);
    const auto truncated = parse_llama<bf16>(cut, "<memory>");
    ASSERT_FALSE(truncated.is_ok());
    EXPECT_EQ(truncated.status().message().rfind("<memory>: size mismatch", 0), 0u)
        << truncated.status().message();
  }
}

template <class T>
std::string load_error(const std::string& path) {
  const auto result = load_llama<T>(path);
  return result.is_ok() ? "(loaded)" : result.status().message();
}

// NaN or infinite weights used to load and run (printing <unk>s, exit 0): refused at load.
TEST(Llama2cLoad, NonFiniteWeightsAreRefusedNamingTensorAndElement) {
  TempDir dir;
  const LlamaConfig c = test::tiny_llama_config();
  const std::string path = dir.file("nan.bin");
  for (Llama2cFormat format : {Llama2cFormat::legacy, Llama2cFormat::ak42_v1}) {
    auto weights = test::random_llama_weights(c, 9);
    weights.wq[123] = std::numeric_limits<float>::quiet_NaN();
    ASSERT_TRUE(write_llama2c(path, c, weights, format).is_ok());
    for (const auto& message : {load_error<float>(path), load_error<bf16>(path)}) {
      EXPECT_EQ(message, path + ": tensor wq holds a non-finite value (nan) at element 123");
    }
    weights = test::random_llama_weights(c, 9);
    weights.w2[7] = std::numeric_limits<float>::infinity();
    weights.rms_final[0] = -std::numeric_limits<float>::infinity();
    ASSERT_TRUE(write_llama2c(path, c, weights, format).is_ok());
    const std::string first = format == Llama2cFormat::legacy
                                  ? "tensor w2 holds a non-finite value (inf) at element 7"
                                  : "tensor rms_final holds a non-finite value (-inf) at element 0";
    EXPECT_EQ(load_error<bf16>(path), path + ": " + first);
  }
}

TEST(Llama2cParse, HeaderAloneGivesTheExactFileSize) {
  const LlamaConfig c = test::tiny_llama_config();
  const auto header_bytes = legacy_header(c).data();
  const auto header = parse_llama2c_header(
      std::as_bytes(std::span(header_bytes.data(), header_bytes.size())), "h");
  ASSERT_TRUE(header.is_ok()) << header.status().message();
  EXPECT_EQ(header.value().file_bytes, kLegacyHeaderBytes + legacy_payload_bytes(c));
  EXPECT_EQ(header.value().dim, c.dim);
}

// io alone: the header's integers and a table of the f32 tensors in file order, viewing the file.
TEST(Llama2cParse, TableNamesEveryTensorInFileOrderWithItsShape) {
  TempDir dir;
  LlamaConfig c = test::tiny_llama_config();
  c.shared_classifier = false;
  const auto weights = test::random_llama_weights(c, 5);
  const std::string path = dir.file("m.bin");
  ASSERT_TRUE(write_llama2c(path, c, weights, Llama2cFormat::legacy).is_ok());
  const auto file = load_llama2c(path);
  ASSERT_TRUE(file.is_ok()) << file.status().message();
  EXPECT_EQ(file.value().header.vocab_size, c.vocab_size);
  EXPECT_FALSE(file.value().header.shared_classifier);
  std::vector<std::string> names;
  for (const TensorEntry& e : file.value().tensors.entries()) names.push_back(e.name);
  EXPECT_EQ(names, (std::vector<std::string>{"token_embedding", "rms_att", "wq", "wk", "wv", "wo", "rms_ffn", "w1",
                                             "w2", "w3", "rms_final", "freq_cis", "classifier"}));
  const TensorEntry* wk = file.value().tensors.find("wk");
  ASSERT_NE(wk, nullptr);
  EXPECT_EQ(wk->shape, (std::vector<std::int64_t>{c.n_layers, c.kv_dim(), c.dim}));
  const auto bytes = file.value().tensors.bytes(*wk);
  ASSERT_EQ(bytes.size(), weights.wk.size() * sizeof(float));
  EXPECT_EQ(std::memcmp(bytes.data(), weights.wk.data(), bytes.size()), 0);
}

// A header only a model refuses (odd head size) is io's to read: the check is the model's.
TEST(Llama2cParse, IoLeavesModelLimitsToTheModel) {
  LlamaConfig c = test::tiny_llama_config();
  c.dim = 12;
  c.n_heads = 4;  // head size 3
  Bytes b = legacy_header(c);
  b.zeros(legacy_payload_bytes(c));
  const auto data = b.data();
  const auto bytes = std::as_bytes(std::span(data.data(), data.size()));
  EXPECT_TRUE(parse_llama2c(bytes, "m").is_ok());
  const auto refused = parse_llama2c(bytes, "m", models::check_llama2c_header);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.status().message(), "m: head size 3 is odd; RoPE rotates pairs");
}

TEST(Llama2cLoad, NonPositiveDimensions) {
  TempDir dir;
  for (int field = 0; field < 7; ++field) {
    LlamaConfig c = test::tiny_llama_config();
    int* fields[] = {&c.dim,        &c.hidden_dim, &c.n_layers, &c.n_heads,
                     &c.n_kv_heads, &c.vocab_size, &c.seq_len};
    *fields[field] = field == 5 ? 0 : -3;  // vocab_size < 0 means "unshared", so use 0 there
    const std::string path = dir.file("bad.bin");
    legacy_header(c).zeros(64).write(path);  // shared classifier: vocab_size 0 is written as is
    expect_load_error(path, "must be positive");
  }
}

TEST(Llama2cLoad, AbsurdDimensions) {
  TempDir dir;
  LlamaConfig c = test::tiny_llama_config();
  c.hidden_dim = 2'000'000;
  const std::string path = dir.file("absurd.bin");
  legacy_header(c).zeros(128).write(path);
  expect_load_error(path, "larger than the accepted maximum");
}

TEST(Llama2cLoad, HugeButAcceptedDimensionsDoNotOverflow) {
  TempDir dir;
  LlamaConfig c;
  c.dim = c.hidden_dim = c.vocab_size = c.seq_len = c.n_layers = 1 << 20;
  c.n_heads = c.n_kv_heads = 1 << 19;  // head size 2
  const std::string path = dir.file("huge.bin");
  legacy_header(c).zeros(16).write(path);
  expect_load_error(path, "header implies");
}

TEST(Llama2cLoad, HeadsMustDivideDimAndKvHeadsMustDivideHeads) {
  TempDir dir;
  LlamaConfig c = test::tiny_llama_config();
  c.n_heads = 3;
  c.n_kv_heads = 1;
  const std::string path = dir.file("heads.bin");
  legacy_header(c).zeros(64).write(path);
  expect_load_error(path, "n_heads (3) does not divide dim (16)");

  c = test::tiny_llama_config();
  c.n_kv_heads = 3;
  legacy_header(c).zeros(64).write(path);
  expect_load_error(path, "n_kv_heads (3) does not divide n_heads (4)");
}

TEST(Llama2cLoad, OddHeadSizeIsRejected) {
  TempDir dir;
  LlamaConfig c = test::tiny_llama_config();
  c.dim = 12;
  c.n_heads = 4;  // head size 3
  const std::string path = dir.file("odd.bin");
  legacy_header(c).zeros(64).write(path);
  expect_load_error(path, "head size 3 is odd");
}

TEST(Llama2cLoad, Ak42HeaderErrors) {
  TempDir dir;
  const std::string path = dir.file("v.bin");
  Bytes().u32(kAk42Magic).i32(1).zeros(20).write(path);
  expect_load_error(path, "ak42 header needs 256");
  Bytes().u32(kAk42Magic).i32(2).zeros(248).write(path);
  expect_load_error(path, "ak42 version 2 is not supported");
}

class Llama2cRoundTrip : public ::testing::TestWithParam<std::tuple<Llama2cFormat, bool>> {};

TEST_P(Llama2cRoundTrip, WrittenWeightsReadBackExactly) {
  const auto [format, shared] = GetParam();
  LlamaConfig c = test::tiny_llama_config();
  c.shared_classifier = shared;
  const models::LlamaWeights<float> weights = test::random_llama_weights(c, 11);
  TempDir dir;
  const std::string path = dir.file("rt.bin");
  ASSERT_TRUE(write_llama2c(path, c, weights, format).is_ok());

  const auto loaded = load_llama<float>(path);
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().message();
  EXPECT_EQ(loaded.value().format, format);
  EXPECT_EQ(loaded.value().config.shared_classifier, shared);
  EXPECT_EQ(loaded.value().config.vocab_size, c.vocab_size);
  models::zip_llama_tensors(loaded.value().weights, weights,
                            [](const auto& got, const auto& want) { EXPECT_EQ(got, want); });

  const auto as_bf16 = load_llama<bf16>(path);
  ASSERT_TRUE(as_bf16.is_ok());
  for (std::size_t i = 0; i < weights.wq.size(); ++i) {
    ASSERT_EQ(as_bf16.value().weights.wq[i].bits, to_bf16(weights.wq[i]).bits);
  }
}

INSTANTIATE_TEST_SUITE_P(Formats, Llama2cRoundTrip,
                         ::testing::Combine(::testing::Values(Llama2cFormat::legacy,
                                                              Llama2cFormat::ak42_v1),
                                            ::testing::Bool()));

TEST(Llama2cLoad, WriteRefusesInvalidConfigAndLeavesNothing) {
  TempDir dir;
  LlamaConfig c = test::tiny_llama_config();
  const auto weights = test::random_llama_weights(c, 1);
  c.n_heads = 5;
  const std::string path = dir.file("never.bin");
  EXPECT_FALSE(write_llama2c(path, c, weights, Llama2cFormat::legacy).is_ok());
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(Llama2cLoad, Stories260KHeader) {
  BFEDGE_REQUIRE_SHARED(shared);
  const auto loaded = load_llama<bf16>((shared / "models/stories260K.bin").string());
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().message();
  const LlamaConfig& c = loaded.value().config;
  EXPECT_EQ(loaded.value().format, Llama2cFormat::legacy);
  EXPECT_EQ(c.dim, 64);
  EXPECT_EQ(c.hidden_dim, 172);
  EXPECT_EQ(c.n_layers, 5);
  EXPECT_EQ(c.n_heads, 8);
  EXPECT_EQ(c.n_kv_heads, 4);
  EXPECT_EQ(c.vocab_size, 512);
  EXPECT_EQ(c.seq_len, 512);
  EXPECT_TRUE(c.shared_classifier);
  EXPECT_EQ(c.parameter_count(), 260032);  // ../shared/models/SOURCES.md
  EXPECT_TRUE(loaded.value().weights.classifier.empty());
}

}  // namespace
}  // namespace bfedge::io
