// Firmware for the counting-plugin test: hart h runs bfedge_count_loop 1000·(h+1) times on its
// own two words of bfedge_count_buffer, so every per-hart count is known in advance.
#include <cstdint>

#include "rv32_runtime.hpp"

extern "C" void bfedge_count_loop(std::uint32_t iterations, std::uint32_t* buffer);
extern "C" std::uint32_t bfedge_count_buffer[2 * bfedge::rv32::kMaxHarts];
std::uint32_t bfedge_count_buffer[2 * bfedge::rv32::kMaxHarts];

int main() {
  bfedge::rv32::fork([](const bfedge::runtime::Team& team) {
    bfedge_count_loop(1000u * static_cast<std::uint32_t>(team.core + 1), &bfedge_count_buffer[2 * team.core]);
  });
  bfedge::rv32::print("count probe done\n");
  return 0;
}
