// The decoded-dataset cache file (layout in image_cache.hpp): serialize, validate, load or build.
#include "bfedge/io/image_cache.hpp"

#include <sys/stat.h>
#include <zlib.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "bfedge/io/file.hpp"

namespace bfedge::io {
namespace {

namespace fs = std::filesystem;

constexpr char kMagic[8] = {'B', 'F', 'E', 'D', 'G', 'E', 'D', 'S'};
constexpr std::uint32_t kMaxClasses = 1 << 16;
constexpr std::uint32_t kMaxNameBytes = 4096;
constexpr std::uint64_t kMaxCacheBytes = std::uint64_t{16} << 30;

// Appends through resize + memcpy (vector::insert of a range trips GCC 12's -Wstringop-overflow
// at -O3, a false positive).
void put_bytes(std::vector<std::uint8_t>& out, const void* p, std::size_t n) {
  if (n == 0) return;
  const std::size_t at = out.size();
  out.resize(at + n);
  std::memcpy(out.data() + at, p, n);
}
void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  const std::uint8_t b[4] = {static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8),
                             static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 24)};
  put_bytes(out, b, 4);
}

std::uint32_t crc32_of(const std::uint8_t* data, std::size_t size) {
  uLong crc = crc32_z(0, Z_NULL, 0);
  return static_cast<std::uint32_t>(crc32_z(crc, data, size));
}

// Reads little-endian fields; every read is bounds-checked.
class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}
  bool u32(std::uint32_t& v) {
    if (remaining() < 4) return false;
    v = 0;
    for (int i = 0; i < 4; ++i) v |= std::uint32_t{bytes_[at_ + static_cast<std::size_t>(i)]} << (8 * i);
    at_ += 4;
    return true;
  }
  bool take(std::size_t n, const std::uint8_t*& p) {
    if (remaining() < n) return false;
    p = bytes_.data() + at_;
    at_ += n;
    return true;
  }
  std::size_t remaining() const { return bytes_.size() - at_; }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t at_ = 0;
};

std::uint64_t fnv1a(const std::string& text) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (const unsigned char c : text) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

std::int64_t mtime_ns(const struct stat& st) {
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

}  // namespace

std::string default_cache_dir() {
  const auto env = [](const char* name) -> std::string {
    const char* v = std::getenv(name);
    return v != nullptr ? v : "";
  };
  if (std::string dir = env("BFEDGE_CACHE_DIR"); !dir.empty()) return dir;
  if (std::string dir = env("XDG_CACHE_HOME"); !dir.empty()) return (fs::path(dir) / "bfedge").string();
  if (std::string dir = env("HOME"); !dir.empty()) return (fs::path(dir) / ".cache" / "bfedge").string();
  return "";
}

Result<std::string> source_fingerprint(const std::vector<std::string>& paths) {
  std::string text;
  for (const std::string& path : paths) {
    std::error_code ec;
    const std::string absolute = fs::absolute(path, ec).lexically_normal().string();
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return io_error(path + ": cannot open (" + std::strerror(errno) + ")");
    std::uint64_t size = static_cast<std::uint64_t>(st.st_size);
    std::int64_t latest = mtime_ns(st);
    std::string count;
    if (S_ISDIR(st.st_mode)) {
      std::uint64_t files = 0;
      size = 0;
      for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::recursive_directory_iterator();
           it.increment(ec)) {
        struct stat f {};
        if (!it->is_regular_file() || ::stat(it->path().c_str(), &f) != 0) continue;
        ++files;
        size += static_cast<std::uint64_t>(f.st_size);
        latest = std::max(latest, mtime_ns(f));
      }
      if (ec) return io_error(path + ": cannot list (" + ec.message() + ")");
      count = "\t" + std::to_string(files) + " files";
    }
    text += absolute + "\t" + std::to_string(size) + "\t" + std::to_string(latest) + count + "\n";
  }
  return text;
}

std::vector<std::uint8_t> serialize_dataset_cache(const ImageDataset& d, const std::string& fingerprint) {
  std::vector<std::uint8_t> out;
  std::size_t names = 0;
  for (const std::string& n : d.class_names) names += 4 + n.size();
  out.reserve(64 + fingerprint.size() + names + 4 * d.labels.size() + d.pixels.size());
  put_bytes(out, kMagic, sizeof kMagic);
  put_u32(out, kDatasetCacheVersion);
  put_u32(out, static_cast<std::uint32_t>(fingerprint.size()));
  put_bytes(out, fingerprint.data(), fingerprint.size());
  for (const std::size_t v : {d.labels.size(), std::size_t(d.height), std::size_t(d.width), std::size_t(d.channels),
                              d.class_names.size()}) {
    put_u32(out, static_cast<std::uint32_t>(v));
  }
  for (const std::string& n : d.class_names) {
    put_u32(out, static_cast<std::uint32_t>(n.size()));
    put_bytes(out, n.data(), n.size());
  }
  for (const int label : d.labels) put_u32(out, static_cast<std::uint32_t>(label));
  put_bytes(out, d.pixels.data(), d.pixels.size());
  put_u32(out, crc32_of(out.data(), out.size()));
  return out;
}

Result<CachedDataset> parse_dataset_cache(std::span<const std::uint8_t> bytes, const std::string& name) {
  const auto corrupt = [&](const std::string& what) { return format_error(name + ": corrupt dataset cache: " + what); };
  if (bytes.size() < sizeof kMagic + 8 || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
    return corrupt("bad magic");
  }
  Reader r(bytes.subspan(sizeof kMagic, bytes.size() - sizeof kMagic - 4));
  std::uint32_t version = 0, fingerprint_size = 0;
  r.u32(version);
  if (version != kDatasetCacheVersion) {
    return corrupt("version " + std::to_string(version) + ", expected " + std::to_string(kDatasetCacheVersion));
  }
  std::uint32_t stored_crc = 0;
  Reader(bytes.subspan(bytes.size() - 4)).u32(stored_crc);
  if (crc32_of(bytes.data(), bytes.size() - 4) != stored_crc) return corrupt("CRC mismatch");
  CachedDataset out;
  const std::uint8_t* p = nullptr;
  if (!r.u32(fingerprint_size) || !r.take(fingerprint_size, p)) return corrupt("truncated fingerprint");
  out.fingerprint.assign(reinterpret_cast<const char*>(p), fingerprint_size);
  std::uint32_t n = 0, h = 0, w = 0, c = 0, k = 0;
  if (!r.u32(n) || !r.u32(h) || !r.u32(w) || !r.u32(c) || !r.u32(k)) return corrupt("truncated header");
  if (h == 0 || w == 0 || c == 0 || h > 16384 || w > 16384 || c > 4 || k == 0 || k > kMaxClasses) {
    return corrupt("bad shape or class count");
  }
  ImageDataset& d = out.dataset;
  for (std::uint32_t i = 0; i < k; ++i) {
    std::uint32_t len = 0;
    if (!r.u32(len) || len > kMaxNameBytes || !r.take(len, p)) return corrupt("truncated class names");
    d.class_names.emplace_back(reinterpret_cast<const char*>(p), len);
  }
  const std::uint64_t pixel_bytes = std::uint64_t{n} * h * w * c;
  if (std::uint64_t{n} * 4 + pixel_bytes != r.remaining()) return corrupt("size does not match its header");
  d.height = static_cast<int>(h);
  d.width = static_cast<int>(w);
  d.channels = static_cast<int>(c);
  d.labels.resize(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    std::uint32_t label = 0;
    r.u32(label);
    if (label >= k) return corrupt("label " + std::to_string(label) + " out of range");
    d.labels[i] = static_cast<int>(label);
  }
  r.take(static_cast<std::size_t>(pixel_bytes), p);
  d.pixels.assign(p, p + pixel_bytes);
  return out;
}

std::string dataset_cache_path(const std::string& key, const std::vector<std::string>& sources,
                               const CacheOptions& options) {
  const std::string dir = options.dir.empty() ? default_cache_dir() : options.dir;
  if (dir.empty()) return "";
  std::string joined;
  for (const std::string& s : sources) {
    std::error_code ec;
    joined += fs::absolute(s, ec).lexically_normal().string() + "\n";
  }
  char hash[17];
  std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(fnv1a(joined)));
  return (fs::path(dir) / (key + "-" + hash + ".bfds")).string();
}

Result<ImageDataset> load_with_cache(const std::string& key, const std::vector<std::string>& sources,
                                     const std::function<Result<ImageDataset>()>& build,
                                     const CacheOptions& options, const LoadReporter& reporter) {
  if (!options.enabled) return build();
  const std::string path = dataset_cache_path(key, sources, options);
  if (path.empty()) return build();
  Result<std::string> fingerprint = source_fingerprint(sources);
  if (!fingerprint.is_ok()) return fingerprint.status();
  const auto notice = [&](const std::string& line) {
    if (reporter.notice) reporter.notice(line);
  };
  std::error_code ec;
  if (fs::exists(path, ec)) {
    Result<std::vector<std::byte>> bytes = read_file(path, kMaxCacheBytes);
    Result<CachedDataset> cached =
        bytes.is_ok() ? parse_dataset_cache({reinterpret_cast<const std::uint8_t*>(bytes.value().data()),
                                             bytes.value().size()},
                                            path)
                      : Result<CachedDataset>(bytes.status());
    if (!cached.is_ok()) {
      notice(cached.status().message() + "; rebuilding it");
    } else if (cached.value().fingerprint != fingerprint.value()) {
      notice(path + ": stale dataset cache (its source changed); rebuilding it");
    } else {
      return std::move(cached.value().dataset);
    }
  }
  Result<ImageDataset> built = build();
  if (!built.is_ok()) return built;
  fs::create_directories(fs::path(path).parent_path(), ec);
  const std::vector<std::uint8_t> bytes = serialize_dataset_cache(built.value(), fingerprint.value());
  if (Status s = write_file_atomically(path, bytes.data(), bytes.size()); !s.is_ok()) {
    notice(s.message() + "; the dataset is not cached");
  }
  return built;
}

}  // namespace bfedge::io
