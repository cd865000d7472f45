// IDX files, the MNIST / Fashion-MNIST format (LeCun et al.), plain or gzip-compressed.
//
// Layout (all integers big-endian):
//   u32 magic      0x00000803 images (unsigned bytes, 3 dimensions)
//                  0x00000801 labels (unsigned bytes, 1 dimension)
//   u32 dims[n]    images: count, rows, cols     labels: count
//   u8  data[...]  count × rows × cols (images) or count (labels), nothing after it
//
// The header is checked before the data it describes is trusted: rows and cols are at most
// kMaxIdxSide, the product at most kMaxIdxBytes ("t.idx: header says 4000000000×28×28, more than
// the 4294967296 bytes an IDX file may hold"), then the data length ("t.idx: short data: header
// says 60000×28×28, file has 12345 bytes after the header"; trailing bytes are an error too).
// A ".gz" is recognised by its content (zlib's gzread reads plain files unchanged).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "bfedge/core/status.hpp"

namespace bfedge::io {

inline constexpr std::uint32_t kIdxImagesMagic = 0x00000803;
inline constexpr std::uint32_t kIdxLabelsMagic = 0x00000801;
inline constexpr std::uint32_t kMaxIdxSide = 16384;
inline constexpr std::uint64_t kMaxIdxBytes = std::uint64_t{1} << 32;

struct IdxImages {
  int count = 0, rows = 0, cols = 0;
  std::vector<std::uint8_t> pixels;  // (count, rows, cols)
};

// Parsers of a whole (decompressed) file in memory; `name` starts every error.
Result<IdxImages> parse_idx_images(std::span<const std::uint8_t> bytes, const std::string& name);
Result<std::vector<std::uint8_t>> parse_idx_labels(std::span<const std::uint8_t> bytes, const std::string& name);

// A file's bytes, gunzipped when it is gzip data, at most `max_bytes` of them. Errors: "<path>:
// corrupt gzip data: <zlib's message>", "<path>: more than N bytes once decompressed".
Result<std::vector<std::uint8_t>> read_maybe_gzipped(const std::string& path, std::uint64_t max_bytes);

Result<IdxImages> read_idx_images(const std::string& path);
Result<std::vector<std::uint8_t>> read_idx_labels(const std::string& path);

// An images file and its labels file, which must hold as many entries:
// "<labels>: 10000 labels for the 60000 images of <images>".
struct IdxDataset {
  IdxImages images;
  std::vector<std::uint8_t> labels;
};
Result<IdxDataset> read_idx_dataset(const std::string& images_path, const std::string& labels_path);

}  // namespace bfedge::io
