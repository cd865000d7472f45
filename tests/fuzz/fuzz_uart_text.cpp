// libFuzzer harness: the MCU firmware's UART text (parse_uart_text). The first byte chooses how
// many phases the plugin reported (0..7, 8 workers each) before the DMA log is added to them.
// Properties: no crash, leak or UB; the OUT words and phases stay under the parser's bounds.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "bfedge/emulator/firmware_output.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  bfedge::emulator::FirmwareResult result;
  result.phases.resize(data[0] % 8);
  for (auto& phase : result.phases) phase.cores.resize(8);
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  const bfedge::Status status = bfedge::emulator::parse_uart_text(text, result);
  if (status.is_ok()) {
    BFEDGE_FUZZ_CHECK(result.out.size() <= bfedge::emulator::kMaxOutWords);
    BFEDGE_FUZZ_CHECK(result.phases.size() == data[0] % 8u);
  }
  (void)bfedge::emulator::firmware_failure(result);
  return 0;
}
