#include "bfedge/io/safetensors.hpp"

#include <algorithm>
#include <cstring>
#include <set>

#include <nlohmann/json.hpp>

#include "bfedge/io/mapped_file.hpp"

namespace bfedge::io {
namespace {

using nlohmann::json;

// A tensor name for messages: quoted JSON, invalid UTF-8 replaced.
std::string json_quoted(const std::string& name) { return json(name).dump(-1, ' ', false, json::error_handler_t::replace); }

// The dtypes of the safetensors specification that bfedge does not read.
constexpr const char* kOtherDtypes[] = {"F64", "F8_E4M3", "F8_E5M2", "I32", "I16", "I8",
                                        "U64", "U32",     "U16",     "U8",  "BOOL", "C64"};

Result<TensorDtype> dtype_of(const json& value, const std::string& where) {
  if (!value.is_string()) return format_error(where + ": dtype is not a string");
  const std::string& text = value.get_ref<const std::string&>();
  for (TensorDtype d : {TensorDtype::f32, TensorDtype::f16, TensorDtype::bf16, TensorDtype::i64}) {
    if (text == tensor_dtype_name(d)) return d;
  }
  for (const char* other : kOtherDtypes) {
    if (text == other) return format_error(where + ": dtype " + text + " is not read by bfedge (F32, F16, BF16, I64)");
  }
  return format_error(where + ": unknown dtype " + json_quoted(text));
}

// A non-negative integer that fits in int64.
bool read_count(const json& value, std::uint64_t& out) {
  if (value.is_number_unsigned()) {
    out = value.get<std::uint64_t>();
    return out <= static_cast<std::uint64_t>(INT64_MAX);
  }
  if (value.is_number_integer()) {
    const auto v = value.get<std::int64_t>();
    out = static_cast<std::uint64_t>(v);
    return v >= 0;
  }
  return false;
}


Result<TensorEntry> entry_of(const std::string& tensor, const json& value, const std::string& name,
                             std::uint64_t data_bytes) {
  const std::string where = name + ": tensor " + json_quoted(tensor);
  if (!value.is_object()) return format_error(where + " is not a JSON object");
  for (const char* key : {"dtype", "shape", "data_offsets"}) {
    if (!value.contains(key)) return format_error(where + " has no " + key);
  }
  TensorEntry e;
  e.name = tensor;
  Result<TensorDtype> dtype = dtype_of(value["dtype"], where);
  if (!dtype.is_ok()) return dtype.status();
  e.dtype = dtype.value();
  const json& shape = value["shape"];
  if (!shape.is_array() || shape.size() > 16) return format_error(where + ": shape is not an array of at most 16 sizes");
  std::uint64_t elements = 1;
  for (const json& d : shape) {
    std::uint64_t size = 0;
    if (!read_count(d, size)) return format_error(where + ": shape holds " + d.dump() + ", not a size");
    if (__builtin_mul_overflow(elements, size, &elements) || elements > (std::uint64_t{1} << 60)) {
      return format_error(where + ": shape " + shape.dump() + " has too many elements");
    }
    e.shape.push_back(static_cast<std::int64_t>(size));
  }
  const json& offsets = value["data_offsets"];
  std::uint64_t begin = 0, end = 0;
  if (!offsets.is_array() || offsets.size() != 2 || !read_count(offsets[0], begin) || !read_count(offsets[1], end) ||
      begin > end) {
    return format_error(where + ": data_offsets " + offsets.dump() + " is not [begin, end] with begin <= end");
  }
  if (end > data_bytes) {
    return format_error(where + ": data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                        "] run past the data (" + std::to_string(data_bytes) + " bytes)");
  }
  const std::uint64_t expected = elements * tensor_dtype_bytes(e.dtype);
  if (end - begin != expected) {
    return format_error(where + ": shape " + shape.dump() + " of " + tensor_dtype_name(e.dtype) + " is " +
                        std::to_string(expected) + " bytes, data_offsets span " + std::to_string(end - begin));
  }
  e.offset = begin;
  e.bytes = end - begin;
  return e;
}

Result<std::map<std::string, std::string>> metadata_of(const json& value, const std::string& name) {
  if (!value.is_object()) return format_error(name + ": __metadata__ is not a JSON object");
  std::map<std::string, std::string> metadata;
  for (const auto& [key, text] : value.items()) {
    if (!text.is_string()) return format_error(name + ": __metadata__ value of " + json_quoted(key) + " is not a string");
    metadata[key] = text.get<std::string>();
  }
  return metadata;
}

// Every byte of the data in exactly one tensor: sorted by offset, each starts where the last ended.
Status check_coverage(const std::vector<TensorEntry>& entries, std::uint64_t data_bytes, const std::string& name) {
  std::uint64_t covered = 0;
  const TensorEntry* previous = nullptr;
  for (const TensorEntry& e : entries) {
    if (e.offset < covered) {
      return format_error(name + ": tensors " + json_quoted(previous->name) + " and " + json_quoted(e.name) +
                          " overlap (bytes " + std::to_string(e.offset) + ".." + std::to_string(covered) + ")");
    }
    if (e.offset > covered) {
      return format_error(name + ": bytes " + std::to_string(covered) + ".." + std::to_string(e.offset) +
                          " of the data belong to no tensor");
    }
    covered = e.offset + e.bytes;
    if (e.bytes > 0) previous = &e;
  }
  if (covered != data_bytes) {
    return format_error(name + ": bytes " + std::to_string(covered) + ".." + std::to_string(data_bytes) +
                        " of the data belong to no tensor");
  }
  return Status::ok();
}

std::uint64_t read_u64(const std::byte* p) {
  std::uint64_t v = 0;
  std::memcpy(&v, p, 8);
  return v;
}

}  // namespace

bool looks_like_safetensors(std::span<const std::byte> prefix, std::uint64_t file_size) {
  if (prefix.size() < 9 || file_size < 10) return false;
  const std::uint64_t header = read_u64(prefix.data());
  return header >= 2 && header <= file_size - 8 && header <= kSafetensorsMaxHeaderBytes && prefix[8] == std::byte{'{'};
}

namespace {

// The table views `bytes`; `owner` (a mapped file, or null) keeps them alive.
Result<TensorTable> parse_owned(std::span<const std::byte> bytes, const std::string& name,
                                std::shared_ptr<const void> owner) {
  if (bytes.size() < 8) {
    return format_error(name + ": truncated: " + std::to_string(bytes.size()) +
                        " bytes, a safetensors file starts with an 8-byte header length");
  }
  const std::uint64_t header_bytes = read_u64(bytes.data());
  if (header_bytes > kSafetensorsMaxHeaderBytes) {
    return format_error(name + ": header length " + std::to_string(header_bytes) + " exceeds the format's limit of " +
                        std::to_string(kSafetensorsMaxHeaderBytes) + " bytes");
  }
  if (header_bytes > bytes.size() - 8) {
    return format_error(name + ": header length " + std::to_string(header_bytes) + " runs past the end of the file (" +
                        std::to_string(bytes.size()) + " bytes)");
  }
  const auto* text = reinterpret_cast<const char*>(bytes.data() + 8);
  // Top-level names must be unique (a JSON object would keep the last silently); the format is
  // three levels deep, so anything deeper is refused before it is built.
  std::set<std::string> names;
  bool duplicate = false, too_deep = false;
  std::string duplicate_name;
  const json::parser_callback_t check = [&](int depth, json::parse_event_t event, json& parsed) {
    if (depth > 4) {
      too_deep = true;
      return false;
    }
    if (event == json::parse_event_t::key && depth == 1 && !names.insert(parsed.get<std::string>()).second) {
      duplicate = true;
      duplicate_name = parsed.get<std::string>();
    }
    return true;
  };
  const json header = json::parse(text, text + header_bytes, check, /*allow_exceptions=*/false);
  if (header.is_discarded() && !too_deep) return format_error(name + ": the header is not valid JSON");
  if (too_deep) return format_error(name + ": the header nests deeper than the format's three levels");
  if (duplicate) return format_error(name + ": tensor " + json_quoted(duplicate_name) + " appears twice in the header");
  if (!header.is_object()) return format_error(name + ": the header is not a JSON object");

  const std::span<const std::byte> data = bytes.subspan(8 + header_bytes);
  std::vector<TensorEntry> entries;
  std::map<std::string, std::string> metadata;
  for (const auto& [key, value] : header.items()) {
    if (key == "__metadata__") {
      auto m = metadata_of(value, name);
      if (!m.is_ok()) return m.status();
      metadata = std::move(m).value();
      continue;
    }
    Result<TensorEntry> entry = entry_of(key, value, name, data.size());
    if (!entry.is_ok()) return entry.status();
    entries.push_back(std::move(entry).value());
  }
  std::sort(entries.begin(), entries.end(), [](const TensorEntry& a, const TensorEntry& b) {
    return a.offset != b.offset ? a.offset < b.offset : a.bytes < b.bytes;
  });
  BFEDGE_RETURN_IF_ERROR(check_coverage(entries, data.size(), name));
  return TensorTable(std::move(entries), std::move(metadata), data, std::move(owner));
}

}  // namespace

Result<TensorTable> parse_safetensors(std::span<const std::byte> bytes, const std::string& name) {
  return parse_owned(bytes, name, nullptr);
}

Result<TensorTable> load_safetensors(const std::string& path) {
  Result<MappedFile> mapped = MappedFile::open(path);
  if (!mapped.is_ok()) return mapped.status();
  auto owner = std::make_shared<MappedFile>(std::move(mapped).value());
  const std::span<const std::byte> bytes = owner->bytes();
  return parse_owned(bytes, path, std::move(owner));
}

Result<std::vector<std::byte>> encode_safetensors(const std::vector<SafetensorsTensor>& tensors,
                                                  const std::map<std::string, std::string>& metadata) {
  json header = json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::uint64_t offset = 0;
  for (const SafetensorsTensor& t : tensors) {
    if (t.name == "__metadata__" || header.contains(t.name)) {
      return invalid_argument("safetensors: tensor name " + json_quoted(t.name) + " is reserved or repeated");
    }
    std::uint64_t elements = 1;
    for (std::int64_t d : t.shape) elements *= static_cast<std::uint64_t>(d);
    if (elements * tensor_dtype_bytes(t.dtype) != t.data.size()) {
      return invalid_argument("safetensors: tensor " + json_quoted(t.name) + " has " + std::to_string(t.data.size()) +
                              " bytes, its shape needs " + std::to_string(elements * tensor_dtype_bytes(t.dtype)));
    }
    header[t.name] = {{"dtype", tensor_dtype_name(t.dtype)}, {"shape", t.shape},
                      {"data_offsets", {offset, offset + t.data.size()}}};
    offset += t.data.size();
  }
  std::string text = header.dump(-1, ' ', false, json::error_handler_t::replace);
  text.append((8 - text.size() % 8) % 8, ' ');
  std::vector<std::byte> out(8);
  const std::uint64_t length = text.size();
  std::memcpy(out.data(), &length, 8);
  const auto* p = reinterpret_cast<const std::byte*>(text.data());
  out.insert(out.end(), p, p + text.size());
  for (const SafetensorsTensor& t : tensors) out.insert(out.end(), t.data.begin(), t.data.end());
  return out;
}

}  // namespace bfedge::io
