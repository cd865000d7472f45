// The MCU firmware's entry: reads the job image QEMU's loader put at the start of L3
// (bfedge/rv32/job.hpp), runs it on the cluster between phase marks, prints the result on the
// UART for the host to check, and exits 0 — or prints "FAIL <reason>" and exits non-zero.
//
// UART protocol (parsed by the host, src/emulator/firmware_run.cpp):
//   MEASURE <first snapshot> <last snapshot>   the phases of the measured run (hart 0's marks)
//   DMA <phase> <bytes> <rows>                 transfers issued in that phase (dma.hpp)
//   OUT <count> / <hex words, 8 a line>        the result (f32 bits, or bf16 bits)
#include <cstring>

#include "bfedge/rv32/job.hpp"
#include "bfedge/rv32/memory_map.h"
#include "dma.hpp"
#include "mcu_jobs.hpp"
#include "rv32_runtime.hpp"

namespace bfedge::rv32 {
namespace {

int run_job(const unsigned char* image) {
  rv32::JobHeader header;
  std::memcpy(&header, image, sizeof header);
  if (header.magic != rv32::kJobMagic || header.version != rv32::kJobVersion) {
    return fail("no bfedge job image at the start of L3");
  }
  if (header.image_bytes > BFEDGE_MCU_L3_BYTES) {
    return fail("the job image is larger than L3");
  }
  switch (header.kind) {
    case rv32::JobKind::mhsa:
      return run_mhsa_job(image);
    case rv32::JobKind::llama:
      return run_llama_job(image);
  }
  return fail("unknown job kind");
}

}  // namespace

void print_words(const std::uint32_t* words, std::uint32_t count) {
  print("OUT ");
  print_int(static_cast<long>(count));
  print("\n");
  for (std::uint32_t i = 0; i < count; ++i) {
    print_hex(words[i]);
    print((i % 8 == 7 || i + 1 == count) ? "\n" : " ");
  }
}

int fail(const char* why) {
  print("FAIL ");
  print(why);
  print("\n");
  return 2;
}

void print_measure(std::uint32_t first, std::uint32_t last) {
  print("MEASURE ");
  print_int(static_cast<long>(first));
  print(" ");
  print_int(static_cast<long>(last));
  print("\n");
}

}  // namespace bfedge::rv32

int main() {
  using namespace bfedge::rv32;
  const int status = run_job(reinterpret_cast<const unsigned char*>(BFEDGE_MCU_L3_BASE));
  dma_report();
  if (!stacks_intact()) {
    print("FAIL a worker stack overflowed its ");
    print_int(BFEDGE_MCU_STACK_BYTES);
    print(" bytes\n");
    return 3;
  }
  return status;
}
