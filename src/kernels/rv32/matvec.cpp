// matvec__rv32_8row (kernels/rv32.hpp): the matvec_pack layout (16-row blocks, column pairs
// interleaved) read by 8-row halves, so 8 cores share even a 64-row matrix. Each BF16 pair of a
// row is one 32-bit load, split into two FP32 values in registers (weights are used once per
// token, so there is nothing to gain from widening them into L1 first). x is widened once per core.
#include "bfedge/kernels/matvec.hpp"
#include "bfedge/kernels/rv32.hpp"
#include "rv32_common.hpp"

namespace bfedge::kernels {
namespace {

constexpr int kRows = 8;
using Word = std::uint32_t __attribute__((may_alias, aligned(4)));

inline float low_half(std::uint32_t pair) { return std::bit_cast<float>(pair << 16); }
inline float high_half(std::uint32_t pair) { return std::bit_cast<float>(pair & 0xffff0000u); }

}  // namespace

std::size_t matvec__rv32_8row_scratch(const MatvecParams& p) {
  return static_cast<std::size_t>(matvec_pairs(p.cols)) * 2 * sizeof(float);
}

void widen_matvec_x(const bf16* x, int cols, float* out) {
  for (int c = 0; c < cols; ++c) out[c] = to_f32(x[c]);
  if (cols % 2 != 0) out[cols] = 0.0f;
}

void matvec__rv32_8row(const MatvecParams& p, const runtime::Team& team) {
  float* x = core_scratch<float>(p.scratch, matvec__rv32_8row_scratch(p), team.core);
  widen_matvec_x(p.x, p.cols, x);
  matvec_f32x__rv32_8row({p.rows, p.cols, p.w_packed, x, p.y, p.y_type == OutType::f32}, team);
}

void matvec_f32x__rv32_8row(const MatvecF32xArgs& p, const runtime::Team& team) {
  const float* x = p.x;
  const int pairs = matvec_pairs(p.cols);
  const runtime::Range rows = runtime::split_blocks(p.rows, kRows, team.core, team.cores);
  for (int r0 = rows.begin; r0 < rows.end; r0 += kRows) {
    // Rows r0..r0+7 are one half of a 16-row block: 8 consecutive pairs (32 bytes) per column pair.
    const Word* w = reinterpret_cast<const Word*>(p.w_packed + static_cast<std::size_t>(r0 / kMatvecRowBlock) * pairs * 32 +
                                                  (r0 % kMatvecRowBlock) * 2);
    float acc[kRows] = {};
    for (int kp = 0; kp < pairs; ++kp, w += 16) {
      const float x0 = x[2 * kp], x1 = x[2 * kp + 1];
#pragma GCC unroll 8
      for (int r = 0; r < kRows; ++r) {
        const std::uint32_t pair = w[r];
        acc[r] += low_half(pair) * x0;
        acc[r] += high_half(pair) * x1;
      }
    }
    const int valid = rows.end - r0 < kRows ? rows.end - r0 : kRows;
    for (int r = 0; r < valid; ++r) {
      if (p.y_f32) {
        static_cast<float*>(p.y)[r0 + r] = acc[r];
      } else {
        static_cast<bf16*>(p.y)[r0 + r] = to_bf16(acc[r]);
      }
    }
  }
}

std::size_t matvec_dma_block_bytes(int cols) {
  return static_cast<std::size_t>(matvec_pairs(cols)) * kMatvecRowBlock * 2 * sizeof(bf16);
}

namespace {
// x widened into L1 ahead of the two slots.
std::size_t widened_x_bytes(int cols) {
  return round_up(static_cast<std::size_t>(matvec_pairs(cols)) * 2 * sizeof(float), std::size_t{16});
}
}  // namespace

std::size_t matvec_dma_l1_bytes(int cols, std::size_t slot_bytes) {
  return widened_x_bytes(cols) + 2 * round_up(slot_bytes, std::size_t{16});
}

std::size_t matvec_dma_first_piece_bytes(int rows, int cols, std::size_t slot_bytes) {
  const std::size_t block = matvec_dma_block_bytes(cols);
  const auto blocks = static_cast<std::size_t>((rows + kMatvecRowBlock - 1) / kMatvecRowBlock);
  return (slot_bytes / block < blocks ? slot_bytes / block : blocks) * block;
}

namespace {

// The carried transfers started: at most two (DmaMatvecArgs::carried).
int carried_started(const DmaMatvecArgs& p) { return p.carried_count < 2 ? p.carried_count : 2; }

// Out of line: the piece loop keeps its registers (the common case carries nothing).
[[gnu::noinline]] void start_carried(const DmaMatvecArgs& p, std::uint32_t tickets[2]) {
  for (int i = 0; i < carried_started(p); ++i) tickets[i] = rv32::dma_start(p.dma, p.carried[i]);
}
[[gnu::noinline]] void wait_carried(const DmaMatvecArgs& p, const std::uint32_t tickets[2]) {
  for (int i = carried_started(p) - 1; i >= 0; --i) p.dma.wait(p.dma.ctx, tickets[i]);
}

}  // namespace

void matvec__rv32_dma(const DmaMatvecArgs& p, const runtime::Team& team) {
  const std::size_t block = matvec_dma_block_bytes(p.cols);
  const int rows_per_piece = static_cast<int>(p.slot_bytes / block) * kMatvecRowBlock;
  const int blocks = (p.rows + kMatvecRowBlock - 1) / kMatvecRowBlock;
  const int pieces = (p.rows + rows_per_piece - 1) / rows_per_piece;
  auto* x = static_cast<float*>(p.l1);
  unsigned char* slots[2];
  slots[0] = static_cast<unsigned char*>(p.l1) + widened_x_bytes(p.cols);
  slots[1] = slots[0] + round_up(p.slot_bytes, std::size_t{16});
  const auto piece_bytes = [&](int piece) {
    const int first_block = piece * rows_per_piece / kMatvecRowBlock;
    const int n = blocks - first_block < rows_per_piece / kMatvecRowBlock ? blocks - first_block
                                                                           : rows_per_piece / kMatvecRowBlock;
    return static_cast<std::size_t>(n) * block;
  };
  const auto piece_source = [&](int piece) {
    return reinterpret_cast<const unsigned char*>(p.w_packed) + static_cast<std::size_t>(piece) * (rows_per_piece / kMatvecRowBlock) * block;
  };
  const bool lead = team.core == 0;
  std::uint32_t ticket = 0;
  if (lead && p.first_piece == nullptr) ticket = rv32::dma_start(p.dma, piece_source(0), slots[0], piece_bytes(0), 1, 0, 0);
  // x widened into L1, each core a slice of whole column pairs (the odd last column padded).
  const runtime::Range mine = runtime::split_range(matvec_pairs(p.cols), team.core, team.cores);
  for (int kp = mine.begin; kp < mine.end; ++kp) {
    x[2 * kp] = to_f32(p.x[2 * kp]);
    x[2 * kp + 1] = 2 * kp + 1 < p.cols ? to_f32(p.x[2 * kp + 1]) : 0.0f;
  }
  if (lead && p.first_piece == nullptr) p.dma.wait(p.dma.ctx, ticket);
  team.barrier();
  // The carried transfers start once every core is past the nodes before (their destination may
  // be in use until then); core 0 waits for them before the last barrier, so that they are
  // complete for every core when the matvec returns.
  std::uint32_t carried[2] = {0, 0};
  if (lead && p.carried_count > 0) start_carried(p, carried);
  for (int piece = 0; piece < pieces; ++piece) {
    const bool fetching = piece + 1 < pieces || p.next_w_packed != nullptr;
    if (lead && piece + 1 < pieces) {
      ticket = rv32::dma_start(p.dma, piece_source(piece + 1), slots[(piece + 1) % 2], piece_bytes(piece + 1), 1, 0, 0);
    } else if (lead && fetching) {  // the last piece: the next matvec's first one
      ticket = rv32::dma_start(p.dma, p.next_w_packed, p.next_first_piece, p.next_first_piece_bytes, 1, 0, 0);
    }
    const int row0 = piece * rows_per_piece;
    const int rows = p.rows - row0 < rows_per_piece ? p.rows - row0 : rows_per_piece;
    void* y = p.y_f32 ? static_cast<void*>(static_cast<float*>(p.y) + row0) : static_cast<void*>(static_cast<bf16*>(p.y) + row0);
    const void* w = piece == 0 && p.first_piece != nullptr ? p.first_piece : slots[piece % 2];
    matvec_f32x__rv32_8row({rows, p.cols, static_cast<const bf16*>(w), x, y, p.y_f32}, team);
    if (lead && fetching) p.dma.wait(p.dma.ctx, ticket);
    if (lead && piece + 1 == pieces && p.carried_count > 0) wait_carried(p, carried);
    team.barrier();
  }
}

}  // namespace bfedge::kernels
