// libFuzzer harness: the QEMU counting plugin's JSON (parse_plugin_counts). The first byte
// chooses the worker count (1..8), the rest is the JSON.
// Properties: no crash, leak, UB or escaping exception; an accepted result has one count per
// worker in every phase, under the parser's phase bound; errors name the input.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "bfedge/emulator/firmware_output.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const int workers = 1 + data[0] % 8;
  const std::string_view json(reinterpret_cast<const char*>(data + 1), size - 1);
  bfedge::emulator::FirmwareResult result;
  const bfedge::Status status = bfedge::emulator::parse_plugin_counts(json, "<fuzz>", workers, result);
  if (status.is_ok()) {
    BFEDGE_FUZZ_CHECK(result.phases.size() <= bfedge::emulator::kMaxPhases);
    for (const auto& phase : result.phases) {
      BFEDGE_FUZZ_CHECK(phase.cores.size() == static_cast<std::size_t>(workers));
    }
  } else {
    BFEDGE_FUZZ_CHECK(status.message().rfind("<fuzz>: ", 0) == 0);
  }
  return 0;
}
