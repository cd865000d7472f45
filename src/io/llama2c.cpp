#include "bfedge/io/llama2c.hpp"

#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <utility>

#include "bfedge/io/file.hpp"
#include "bfedge/io/mapped_file.hpp"

namespace bfedge::io {
namespace {

// Unused by run.c: never checked for finite values, written as zeros.
constexpr std::string_view kFreqCis = "freq_cis";

Status size_mismatch(const std::string& name, std::uint64_t expected, std::uint64_t actual) {
  return format_error(name + ": size mismatch: header implies " + std::to_string(expected) +
                      " bytes, file has " + std::to_string(actual) +
                      (actual < expected ? " (truncated)" : " (trailing bytes)"));
}

// io's own checks: what the layout's arithmetic needs. A model's limits come through `check`.
Status check_sizes(Llama2cHeader& h, const std::string& name) {
  const std::pair<const char*, std::int32_t> fields[] = {
      {"dim", h.dim},         {"hidden_dim", h.hidden_dim}, {"n_layers", h.n_layers},
      {"n_heads", h.n_heads}, {"n_kv_heads", h.n_kv_heads}, {"vocab_size", h.vocab_size},
      {"seq_len", h.seq_len}};
  for (const auto& [field, value] : fields) {
    if (value <= 0) {
      return format_error(name + ": " + field + " is " + std::to_string(value) +
                          ", must be positive");
    }
  }
  // The float count can overflow 64 bits: bound it in floating point first.
  const double d = h.dim, kv = static_cast<double>(h.kv_dim());
  const double approx_bytes =
      static_cast<double>(h.header_bytes) +
      4.0 * (static_cast<double>(h.vocab_size) * d * (h.shared_classifier ? 1 : 2) +
             static_cast<double>(h.n_layers) * d * (2.0 * d + 2.0 * kv + 3.0 * h.hidden_dim + 2.0) +
             d + static_cast<double>(h.seq_len) * static_cast<double>(h.head_size()));
  if (approx_bytes > 1e15) {
    return format_error(name + ": header implies about " + std::to_string(approx_bytes) +
                        " bytes of weights, more than any checkpoint this loader accepts");
  }
  h.file_bytes = h.header_bytes;
  for (const TensorEntry& e : llama2c_layout(h)) h.file_bytes += e.bytes;
  return Status::ok();
}

const char* non_finite_name(float f) {
  if (std::isnan(f)) return "nan";
  return f > 0 ? "inf" : "-inf";
}

// NaN and infinities are refused, naming the first one in file order.
Status check_finite(const TensorTable& table, const std::string& name) {
  for (const TensorEntry& e : table.entries()) {
    if (e.name == kFreqCis) continue;
    for (std::size_t i = 0; i < static_cast<std::size_t>(e.elements()); ++i) {
      const float f = table.element_f32(e, i);
      if (!std::isfinite(f)) {
        return format_error(name + ": tensor " + e.name + " holds a non-finite value (" +
                            non_finite_name(f) + ") at element " + std::to_string(i));
      }
    }
  }
  return Status::ok();
}

Result<Llama2cFile> parse_owned(std::span<const std::byte> bytes, const std::string& name,
                                Llama2cHeaderCheck check, std::shared_ptr<const void> owner) {
  Result<Llama2cHeader> header = parse_llama2c_header(bytes, name, check);
  if (!header.is_ok()) return header.status();
  const Llama2cHeader& h = header.value();
  if (h.file_bytes != bytes.size()) return size_mismatch(name, h.file_bytes, bytes.size());
  try {
    Llama2cFile file{
        h, TensorTable(llama2c_layout(h), {}, bytes.subspan(h.header_bytes), std::move(owner))};
    BFEDGE_RETURN_IF_ERROR(check_finite(file.tensors, name));
    return file;
  } catch (const std::bad_alloc&) {
    return Status(ErrorCode::capacity, name + ": not enough memory for the tensor table");
  }
}

}  // namespace

std::vector<TensorEntry> llama2c_layout(const Llama2cHeader& h) {
  const std::int64_t d = h.dim, hidden = h.hidden_dim, l = h.n_layers, v = h.vocab_size,
                     kv = h.kv_dim();
  const auto f32 = [](std::string name, std::vector<std::int64_t> shape) {
    TensorEntry e;
    e.name = std::move(name);
    e.shape = std::move(shape);
    return e;
  };
  const TensorEntry token_embedding = f32("token_embedding", {v, d}),
                    rms_att = f32("rms_att", {l, d}), wq = f32("wq", {l, d, d}),
                    wk = f32("wk", {l, kv, d}), wv = f32("wv", {l, kv, d}),
                    wo = f32("wo", {l, d, d}), rms_ffn = f32("rms_ffn", {l, d}),
                    w1 = f32("w1", {l, hidden, d}), w2 = f32("w2", {l, d, hidden}),
                    w3 = f32("w3", {l, hidden, d}), rms_final = f32("rms_final", {d});
  std::vector<TensorEntry> layout;
  if (h.format == Llama2cFormat::legacy) {
    layout = {token_embedding,
              rms_att,
              wq,
              wk,
              wv,
              wo,
              rms_ffn,
              w1,
              w2,
              w3,
              rms_final,
              f32(std::string(kFreqCis), {h.seq_len, h.head_size()})};
  } else {
    layout = {rms_att, rms_ffn, rms_final, token_embedding, wq, wk, wv, wo, w1, w2, w3};
  }
  if (!h.shared_classifier) layout.push_back(f32("classifier", {v, d}));
  std::uint64_t offset = 0;
  for (TensorEntry& e : layout) {
    e.offset = offset;
    e.bytes = static_cast<std::uint64_t>(e.elements()) * sizeof(float);
    offset += e.bytes;
  }
  return layout;
}

Result<Llama2cHeader> parse_llama2c_header(std::span<const std::byte> bytes,
                                           const std::string& path, Llama2cHeaderCheck check) {
  ByteCursor cursor(bytes.data(), bytes.size());
  std::uint32_t magic = 0;
  if (!cursor.read_u32(magic)) {
    return format_error(path + ": truncated: " + std::to_string(bytes.size()) +
                        " bytes, too short for a llama2.c header");
  }
  Llama2cHeader header{};
  std::int32_t fields[7];
  if (magic == kAk42Magic) {
    std::int32_t version = 0;
    if (bytes.size() < kAk42HeaderBytes || !cursor.read_i32(version)) {
      return format_error(path + ": truncated: " + std::to_string(bytes.size()) +
                          " bytes, the ak42 header needs " + std::to_string(kAk42HeaderBytes));
    }
    if (version != 1) {
      return format_error(path + ": ak42 version " + std::to_string(version) +
                          " is not supported (only version 1, fp32)");
    }
    (void)cursor.read_bytes(fields, sizeof fields);
    std::uint8_t shared = 0;
    (void)cursor.read_bytes(&shared, 1);
    if (shared > 1) {
      return format_error(path + ": shared_classifier flag is " + std::to_string(shared) +
                          ", expected 0 or 1");
    }
    header.format = Llama2cFormat::ak42_v1;
    header.header_bytes = kAk42HeaderBytes;
    header.shared_classifier = shared == 1;
  } else {
    if (bytes.size() < kLegacyHeaderBytes) {
      return format_error(path + ": truncated: " + std::to_string(bytes.size()) +
                          " bytes, the llama2.c header needs " +
                          std::to_string(kLegacyHeaderBytes));
    }
    std::memcpy(fields, bytes.data(), sizeof fields);
    header.format = Llama2cFormat::legacy;
    header.header_bytes = kLegacyHeaderBytes;
    if (fields[5] == std::numeric_limits<std::int32_t>::min()) {
      return format_error(path + ": vocab_size " + std::to_string(fields[5]) + " is out of range");
    }
    header.shared_classifier = fields[5] > 0;
    if (fields[5] < 0) fields[5] = -fields[5];
  }
  header.dim = fields[0];
  header.hidden_dim = fields[1];
  header.n_layers = fields[2];
  header.n_heads = fields[3];
  header.n_kv_heads = fields[4];
  header.vocab_size = fields[5];
  header.seq_len = fields[6];
  if (check != nullptr) BFEDGE_RETURN_IF_ERROR(check(header, path));
  BFEDGE_RETURN_IF_ERROR(check_sizes(header, path));
  return header;
}

const char* format_name(Llama2cFormat format) {
  return format == Llama2cFormat::legacy ? "llama2.c legacy" : "llama2.c ak42 v1";
}

Result<Llama2cFile> parse_llama2c(std::span<const std::byte> bytes, const std::string& name,
                                  Llama2cHeaderCheck check) {
  return parse_owned(bytes, name, check, nullptr);
}

Result<Llama2cFile> load_llama2c(const std::string& path, Llama2cHeaderCheck check) {
  Result<FilePrefix> prefix = read_file_prefix(path, kAk42HeaderBytes);
  if (!prefix.is_ok()) return prefix.status();
  Result<Llama2cHeader> header = parse_llama2c_header(prefix.value().bytes, path, check);
  if (!header.is_ok()) return header.status();
  const std::uint64_t expected = header.value().file_bytes;
  if (expected != prefix.value().file_size) {
    return size_mismatch(path, expected, prefix.value().file_size);
  }
  // Only now is mapping the weights justified: the header and the file agree on the size.
  Result<MappedFile> mapped = MappedFile::open(path);
  if (!mapped.is_ok()) return mapped.status();
  auto owner = std::make_shared<MappedFile>(std::move(mapped).value());
  const std::span<const std::byte> bytes = owner->bytes();
  return parse_owned(bytes, path, check, std::move(owner));
}

Status write_llama2c(const std::string& path, const Llama2cHeader& header,
                     std::span<const Llama2cTensorValues> tensors) {
  Llama2cHeader h = header;
  h.header_bytes = h.format == Llama2cFormat::legacy ? kLegacyHeaderBytes : kAk42HeaderBytes;
  BFEDGE_RETURN_IF_ERROR(check_sizes(h, path));
  std::int32_t fields[7] = {h.dim,        h.hidden_dim, h.n_layers, h.n_heads,
                            h.n_kv_heads, h.vocab_size, h.seq_len};
  std::array<std::byte, kAk42HeaderBytes> bytes{};
  if (h.format == Llama2cFormat::legacy) {
    if (!h.shared_classifier) fields[5] = -fields[5];
    std::memcpy(bytes.data(), fields, sizeof fields);
  } else {
    const std::uint32_t magic = kAk42Magic;
    const std::int32_t version = 1;
    std::memcpy(bytes.data(), &magic, 4);
    std::memcpy(bytes.data() + 4, &version, 4);
    std::memcpy(bytes.data() + 8, fields, sizeof fields);
    bytes[8 + sizeof fields] = std::byte{h.shared_classifier ? std::uint8_t{1} : std::uint8_t{0}};
  }
  std::vector<std::byte> out(bytes.begin(),
                             bytes.begin() + static_cast<std::ptrdiff_t>(h.header_bytes));
  out.reserve(h.file_bytes);
  for (const TensorEntry& e : llama2c_layout(h)) {
    const Llama2cTensorValues* given = nullptr;
    for (const Llama2cTensorValues& t : tensors) {
      if (t.name == e.name) given = &t;
    }
    if (given == nullptr && e.name == kFreqCis) {
      out.resize(out.size() + e.bytes, std::byte{0});
      continue;
    }
    if (given == nullptr || given->values.size_bytes() != e.bytes) {
      return invalid_argument(
          path + ": tensor " + e.name + " needs " + std::to_string(e.elements()) + " values, " +
          (given == nullptr ? std::string("none") : std::to_string(given->values.size())) +
          " given");
    }
    const auto* p = reinterpret_cast<const std::byte*>(given->values.data());
    out.insert(out.end(), p, p + e.bytes);
  }
  return write_file_atomically(path, out.data(), out.size());
}

}  // namespace bfedge::io
