// IDX files: images and labels, plain and gzip'd, and each malformed header with its error.
#include <gtest/gtest.h>
#include <zlib.h>

#include "bfedge/io/idx.hpp"
#include "support/test_support.hpp"

namespace bfedge::io {
namespace {

std::vector<std::uint8_t> be32(std::vector<std::uint32_t> values) {
  std::vector<std::uint8_t> out;
  for (const std::uint32_t v : values) {
    for (const int shift : {24, 16, 8, 0}) out.push_back(static_cast<std::uint8_t>(v >> shift));
  }
  return out;
}

std::vector<std::uint8_t> idx_images(std::uint32_t count, std::uint32_t rows, std::uint32_t cols, std::size_t data) {
  std::vector<std::uint8_t> out = be32({kIdxImagesMagic, count, rows, cols});
  for (std::size_t i = 0; i < data; ++i) out.push_back(static_cast<std::uint8_t>(i * 7));
  return out;
}

std::vector<std::uint8_t> idx_labels(std::uint32_t count) {
  std::vector<std::uint8_t> out = be32({kIdxLabelsMagic, count});
  for (std::uint32_t i = 0; i < count; ++i) out.push_back(static_cast<std::uint8_t>(i % 10));
  return out;
}

void write_gzip(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  gzFile gz = gzopen(path.c_str(), "wb");
  ASSERT_NE(gz, nullptr);
  ASSERT_EQ(gzwrite(gz, bytes.data(), static_cast<unsigned>(bytes.size())), static_cast<int>(bytes.size()));
  ASSERT_EQ(gzclose(gz), Z_OK);
}

TEST(Idx, ImagesAndLabelsPlainAndGzipped) {
  test::TempDir dir;
  test::write_bytes(dir.file("img"), idx_images(3, 2, 4, 24));
  write_gzip(dir.file("img.gz"), idx_images(3, 2, 4, 24));
  write_gzip(dir.file("lab.gz"), idx_labels(3));
  for (const std::string name : {"img", "img.gz"}) {
    Result<IdxDataset> d = read_idx_dataset(dir.file(name), dir.file("lab.gz"));
    ASSERT_TRUE(d.is_ok()) << d.status().message();
    EXPECT_EQ(d.value().images.count, 3);
    EXPECT_EQ(d.value().images.rows, 2);
    EXPECT_EQ(d.value().images.cols, 4);
    ASSERT_EQ(d.value().images.pixels.size(), 24u);
    EXPECT_EQ(d.value().images.pixels[5], 35);
    EXPECT_EQ(d.value().labels, (std::vector<std::uint8_t>{0, 1, 2}));
  }
}

std::string images_error(const std::vector<std::uint8_t>& bytes) {
  Result<IdxImages> r = parse_idx_images(bytes, "t.idx");
  return r.is_ok() ? "(parsed)" : r.status().message();
}

TEST(Idx, BadMagic) {
  EXPECT_EQ(images_error(idx_labels(2)), "t.idx: bad magic 0x00000801, expected 0x00000803 (IDX images)");
  Result<std::vector<std::uint8_t>> labels = parse_idx_labels(idx_images(1, 1, 1, 1), "l.idx");
  ASSERT_FALSE(labels.is_ok());
  EXPECT_EQ(labels.status().message(), "l.idx: bad magic 0x00000803, expected 0x00000801 (IDX labels)");
  EXPECT_EQ(images_error({1, 2}), "t.idx: 2 bytes, too short for an IDX header");
  EXPECT_EQ(images_error(be32({kIdxImagesMagic, 5})), "t.idx: truncated IDX header (8 of 16 bytes)");
}

TEST(Idx, ShortDataAndTrailingBytes) {
  EXPECT_EQ(images_error(idx_images(60000, 28, 28, 12345)),
            "t.idx: short data: header says 60000×28×28, file has 12345 bytes after the header");
  EXPECT_EQ(images_error(idx_images(1, 2, 2, 6)), "t.idx: 2 bytes after the 1×2×2 the header announces");
  Result<std::vector<std::uint8_t>> labels = parse_idx_labels(be32({kIdxLabelsMagic, 10}), "l.idx");
  ASSERT_FALSE(labels.is_ok());
  EXPECT_EQ(labels.status().message(), "l.idx: short data: header says 10, file has 0 bytes after the header");
}

TEST(Idx, DimensionOverflow) {
  EXPECT_EQ(images_error(idx_images(0xffffffffu, 16384, 16384, 0)),
            "t.idx: header says 4294967295×16384×16384, more than the 4294967296 bytes an IDX file may hold");
  EXPECT_EQ(images_error(idx_images(1, 0x80000000u, 2, 0)),
            "t.idx: header says 1×2147483648×2: images must be 1 to 16384 pixels a side");
}

TEST(Idx, LabelsImagesCountMismatch) {
  test::TempDir dir;
  test::write_bytes(dir.file("img"), idx_images(3, 2, 2, 12));
  test::write_bytes(dir.file("lab"), idx_labels(4));
  Result<IdxDataset> d = read_idx_dataset(dir.file("img"), dir.file("lab"));
  ASSERT_FALSE(d.is_ok());
  EXPECT_EQ(d.status().message(), dir.file("lab") + ": 4 labels for the 3 images of " + dir.file("img"));
}

TEST(Idx, CorruptGzip) {
  test::TempDir dir;
  write_gzip(dir.file("img.gz"), idx_images(50, 28, 28, 50 * 28 * 28));
  std::vector<std::uint8_t> gz;
  {
    Result<std::vector<std::uint8_t>> raw = read_maybe_gzipped(dir.file("img.gz"), 1 << 20);  // plain read check
    ASSERT_TRUE(raw.is_ok());
  }
  const std::string bytes = test::read_text(dir.file("img.gz"));
  gz.assign(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(bytes.size() / 2));
  test::write_bytes(dir.file("cut.gz"), gz);
  Result<IdxImages> cut = read_idx_images(dir.file("cut.gz"));
  ASSERT_FALSE(cut.is_ok());
  EXPECT_EQ(cut.status().message(), dir.file("cut.gz") + ": corrupt gzip data: unexpected end of file");
}

}  // namespace
}  // namespace bfedge::io
