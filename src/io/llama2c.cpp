#include "bfedge/io/llama2c.hpp"

#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

#include "bfedge/core/bf16.hpp"
#include "bfedge/io/file.hpp"

namespace bfedge::io {
namespace {

using models::LlamaConfig;
using models::LlamaWeights;

// One stretch of the float payload: a tensor, or `skip_floats` unused values.
template <class Tensor>
struct Segment {
  const char* name;
  Tensor* tensor;
  std::size_t skip_floats;
};

// `Weights` is LlamaWeights<T> or const LlamaWeights<T>: the same order serves reading and writing.
template <class Weights,
          class Tensor = std::remove_reference_t<decltype((std::declval<Weights&>().wq))>>
std::vector<Segment<Tensor>> segments_in_file_order(const LlamaConfig& c, Weights& w,
                                                    Llama2cFormat format) {
  using Named = std::pair<const char*, Tensor*>;
  const Named token_embedding{"token_embedding", &w.token_embedding}, rms_att{"rms_att", &w.rms_att},
      wq{"wq", &w.wq}, wk{"wk", &w.wk}, wv{"wv", &w.wv}, wo{"wo", &w.wo},
      rms_ffn{"rms_ffn", &w.rms_ffn}, w1{"w1", &w.w1}, w2{"w2", &w.w2}, w3{"w3", &w.w3},
      rms_final{"rms_final", &w.rms_final};
  std::vector<Segment<Tensor>> s;
  if (format == Llama2cFormat::legacy) {
    for (const Named& t :
         {token_embedding, rms_att, wq, wk, wv, wo, rms_ffn, w1, w2, w3, rms_final}) {
      s.push_back({t.first, t.second, 0});
    }
    s.push_back({"freq_cis", nullptr, static_cast<std::size_t>(c.seq_len) * c.head_size()});
  } else {
    for (const Named& t :
         {rms_att, rms_ffn, rms_final, token_embedding, wq, wk, wv, wo, w1, w2, w3}) {
      s.push_back({t.first, t.second, 0});
    }
  }
  if (!c.shared_classifier) s.push_back({"classifier", &w.classifier, 0});
  return s;
}

std::uint64_t payload_floats(const LlamaConfig& c, Llama2cFormat format) {
  const std::uint64_t params = static_cast<std::uint64_t>(c.parameter_count());
  const std::uint64_t freq_cis =
      format == Llama2cFormat::legacy ? static_cast<std::uint64_t>(c.seq_len) * c.head_size() : 0;
  return params + freq_cis;
}

Status size_mismatch(const std::string& name, std::uint64_t expected, std::uint64_t actual) {
  return format_error(name + ": size mismatch: header implies " + std::to_string(expected) +
                      " bytes, file has " + std::to_string(actual) +
                      (actual < expected ? " (truncated)" : " (trailing bytes)"));
}

}  // namespace

Result<Llama2cHeader> parse_llama2c_header(std::span<const std::byte> bytes,
                                           const std::string& path) {
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
    header.config.shared_classifier = shared == 1;
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
    header.config.shared_classifier = fields[5] > 0;
    if (fields[5] < 0) fields[5] = -fields[5];
  }
  LlamaConfig& c = header.config;
  c.dim = fields[0];
  c.hidden_dim = fields[1];
  c.n_layers = fields[2];
  c.n_heads = fields[3];
  c.n_kv_heads = fields[4];
  c.vocab_size = fields[5];
  c.seq_len = fields[6];
  BFEDGE_RETURN_IF_ERROR(models::validate_llama_config(c, path));

  // Each dimension is <= 2^20, so the float count can still overflow 64 bits: bound it first.
  const double approx_bytes =
      static_cast<double>(header.header_bytes) +
      4.0 * (static_cast<double>(c.vocab_size) * c.dim * (c.shared_classifier ? 1 : 2) +
             static_cast<double>(c.n_layers) * c.dim *
                 (2.0 * c.dim + 2.0 * c.kv_dim() + 3.0 * c.hidden_dim + 2.0) +
             static_cast<double>(c.seq_len) * c.head_size());
  if (approx_bytes > 1e15) {
    return format_error(path + ": header implies about " + std::to_string(approx_bytes) +
                        " bytes of weights, more than any checkpoint this loader accepts");
  }
  header.file_bytes = header.header_bytes + 4 * payload_floats(c, header.format);
  return header;
}

namespace {

const char* non_finite_name(float f) {
  if (std::isnan(f)) return "nan";
  return f > 0 ? "inf" : "-inf";
}

// Converts the payload to T, refusing NaN and infinities (the unused freq_cis stretch is skipped
// unread).
template <class T>
Status read_payload(const std::string& path, std::span<const std::byte> bytes,
                    const Llama2cHeader& header, LlamaWeights<T>& weights) {
  models::resize_llama_weights(header.config, weights);
  ByteCursor cursor(bytes.data(), bytes.size());
  (void)cursor.skip(header.header_bytes);
  for (const auto& segment : segments_in_file_order(header.config, weights, header.format)) {
    if (segment.tensor == nullptr) {
      if (!cursor.skip(segment.skip_floats * sizeof(float))) break;
      continue;
    }
    std::vector<T>& tensor = *segment.tensor;
    for (std::size_t i = 0; i < tensor.size(); ++i) {
      float f = 0.0f;
      if (!cursor.read_f32(f)) return format_error(path + ": truncated inside the weights");
      if (!std::isfinite(f)) {
        return format_error(path + ": tensor " + segment.name +
                            " holds a non-finite value (" + non_finite_name(f) + ") at element " +
                            std::to_string(i));
      }
      tensor[i] = from_f32<T>(f);
    }
  }
  return Status::ok();
}

}  // namespace

const char* format_name(Llama2cFormat format) {
  return format == Llama2cFormat::legacy ? "llama2.c legacy" : "llama2.c ak42 v1";
}

template <class T>
Result<LlamaCheckpoint<T>> parse_llama2c(std::span<const std::byte> bytes,
                                         const std::string& name) {
  Result<Llama2cHeader> header = parse_llama2c_header(bytes, name);
  if (!header.is_ok()) return header.status();
  const Llama2cHeader& h = header.value();
  if (h.file_bytes != bytes.size()) return size_mismatch(name, h.file_bytes, bytes.size());
  LlamaCheckpoint<T> checkpoint;
  checkpoint.config = h.config;
  checkpoint.format = h.format;
  try {
    BFEDGE_RETURN_IF_ERROR(read_payload(name, bytes, h, checkpoint.weights));
  } catch (const std::bad_alloc&) {
    return Status(ErrorCode::capacity, name + ": not enough memory for the weights");
  }
  return checkpoint;
}

template <class T>
Result<LlamaCheckpoint<T>> load_llama2c(const std::string& path) {
  Result<FilePrefix> prefix = read_file_prefix(path, kAk42HeaderBytes);
  if (!prefix.is_ok()) return prefix.status();
  Result<Llama2cHeader> header = parse_llama2c_header(prefix.value().bytes, path);
  if (!header.is_ok()) return header.status();
  const std::uint64_t expected = header.value().file_bytes;
  if (expected != prefix.value().file_size) {
    return size_mismatch(path, expected, prefix.value().file_size);
  }
  // Only now is reading the weights justified: the header and the file agree on the size.
  Result<std::vector<std::byte>> bytes = read_file(path, expected);
  if (!bytes.is_ok()) return bytes.status();
  return parse_llama2c<T>(bytes.value(), path);
}

Status write_llama2c(const std::string& path, const LlamaConfig& config,
                     const LlamaWeights<float>& weights, Llama2cFormat format) {
  BFEDGE_RETURN_IF_ERROR(models::validate_llama_config(config, path));
  std::int32_t fields[7] = {config.dim,        config.hidden_dim, config.n_layers, config.n_heads,
                            config.n_kv_heads, config.vocab_size, config.seq_len};
  std::array<std::byte, kAk42HeaderBytes> header{};
  std::size_t header_bytes = kLegacyHeaderBytes;
  if (format == Llama2cFormat::legacy) {
    if (!config.shared_classifier) fields[5] = -fields[5];
    std::memcpy(header.data(), fields, sizeof fields);
  } else {
    const std::uint32_t magic = kAk42Magic;
    const std::int32_t version = 1;
    std::memcpy(header.data(), &magic, 4);
    std::memcpy(header.data() + 4, &version, 4);
    std::memcpy(header.data() + 8, fields, sizeof fields);
    header[8 + sizeof fields] =
        std::byte{config.shared_classifier ? std::uint8_t{1} : std::uint8_t{0}};
    header_bytes = kAk42HeaderBytes;
  }
  std::vector<std::byte> out(header.begin(),
                             header.begin() + static_cast<std::ptrdiff_t>(header_bytes));
  auto append = [&out](const void* data, std::size_t n) {
    const auto* p = static_cast<const std::byte*>(data);
    out.insert(out.end(), p, p + n);
  };
  for (const auto& segment : segments_in_file_order(config, weights, format)) {
    if (segment.tensor == nullptr) {
      out.resize(out.size() + segment.skip_floats * sizeof(float), std::byte{0});
    } else {
      append(segment.tensor->data(), segment.tensor->size() * sizeof(float));
    }
  }
  return write_file_atomically(path, out.data(), out.size());
}

template Result<LlamaCheckpoint<float>> parse_llama2c(std::span<const std::byte>,
                                                      const std::string&);
template Result<LlamaCheckpoint<bf16>> parse_llama2c(std::span<const std::byte>, const std::string&);
template Result<LlamaCheckpoint<float>> load_llama2c(const std::string&);
template Result<LlamaCheckpoint<bf16>> load_llama2c(const std::string&);

}  // namespace bfedge::io
