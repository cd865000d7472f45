// Labelled image datasets decoded into one uint8 tensor, and the two TinyViT uses:
//
//   CIFAR-10 (JPEG q75 copy, ../shared/data/cifar10-jpg/SOURCES.md): cifar10_{train,test}_jpg.tar.xz
//     read directly with libarchive (entries "<split>/<class>/<file>.jpg"), or an extracted tree
//     "<root>/<split>/<class>/*.jpg|png". 32×32 RGB; class ids in kCifar10Classes order.
//   Fashion-MNIST (Debian's dataset-fashion-mnist): {train,t10k}-{images-idx3,labels-idx1}-ubyte.gz
//     under /usr/share/datasets/fashion-mnist. 28×28 gray; class ids in kFashionMnistClasses order.
//
// Images of archives and trees are ordered by class id, then by file name (byte order): the same
// order on every machine whatever the archive or directory order (IDX files keep their order). Every image must have the size and channel
// count of the first; errors are one line naming the archive and the entry
// ("train.tar.xz: train/cat/0042.jpg: truncated JPEG").
//
// The load_* functions decode once and keep the result in a cache file (image_cache.hpp);
// progress (a terminal line) and notices (a stale or corrupt cache rebuilt) go to a LoadReporter.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "bfedge/core/status.hpp"

namespace bfedge::io {

struct ImageDataset {
  int height = 0, width = 0, channels = 0;
  std::vector<std::uint8_t> pixels;      // (N, height, width, channels)
  std::vector<int> labels;               // N class ids, each in [0, class_names.size())
  std::vector<std::string> class_names;

  std::size_t size() const { return labels.size(); }
  std::size_t image_bytes() const {
    return static_cast<std::size_t>(height) * static_cast<std::size_t>(width) * static_cast<std::size_t>(channels);
  }
  const std::uint8_t* image(std::size_t i) const { return pixels.data() + i * image_bytes(); }
};

inline constexpr std::array<std::string_view, 10> kCifar10Classes = {
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"};
inline constexpr std::array<std::string_view, 10> kFashionMnistClasses = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};
inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

// Where a loader says what it does. `progress(done, fraction)`: images decoded so far and the
// share of the input consumed (0..1). `notice`: one line worth showing (a cache rebuilt).
struct LoadReporter {
  std::function<void(std::size_t done, double fraction)> progress;
  std::function<void(const std::string& line)> notice;
  std::function<void()> finished;  // after the last progress call: clear the progress line
};
// Notices to stderr; a progress line on stderr only when stderr is a terminal.
LoadReporter stderr_reporter(const std::string& what);

// Decodes "<split>/<class>/<file>" entries of an archive libarchive reads (tar, tar.xz, zip...);
// entries of other splits are skipped, an unknown class or deeper path is an error.
Result<ImageDataset> read_image_archive(const std::string& path, const std::string& split,
                                        const std::vector<std::string>& class_names,
                                        const LoadReporter& reporter = {});
// The same from a directory: "<root>/<split>/<class>/<file>" (regular files only).
Result<ImageDataset> read_image_tree(const std::string& root, const std::string& split,
                                     const std::vector<std::string>& class_names,
                                     const LoadReporter& reporter = {});

// Where the cache lives and whether to use it (image_cache.hpp).
struct CacheOptions {
  bool enabled = true;
  std::string dir;  // empty: default_cache_dir()
};

// CIFAR-10 `split` ("train" or "test") from `source`: a .tar.xz archive, a directory holding
// cifar10_<split>_jpg.tar.xz, or an extracted tree with <split>/ in it. Checks 32×32×3.
Result<ImageDataset> load_cifar10(const std::string& source, const std::string& split,
                                  const CacheOptions& cache = {}, const LoadReporter& reporter = {});

// Fashion-MNIST `split` ("train" or "test", the t10k files) from a directory of the four .gz files.
Result<ImageDataset> load_fashion_mnist(const std::string& dir, const std::string& split,
                                        const CacheOptions& cache = {}, const LoadReporter& reporter = {});

// Counts of each class id (size class_names.size()).
std::vector<std::size_t> label_histogram(const ImageDataset& dataset);

}  // namespace bfedge::io
