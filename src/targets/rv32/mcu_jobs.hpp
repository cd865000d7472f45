// The jobs the MCU firmware runs (mcu_main.cpp dispatches on the image's kind).
#pragma once

#include <cstdint>

#include "bfedge/kernels/mcu.hpp"

namespace bfedge::rv32 {

int run_mhsa_job(const unsigned char* image);
int run_llama_job(const unsigned char* image);

// The DMA engine behind the kernels' DmaOps.
std::uint32_t dma_ops_start(void*, const void* src, void* dst, std::uint32_t row_bytes, std::uint32_t rows,
                            std::uint32_t src_stride, std::uint32_t dst_stride);
void dma_ops_wait(void*, std::uint32_t ticket);
inline kernels::DmaOps dma_ops() { return {&dma_ops_start, &dma_ops_wait, nullptr}; }

void print_words(const std::uint32_t* words, std::uint32_t count);
void print_measure(std::uint32_t first, std::uint32_t last);

}  // namespace bfedge::rv32
