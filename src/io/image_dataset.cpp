// Image datasets: decoding class folders from an archive (libarchive) or a directory tree, and
// the CIFAR-10 / Fashion-MNIST loaders on top (cached through image_cache.hpp).
#include "bfedge/io/image_dataset.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "bfedge/io/file.hpp"
#include "bfedge/io/idx.hpp"
#include "bfedge/io/image.hpp"
#include "bfedge/io/image_cache.hpp"

namespace bfedge::io {
namespace {

namespace fs = std::filesystem;

constexpr std::int64_t kMaxEntryBytes = std::int64_t{64} << 20;

struct DecodedImage {
  int label = 0;
  std::string name;  // the file name, the sort key within a class
  Image image;
};

// Splits "<split>/<class>/<file>" (a leading "./" allowed); false for any other shape.
bool split_entry_path(std::string path, std::string& split, std::string& klass, std::string& file) {
  if (path.rfind("./", 0) == 0) path.erase(0, 2);
  const std::size_t a = path.find('/');
  if (a == std::string::npos) return false;
  const std::size_t b = path.find('/', a + 1);
  if (b == std::string::npos || path.find('/', b + 1) != std::string::npos) return false;
  split = path.substr(0, a);
  klass = path.substr(a + 1, b - a - 1);
  file = path.substr(b + 1);
  return !split.empty() && !klass.empty() && !file.empty();
}

std::string class_list(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& n : names) text += (text.empty() ? "" : ", ") + n;
  return text;
}

// Accumulates decoded images; checks each against the first and the class list.
class DatasetBuilder {
 public:
  DatasetBuilder(std::string source, const std::vector<std::string>& class_names, std::string split)
      : source_(std::move(source)), class_names_(class_names), split_(std::move(split)) {}

  // `entry` is the path inside the source, "<split>/<class>/<file>".
  Status add(const std::string& entry, std::span<const std::uint8_t> bytes) {
    std::string split, klass, file;
    if (!split_entry_path(entry, split, klass, file)) {
      if (entry.find('/') == std::string::npos) return Status::ok();  // top-level files (README)
      return format_error(source_ + ": " + entry + ": expected <split>/<class>/<file>");
    }
    if (split != split_) return Status::ok();
    const auto it = std::find(class_names_.begin(), class_names_.end(), klass);
    if (it == class_names_.end()) {
      return format_error(source_ + ": " + entry + ": class '" + klass + "' is not one of " + class_list(class_names_));
    }
    const std::string name = source_ + ": " + entry;
    Result<Image> image = decode_image(bytes, name);
    if (!image.is_ok()) return image.status();
    const Image& im = image.value();
    if (!images_.empty()) {
      const Image& first = images_.front().image;
      if (im.height != first.height || im.width != first.width || im.channels != first.channels) {
        return format_error(name + ": " + shape(im) + ", the first image (" + images_.front().name + ") is " + shape(first));
      }
    }
    images_.push_back({static_cast<int>(it - class_names_.begin()), file, std::move(image).value()});
    return Status::ok();
  }

  std::size_t count() const { return images_.size(); }

  Result<ImageDataset> finish() {
    if (images_.empty()) return format_error(source_ + ": no images under " + split_ + "/");
    std::sort(images_.begin(), images_.end(), [](const DecodedImage& a, const DecodedImage& b) {
      return a.label != b.label ? a.label < b.label : a.name < b.name;
    });
    ImageDataset out;
    out.height = images_.front().image.height;
    out.width = images_.front().image.width;
    out.channels = images_.front().image.channels;
    out.class_names = class_names_;
    out.pixels.reserve(images_.size() * out.image_bytes());
    out.labels.reserve(images_.size());
    for (DecodedImage& d : images_) {
      out.pixels.insert(out.pixels.end(), d.image.pixels.begin(), d.image.pixels.end());
      out.labels.push_back(d.label);
      d.image.pixels = {};
    }
    images_.clear();
    return out;
  }

 private:
  static std::string shape(const Image& im) {
    return std::to_string(im.width) + "×" + std::to_string(im.height) + "×" + std::to_string(im.channels);
  }

  std::string source_;
  const std::vector<std::string>& class_names_;
  std::string split_;
  std::vector<DecodedImage> images_;
};

struct ArchiveCloser {
  void operator()(archive* a) const { archive_read_free(a); }
};

void report_progress(const LoadReporter& reporter, std::size_t done, double fraction) {
  if (reporter.progress) reporter.progress(done, fraction);
}
void report_finished(const LoadReporter& reporter) {
  if (reporter.finished) reporter.finished();
}

std::vector<std::string> to_strings(std::span<const std::string_view> names) {
  return {names.begin(), names.end()};
}

Status check_split(const std::string& split, const char* what) {
  if (split == "train" || split == "test") return Status::ok();
  return invalid_argument(std::string(what) + ": split '" + split + "', expected train or test");
}

}  // namespace

LoadReporter stderr_reporter(const std::string& what) {
  LoadReporter r;
  r.notice = [](const std::string& line) { std::fprintf(stderr, "bfedge: %s\n", line.c_str()); };
  if (isatty(STDERR_FILENO) == 0) return r;
  auto last = std::make_shared<std::chrono::steady_clock::time_point>();
  r.progress = [what, last](std::size_t done, double fraction) {
    const auto now = std::chrono::steady_clock::now();
    if (now - *last < std::chrono::milliseconds(200)) return;
    *last = now;
    std::fprintf(stderr, "\r\033[Kbfedge: decoding %s: %zu images (%.0f%%)", what.c_str(), done, 100 * fraction);
    std::fflush(stderr);
  };
  r.finished = [] { std::fprintf(stderr, "\r\033[K"); };
  return r;
}

Result<ImageDataset> read_image_archive(const std::string& path, const std::string& split,
                                        const std::vector<std::string>& class_names, const LoadReporter& reporter) {
  Result<RegularFile> file = open_regular_descriptor(path);  // a clear error for a missing file or a directory
  if (!file.is_ok()) return file.status();
  close(file.value().fd);
  const double total = static_cast<double>(std::max<std::uint64_t>(file.value().size, 1));
  std::unique_ptr<archive, ArchiveCloser> a(archive_read_new());
  if (!a) return Status(ErrorCode::capacity, path + ": cannot start libarchive (out of memory)");
  archive_read_support_filter_all(a.get());
  archive_read_support_format_all(a.get());
  if (archive_read_open_filename(a.get(), path.c_str(), std::size_t{1} << 16) != ARCHIVE_OK) {
    return format_error(path + ": not a readable archive: " + archive_error_string(a.get()));
  }
  DatasetBuilder builder(path, class_names, split);
  std::vector<std::uint8_t> bytes;
  for (;;) {
    archive_entry* entry = nullptr;
    const int r = archive_read_next_header(a.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      report_finished(reporter);
      return format_error(path + ": corrupt archive: " + archive_error_string(a.get()));
    }
    if (archive_entry_filetype(entry) != AE_IFREG) continue;
    const std::string name = archive_entry_pathname(entry) ? archive_entry_pathname(entry) : "";
    const std::int64_t size = archive_entry_size(entry);
    if (size < 0 || size > kMaxEntryBytes) {
      report_finished(reporter);
      return format_error(path + ": " + name + ": " + std::to_string(size) + " bytes, more than an image may have");
    }
    bytes.resize(static_cast<std::size_t>(size));
    const la_ssize_t got = archive_read_data(a.get(), bytes.data(), bytes.size());
    if (got != static_cast<la_ssize_t>(size)) {
      report_finished(reporter);
      return format_error(path + ": " + name + ": corrupt archive: " +
                          (got < 0 ? archive_error_string(a.get()) : "truncated entry"));
    }
    if (Status s = builder.add(name, bytes); !s.is_ok()) {
      report_finished(reporter);
      return s;
    }
    report_progress(reporter, builder.count(), static_cast<double>(archive_filter_bytes(a.get(), -1)) / total);
  }
  report_finished(reporter);
  return builder.finish();
}

Result<ImageDataset> read_image_tree(const std::string& root, const std::string& split,
                                     const std::vector<std::string>& class_names, const LoadReporter& reporter) {
  std::error_code ec;
  const fs::path base = fs::path(root) / split;
  if (!fs::is_directory(base, ec)) return io_error(root + ": no " + split + "/ directory");
  std::vector<std::string> entries;  // "<split>/<class>/<file>"
  for (const fs::directory_entry& klass : fs::directory_iterator(base, ec)) {
    if (!klass.is_directory()) continue;
    for (const fs::directory_entry& f : fs::directory_iterator(klass.path(), ec)) {
      if (f.is_regular_file()) entries.push_back(split + "/" + klass.path().filename().string() + "/" + f.path().filename().string());
    }
  }
  if (ec) return io_error(root + ": cannot list " + split + "/ (" + ec.message() + ")");
  DatasetBuilder builder(root, class_names, split);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    Result<std::vector<std::byte>> bytes = read_file((fs::path(root) / entries[i]).string(), kMaxEntryBytes);
    Status s = bytes.is_ok() ? builder.add(entries[i], {reinterpret_cast<const std::uint8_t*>(bytes.value().data()),
                                                        bytes.value().size()})
                             : bytes.status();
    if (!s.is_ok()) {
      report_finished(reporter);
      return s;
    }
    report_progress(reporter, i + 1, static_cast<double>(i + 1) / static_cast<double>(entries.size()));
  }
  report_finished(reporter);
  return builder.finish();
}

Result<ImageDataset> load_cifar10(const std::string& source, const std::string& split, const CacheOptions& cache,
                                  const LoadReporter& reporter) {
  BFEDGE_RETURN_IF_ERROR(check_split(split, source.c_str()));
  std::error_code ec;
  std::string path = source;
  bool tree = false;
  if (fs::is_directory(source, ec)) {
    const fs::path archive_path = fs::path(source) / ("cifar10_" + split + "_jpg.tar.xz");
    if (fs::exists(archive_path, ec)) {
      path = archive_path.string();
    } else if (fs::is_directory(fs::path(source) / split, ec)) {
      tree = true;
    } else {
      return io_error(source + ": neither cifar10_" + split + "_jpg.tar.xz nor " + split + "/ is in it");
    }
  }
  const std::vector<std::string> classes = to_strings(kCifar10Classes);
  auto build = [&]() -> Result<ImageDataset> {
    Result<ImageDataset> d = tree ? read_image_tree(path, split, classes, reporter)
                                  : read_image_archive(path, split, classes, reporter);
    if (!d.is_ok()) return d;
    if (d.value().height != 32 || d.value().width != 32 || d.value().channels != 3) {
      return format_error(path + ": CIFAR-10 images are 32×32×3, these are " + std::to_string(d.value().width) +
                          "×" + std::to_string(d.value().height) + "×" + std::to_string(d.value().channels));
    }
    return d;
  };
  return load_with_cache("cifar10-" + split, {path}, build, cache, reporter);
}

Result<ImageDataset> load_fashion_mnist(const std::string& dir, const std::string& split, const CacheOptions& cache,
                                        const LoadReporter& reporter) {
  BFEDGE_RETURN_IF_ERROR(check_split(split, dir.c_str()));
  const std::string stem = split == "train" ? "train" : "t10k";
  const std::string images = (fs::path(dir) / (stem + "-images-idx3-ubyte.gz")).string();
  const std::string labels = (fs::path(dir) / (stem + "-labels-idx1-ubyte.gz")).string();
  auto build = [&]() -> Result<ImageDataset> {
    Result<IdxDataset> idx = read_idx_dataset(images, labels);
    if (!idx.is_ok()) return idx.status();
    ImageDataset d;
    d.height = idx.value().images.rows;
    d.width = idx.value().images.cols;
    d.channels = 1;
    d.class_names = to_strings(kFashionMnistClasses);
    d.labels.reserve(idx.value().labels.size());
    for (std::size_t i = 0; i < idx.value().labels.size(); ++i) {
      const int label = idx.value().labels[i];
      if (label >= static_cast<int>(d.class_names.size())) {
        return format_error(labels + ": label " + std::to_string(label) + " of entry " + std::to_string(i) +
                            " is not a Fashion-MNIST class (0..9)");
      }
      d.labels.push_back(label);
    }
    d.pixels = std::move(idx.value().images.pixels);
    return d;
  };
  return load_with_cache("fashion-mnist-" + split, {images, labels}, build, cache, reporter);
}

std::vector<std::size_t> label_histogram(const ImageDataset& dataset) {
  std::vector<std::size_t> counts(dataset.class_names.size());
  for (const int label : dataset.labels) {
    if (label >= 0 && static_cast<std::size_t>(label) < counts.size()) ++counts[static_cast<std::size_t>(label)];
  }
  return counts;
}

}  // namespace bfedge::io
