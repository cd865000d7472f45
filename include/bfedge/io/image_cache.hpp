// The decoded-dataset cache: an ImageDataset stored as one file, so 50,000 JPEGs are decoded once.
//
// Layout (little-endian):
//   char[8]  "BFEDGEDS"
//   u32      version (1)
//   u32 F, F bytes   the source's fingerprint (text: one "path<TAB>size<TAB>mtime_ns" line per source)
//   u32      N, H, W, C, K (images, height, width, channels, classes)
//   K × (u32 length, bytes)   class names
//   N × u32  labels, each < K
//   N×H×W×C  u8 pixels (HWC per image)
//   u32      CRC-32 (zlib) of every byte before it
//
// A file is written atomically (temporary + rename) and validated whole on load; one that fails
// (bad magic, version, sizes, labels, CRC) is "corrupt", one whose fingerprint differs from the
// source's now is "stale": both are rebuilt from the source with a one-line notice, never used.
// The directory: $BFEDGE_CACHE_DIR, else $XDG_CACHE_HOME/bfedge, else $HOME/.cache/bfedge.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <vector>

#include "bfedge/core/status.hpp"
#include "bfedge/io/image_dataset.hpp"

namespace bfedge::io {

inline constexpr std::uint32_t kDatasetCacheVersion = 1;

// The cache directory from the environment (empty when none of the variables is set).
std::string default_cache_dir();

// "path<TAB>size<TAB>mtime_ns\n" per path (a directory: its regular files' total size and
// latest mtime, recursively, and their count).
Result<std::string> source_fingerprint(const std::vector<std::string>& paths);

std::vector<std::uint8_t> serialize_dataset_cache(const ImageDataset& dataset, const std::string& fingerprint);
struct CachedDataset {
  ImageDataset dataset;
  std::string fingerprint;
};
// Errors: "<name>: corrupt dataset cache: <what>".
Result<CachedDataset> parse_dataset_cache(std::span<const std::uint8_t> bytes, const std::string& name);

// The dataset `key` (a file-name stem: "cifar10-train") built from `sources` by `build`, taken
// from the cache when it is there, valid and fresh; otherwise built and written there (a cache
// that cannot be written is a notice, not an error).
Result<ImageDataset> load_with_cache(const std::string& key, const std::vector<std::string>& sources,
                                     const std::function<Result<ImageDataset>()>& build,
                                     const CacheOptions& options, const LoadReporter& reporter);

// The cache file load_with_cache uses for `key` and `sources` ("" when no cache dir is known).
std::string dataset_cache_path(const std::string& key, const std::vector<std::string>& sources,
                               const CacheOptions& options);

}  // namespace bfedge::io
