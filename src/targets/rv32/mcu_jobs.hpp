// The jobs the MCU firmware runs (mcu_main.cpp dispatches on the image's kind).
#pragma once

#include <cstdint>

#include "bfedge/kernels/rv32.hpp"
#include "dma.hpp"

namespace bfedge::rv32 {

int run_mhsa_job(const unsigned char* image);
int run_llama_job(const unsigned char* image);

void print_words(const std::uint32_t* words, std::uint32_t count);
// Prints "FAIL <why>" (the host reports it) and returns the job's non-zero exit status.
int fail(const char* why);
void print_measure(std::uint32_t first, std::uint32_t last);

}  // namespace bfedge::rv32
