// The cluster DMA engine of the emulated MCU: asynchronous 1D/2D copies between L3, L2 and L1,
// served in order by a dedicated hart (hart W, after the W workers — the role of the PULP
// cluster's DMA unit), so transfers never take instructions from the workers. A worker starts a
// copy, computes, and waits for the ticket (sleeping in WFI; the engine wakes it).
//
// Every transfer is logged with the issuing worker's phase (marks made so far) so that the host's
// cycle model can charge it as bytes / bandwidth + a fixed cost per row, overlapped with that
// phase's compute (docs/mcu.md). Kernels wait for their transfers before the phase's closing
// barrier. The engine's own instructions (hart W) are not worker time.
#pragma once

#include <cstdint>

#include "bfedge/kernels/rv32.hpp"

namespace bfedge::rv32 {

struct DmaCopy {
  const void* src = nullptr;
  void* dst = nullptr;
  std::uint32_t row_bytes = 0;
  std::uint32_t rows = 1;
  std::uint32_t src_stride = 0;  // bytes between rows (2D)
  std::uint32_t dst_stride = 0;
};
using DmaTicket = std::uint32_t;

DmaTicket dma_start(const DmaCopy& copy);
void dma_wait(DmaTicket ticket);
inline void dma_copy(const DmaCopy& copy) { dma_wait(dma_start(copy)); }

// The engine as the MCU kernels see it (kernels::DmaOps).
kernels::DmaOps dma_ops();

// Waits until every transfer issued so far is done, prints the transfer log as
// "DMA <phase> <bytes> <rows>" lines (merged per phase), then clears it. Called after each
// measured run, outside it.
void dma_report();

[[noreturn]] void dma_engine_loop();

}  // namespace bfedge::rv32
