// Image datasets: a small class tree and the same as a tar.xz (written here with libarchive), the
// decoded cache (hit, corrupt, stale), and the real CIFAR-10 test split and Fashion-MNIST t10k
// (skipped, visibly, when ../shared or dataset-fashion-mnist is absent).
#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <numeric>

#include "bfedge/io/image_cache.hpp"
#include "bfedge/io/image_dataset.hpp"
#include "support/image_encode.hpp"
#include "support/test_support.hpp"

namespace bfedge::io {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kClasses = {"cat", "dog"};

// root/train/{cat,dog}/NN.png (4×5 RGB, listed out of order) plus a test/ image, and the same
// files in root.tar.xz.
struct SmallTree {
  test::TempDir dir;
  std::string root() const { return dir.file("root"); }
  std::string archive() const { return dir.file("root.tar.xz"); }
  std::vector<std::pair<std::string, std::vector<std::uint8_t>>> files;

  SmallTree() {
    add("train/dog/02.png", 4), add("train/cat/10.png", 1), add("train/dog/01.png", 3);
    add("train/cat/02.png", 2), add("test/cat/01.png", 9);
    write_archive();
  }
  void add(const std::string& entry, unsigned seed) {
    const std::vector<std::uint8_t> png = test::encode_png(4, 5, 3, test::test_pixels(4, 5, 3, seed));
    fs::create_directories(fs::path(root()) / fs::path(entry).parent_path());
    test::write_bytes((fs::path(root()) / entry).string(), png);
    files.emplace_back(entry, png);
  }
  void write_archive() const {
    struct archive* a = archive_write_new();
    archive_write_add_filter_xz(a);
    archive_write_set_format_pax_restricted(a);
    ASSERT_EQ(archive_write_open_filename(a, archive().c_str()), ARCHIVE_OK);
    for (const auto& [name, bytes] : files) {
      archive_entry* e = archive_entry_new();
      archive_entry_set_pathname(e, name.c_str());
      archive_entry_set_size(e, static_cast<la_int64_t>(bytes.size()));
      archive_entry_set_filetype(e, AE_IFREG);
      archive_entry_set_perm(e, 0644);
      archive_write_header(a, e);
      archive_write_data(a, bytes.data(), bytes.size());
      archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
  }
};

// Test pixels seed by seed, in the loaders' order: cat/02, cat/10, dog/01, dog/02.
std::vector<std::uint8_t> expected_pixels(std::initializer_list<unsigned> seeds) {
  std::vector<std::uint8_t> out;
  for (const unsigned s : seeds) {
    const std::vector<std::uint8_t> p = test::test_pixels(4, 5, 3, s);
    out.insert(out.end(), p.begin(), p.end());
  }
  return out;
}

TEST(ImageDataset, TreeAndArchiveLoadTheSameInClassThenNameOrder) {
  SmallTree tree;
  Result<ImageDataset> from_tree = read_image_tree(tree.root(), "train", kClasses);
  Result<ImageDataset> from_archive = read_image_archive(tree.archive(), "train", kClasses);
  ASSERT_TRUE(from_tree.is_ok()) << from_tree.status().message();
  ASSERT_TRUE(from_archive.is_ok()) << from_archive.status().message();
  for (const ImageDataset* d : {&from_tree.value(), &from_archive.value()}) {
    EXPECT_EQ(d->height, 4);
    EXPECT_EQ(d->width, 5);
    EXPECT_EQ(d->channels, 3);
    EXPECT_EQ(d->labels, (std::vector<int>{0, 0, 1, 1}));
    EXPECT_EQ(d->class_names, kClasses);
    EXPECT_EQ(d->pixels, expected_pixels({2, 1, 3, 4}));
  }
  Result<ImageDataset> test_split = read_image_archive(tree.archive(), "test", kClasses);
  ASSERT_TRUE(test_split.is_ok());
  EXPECT_EQ(test_split.value().size(), 1u);
}

TEST(ImageDataset, ErrorsNameTheArchiveAndTheEntry) {
  SmallTree tree;
  tree.files.emplace_back("train/cow/1.png", test::encode_png(4, 5, 3, test::test_pixels(4, 5, 3, 0)));
  tree.write_archive();
  Result<ImageDataset> unknown = read_image_archive(tree.archive(), "train", kClasses);
  ASSERT_FALSE(unknown.is_ok());
  EXPECT_EQ(unknown.status().message(), tree.archive() + ": train/cow/1.png: class 'cow' is not one of cat, dog");
  tree.files.pop_back();
  tree.files.emplace_back("train/cat/bad.png", std::vector<std::uint8_t>{'h', 'i'});
  tree.write_archive();
  Result<ImageDataset> bad = read_image_archive(tree.archive(), "train", kClasses);
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.status().message(), tree.archive() + ": train/cat/bad.png: not a JPEG or PNG image");
  tree.files.pop_back();
  tree.files.emplace_back("train/cat/small.png", test::encode_png(2, 2, 3, test::test_pixels(2, 2, 3, 0)));
  tree.write_archive();
  Result<ImageDataset> size = read_image_archive(tree.archive(), "train", kClasses);
  ASSERT_FALSE(size.is_ok());
  EXPECT_EQ(size.status().message(), tree.archive() + ": train/cat/small.png: 2×2×3, the first image (02.png) is 5×4×3");
  Result<ImageDataset> none = read_image_archive(tree.archive(), "val", kClasses);
  ASSERT_FALSE(none.is_ok());
  EXPECT_EQ(none.status().message(), tree.archive() + ": no images under val/");
}

// A loader of the small tree through the cache, counting how often it really decodes.
struct CachedLoad {
  CachedLoad(const SmallTree& t, const std::string& cache_dir) : tree(t), options{true, cache_dir} {}
  const SmallTree& tree;
  CacheOptions options;
  int builds = 0;
  std::vector<std::string> notices;

  Result<ImageDataset> operator()() {
    LoadReporter reporter;
    reporter.notice = [this](const std::string& line) { notices.push_back(line); };
    return load_with_cache("small-train", {tree.root()}, [this] {
      ++builds;
      return read_image_tree(tree.root(), "train", kClasses);
    }, options, reporter);
  }
  std::string cache_file() const { return dataset_cache_path("small-train", {tree.root()}, options); }
};

TEST(ImageDatasetCache, SecondLoadComesFromTheCache) {
  SmallTree tree;
  CachedLoad load(tree, tree.dir.file("cache"));
  Result<ImageDataset> first = load();
  ASSERT_TRUE(first.is_ok()) << first.status().message();
  Result<ImageDataset> second = load();
  ASSERT_TRUE(second.is_ok()) << second.status().message();
  EXPECT_EQ(load.builds, 1);
  EXPECT_TRUE(load.notices.empty());
  EXPECT_EQ(second.value().pixels, first.value().pixels);
  EXPECT_EQ(second.value().labels, first.value().labels);
  EXPECT_EQ(second.value().class_names, kClasses);
  EXPECT_EQ(fs::path(load.cache_file()).parent_path(), fs::path(tree.dir.file("cache")));
  // Only the cache file is left in its directory (no temporaries).
  EXPECT_EQ(std::distance(fs::directory_iterator(tree.dir.file("cache")), fs::directory_iterator()), 1);
}

TEST(ImageDatasetCache, CorruptCacheIsRebuilt) {
  SmallTree tree;
  CachedLoad load(tree, tree.dir.file("cache"));
  ASSERT_TRUE(load().is_ok());
  std::string bytes = test::read_text(load.cache_file());
  bytes[bytes.size() - 10] ^= 0x40;  // a pixel
  test::write_bytes(load.cache_file(), {bytes.begin(), bytes.end()});
  Result<ImageDataset> again = load();
  ASSERT_TRUE(again.is_ok()) << again.status().message();
  EXPECT_EQ(again.value().pixels, expected_pixels({2, 1, 3, 4}));
  EXPECT_EQ(load.builds, 2);
  ASSERT_EQ(load.notices.size(), 1u);
  EXPECT_EQ(load.notices[0], load.cache_file() + ": corrupt dataset cache: CRC mismatch; rebuilding it");
  test::write_bytes(load.cache_file(), {'n', 'o'});
  ASSERT_TRUE(load().is_ok());
  ASSERT_EQ(load.notices.size(), 2u);
  EXPECT_EQ(load.notices[1], load.cache_file() + ": corrupt dataset cache: bad magic; rebuilding it");
  ASSERT_TRUE(load().is_ok());  // the rebuilt cache is good
  EXPECT_EQ(load.builds, 3);
  EXPECT_EQ(load.notices.size(), 2u);
}

TEST(ImageDatasetCache, StaleCacheIsRebuilt) {
  SmallTree tree;
  CachedLoad load(tree, tree.dir.file("cache"));
  ASSERT_TRUE(load().is_ok());
  tree.add("train/dog/03.png", 5);
  Result<ImageDataset> again = load();
  ASSERT_TRUE(again.is_ok()) << again.status().message();
  EXPECT_EQ(again.value().size(), 5u);
  EXPECT_EQ(load.builds, 2);
  ASSERT_EQ(load.notices.size(), 1u);
  EXPECT_EQ(load.notices[0], load.cache_file() + ": stale dataset cache (its source changed); rebuilding it");
}

TEST(ImageDatasetCache, ParserRejectsEveryTruncation) {
  ImageDataset d{2, 2, 1, {1, 2, 3, 4, 5, 6, 7, 8}, {0, 1}, {"a", "b"}};
  const std::vector<std::uint8_t> bytes = serialize_dataset_cache(d, "src\t1\t2\n");
  Result<CachedDataset> whole = parse_dataset_cache(bytes, "c");
  ASSERT_TRUE(whole.is_ok()) << whole.status().message();
  EXPECT_EQ(whole.value().dataset.pixels, d.pixels);
  EXPECT_EQ(whole.value().fingerprint, "src\t1\t2\n");
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(parse_dataset_cache({bytes.data(), n}, "c").is_ok()) << n;
  }
}

std::uint64_t pixel_sum(const ImageDataset& d, std::size_t i) {
  return std::accumulate(d.image(i), d.image(i) + d.image_bytes(), std::uint64_t{0});
}

TEST(ImageDatasetReal, Cifar10TestSplit) {
  BFEDGE_REQUIRE_SHARED(shared);
  const fs::path archive = shared / "data/cifar10-jpg/cifar10_test_jpg.tar.xz";
  if (!fs::exists(archive)) GTEST_SKIP() << archive << " not found: skipped";
  Result<ImageDataset> d = load_cifar10(archive.string(), "test", CacheOptions{false, ""});
  ASSERT_TRUE(d.is_ok()) << d.status().message();
  EXPECT_EQ(d.value().size(), 10000u);
  EXPECT_EQ(d.value().height, 32);
  EXPECT_EQ(d.value().width, 32);
  EXPECT_EQ(d.value().channels, 3);
  EXPECT_EQ(label_histogram(d.value()), std::vector<std::size_t>(10, 1000));
  EXPECT_EQ(d.value().class_names[3], "cat");
  // First image of airplane, of cat, last of truck (class id, then file name order): sums as
  // libjpeg-turbo 2.1.5 decodes them (a regression check: libjpeg-turbo's integer IDCT is exact).
  EXPECT_EQ(pixel_sum(d.value(), 0), 475641u);
  EXPECT_EQ(pixel_sum(d.value(), 3000), 332902u);
  EXPECT_EQ(pixel_sum(d.value(), 9999), 384887u);
}

TEST(ImageDatasetReal, FashionMnistT10k) {
  if (!fs::exists(fs::path(kFashionMnistDir) / "t10k-images-idx3-ubyte.gz")) {
    GTEST_SKIP() << kFashionMnistDir << " not found (apt-get install dataset-fashion-mnist): skipped";
  }
  Result<ImageDataset> d = load_fashion_mnist(kFashionMnistDir, "test", CacheOptions{false, ""});
  ASSERT_TRUE(d.is_ok()) << d.status().message();
  EXPECT_EQ(d.value().size(), 10000u);
  EXPECT_EQ(d.value().height, 28);
  EXPECT_EQ(d.value().width, 28);
  EXPECT_EQ(d.value().channels, 1);
  EXPECT_EQ(label_histogram(d.value()), std::vector<std::size_t>(10, 1000));
  EXPECT_EQ(d.value().class_names[9], "Ankle boot");
  EXPECT_EQ(d.value().labels[0], 9);  // the first t10k image is an ankle boot
  // File order is kept; sums checked independently with Python's gzip module.
  EXPECT_EQ(pixel_sum(d.value(), 0), 33456u);
  EXPECT_EQ(pixel_sum(d.value(), 9999), 24390u);
  EXPECT_EQ(d.value().labels[9999], 5);
}

}  // namespace
}  // namespace bfedge::io
