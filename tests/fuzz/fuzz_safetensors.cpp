// libFuzzer harness: safetensors files (io::parse_safetensors).
// Properties: no crash or UB; accepted => every tensor lies inside the data, the tensors tile the
// data exactly in order, each one's bytes are its shape times its dtype's size, and names are
// unique; errors are one line naming the input.
#include <cstddef>
#include <cstdint>
#include <set>
#include <span>

#include "bfedge/io/safetensors.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  const auto table = bfedge::io::parse_safetensors(bytes, "<fuzz>");
  if (!table.is_ok()) {
    const std::string& m = table.status().message();
    BFEDGE_FUZZ_CHECK(m.rfind("<fuzz>: ", 0) == 0 && m.find('\n') == std::string::npos);
    return 0;
  }
  const bfedge::io::TensorTable& t = table.value();
  BFEDGE_FUZZ_CHECK(t.data_bytes() <= size);
  std::uint64_t covered = 0;
  std::set<std::string> names;
  for (const bfedge::io::TensorEntry& e : t.entries()) {
    BFEDGE_FUZZ_CHECK(e.offset == covered);
    BFEDGE_FUZZ_CHECK(e.bytes == static_cast<std::uint64_t>(e.elements()) * bfedge::io::tensor_dtype_bytes(e.dtype));
    BFEDGE_FUZZ_CHECK(names.insert(e.name).second);
    const auto view = t.bytes(e);
    BFEDGE_FUZZ_CHECK(view.size() == e.bytes);
    covered += e.bytes;
  }
  BFEDGE_FUZZ_CHECK(covered == t.data_bytes());
  return 0;
}
