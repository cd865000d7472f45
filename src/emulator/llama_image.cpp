#include "bfedge/emulator/llama_image.hpp"

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>

#include "bfedge/core/round_up.hpp"
#include "bfedge/kernels/attention_decode.hpp"
#include "bfedge/kernels/matvec.hpp"
#include "bfedge/kernels/variant.hpp"
#include "bfedge/rv32/job.hpp"
#include "bfedge/models/llama.hpp"

namespace bfedge::emulator {
namespace {

namespace k = kernels;

std::size_t r16(std::size_t bytes) { return round_up(bytes, 16); }
std::size_t rup16(int v) { return static_cast<std::size_t>(round_up(v, 16)); }
std::size_t packed_bytes(int rows, int cols) { return k::matvec_packed_elements(rows, cols) * 2; }
std::size_t block_bytes(int cols) { return static_cast<std::size_t>(k::matvec_pairs(cols)) * 64; }

// Per layer, in streaming order: wq wk wv wo w1 w3 w2 (rows, cols).
std::vector<std::pair<int, int>> layer_matrices(const models::LlamaConfig& c) {
  return {{c.dim, c.dim}, {c.kv_dim(), c.dim}, {c.kv_dim(), c.dim}, {c.dim, c.dim},
          {c.hidden_dim, c.dim}, {c.hidden_dim, c.dim}, {c.dim, c.hidden_dim}};
}

std::size_t layer_bytes(const models::LlamaConfig& c) {
  std::size_t bytes = 0;
  for (const auto& [rows, cols] : layer_matrices(c)) bytes += round_up(packed_bytes(rows, cols), 64);
  return bytes;
}

std::size_t blob_bytes(const models::LlamaConfig& c) {
  const std::size_t small = static_cast<std::size_t>(c.vocab_size) * c.dim * 2 +
                            static_cast<std::size_t>(2 * c.n_layers + 1) * c.dim * 2 +
                            static_cast<std::size_t>(c.seq_len) * c.head_size() * 4;
  return round_up(small, 64) + layer_bytes(c) * c.n_layers + packed_bytes(c.vocab_size, c.dim) + 64;
}

std::size_t l1_bytes(const models::LlamaConfig& c, std::size_t chunk, int steps, int cores, bool logits_in_l1) {
  k::AttentionDecodeParams att;
  att.n_positions = steps, att.head_size = c.head_size();
  const std::size_t x_wide = static_cast<std::size_t>(k::matvec_pairs(std::max(c.dim, c.hidden_dim))) * 8;
  const std::size_t per_core = k::aligned_scratch_bytes(k::attention_decode_scratch(att));
  const std::size_t kv_window = static_cast<std::size_t>(c.kv_dim()) * steps * 2;
  return 2 * r16(chunk) + 3 * r16(static_cast<std::size_t>(c.dim) * 2) +
         r16((rup16(c.dim) + 2 * rup16(c.kv_dim())) * 2) + r16(4 * rup16(c.hidden_dim)) + r16(x_wide) +
         r16(static_cast<std::size_t>(2 * c.n_layers + 1) * c.dim * 2) +
         (logits_in_l1 ? r16(static_cast<std::size_t>(c.vocab_size) * 4) : 0) + r16(static_cast<std::size_t>(c.head_size()) * 4) +
         2 * r16(kv_window) + per_core * cores + 64;
}

// "needs A, has B" with A rounded up and B down to KiB, or in bytes when those would look equal.
std::pair<std::string, std::string> need_and_have(std::size_t need, std::size_t have) {
  const std::size_t need_kib = (need + 1023) / 1024, have_kib = have / 1024;
  if (need_kib > have_kib) return {std::to_string(need_kib) + " KiB", std::to_string(have_kib) + " KiB"};
  return {std::to_string(need) + " bytes", std::to_string(have) + " bytes"};
}

// An upper bound of the phases (barriers, fork, join) of one token: each group streams in pieces
// of whole 16-row blocks (as many as fit a chunk, a multiple of 4 when at least 4: the firmware's
// rows_per_piece), each piece ends with a barrier; the rest is a fixed count per layer.
std::size_t phases_per_token_bound(const models::LlamaConfig& c, std::size_t chunk) {
  const auto pieces = [chunk](std::size_t rows, int cols) {
    std::size_t per_piece = chunk / block_bytes(cols);
    per_piece = std::max<std::size_t>(1, per_piece >= 4 ? per_piece / 4 * 4 : per_piece);
    return ((rows + 15) / 16 + per_piece - 1) / per_piece;
  };
  const auto kv = static_cast<std::size_t>(c.kv_dim());
  const std::size_t layer = pieces(rup16(c.dim) + rup16(c.kv_dim()) + kv, c.dim) +
                            pieces(static_cast<std::size_t>(c.dim), c.dim) +
                            pieces(rup16(c.hidden_dim) + static_cast<std::size_t>(c.hidden_dim), c.dim) +
                            pieces(static_cast<std::size_t>(c.dim), c.hidden_dim);
  return static_cast<std::size_t>(c.n_layers) * (16 + layer) + pieces(static_cast<std::size_t>(c.vocab_size), c.dim) + 8;
}

void put(std::vector<unsigned char>& blob, std::size_t at, const void* data, std::size_t bytes) {
  std::memcpy(blob.data() + at, data, bytes);
}

}  // namespace

Result<LlamaMcuPlan> plan_llama_mcu(const models::LlamaConfig& c, int steps, int cores, std::size_t l1_arena,
                                    std::size_t l2_arena, std::size_t l3_bytes) {
  LlamaMcuPlan plan;
  if (steps > static_cast<int>(rv32::kMaxLlamaSteps)) {
    return Status(ErrorCode::capacity, "does not fit: the MCU firmware runs at most " +
                                           std::to_string(rv32::kMaxLlamaSteps) + " positions, not " + std::to_string(steps));
  }
  plan.weights_bytes = blob_bytes(c);
  const std::size_t cache = 2 * static_cast<std::size_t>(c.n_layers) * c.kv_dim() * steps * 2;
  // The smallest piece is one 16-row block of the widest matrix; larger pieces mean fewer transfers.
  const std::size_t min_chunk = std::max({block_bytes(c.dim), block_bytes(c.hidden_dim)});
  // Logits in L1 when they fit beside everything else (else in L2), then the largest pieces.
  std::size_t chunk = 0;
  for (bool logits_in_l1 : {true, false}) {
    for (std::size_t candidate = 32 * 1024; chunk == 0 && candidate >= min_chunk; candidate /= 2) {
      if (l1_bytes(c, candidate, steps, cores, logits_in_l1) <= l1_arena) chunk = candidate;
    }
    if (chunk == 0 && l1_bytes(c, min_chunk, steps, cores, logits_in_l1) <= l1_arena) chunk = min_chunk;
    plan.logits_in_l2 = !logits_in_l1;
    if (chunk != 0) break;
  }
  if (chunk == 0) {
    const auto [need, have] = need_and_have(l1_bytes(c, min_chunk, steps, cores, false), l1_arena);
    return Status(ErrorCode::capacity, "does not fit: L1 needs " + need + " (two weight pieces, the KV window of " +
                                           std::to_string(steps) + " positions, activations), the firmware's L1 arena has " +
                                           have);
  }
  plan.chunk_bytes = chunk / block_bytes(c.hidden_dim) * block_bytes(c.hidden_dim);
  plan.chunk_bytes = std::max(plan.chunk_bytes, min_chunk);
  plan.l1_bytes = l1_bytes(c, plan.chunk_bytes, steps, cores, !plan.logits_in_l2);
  if (const std::size_t phases = phases_per_token_bound(c, plan.chunk_bytes); phases > rv32::kDmaLogEntries) {
    return Status(ErrorCode::capacity, "does not fit: a token may run " + std::to_string(phases) +
                                           " phases, more than the firmware's DMA log holds (" +
                                           std::to_string(rv32::kDmaLogEntries) + ")");
  }
  const std::size_t logits = plan.logits_in_l2 ? static_cast<std::size_t>(c.vocab_size) * 4 + 64 : 0;
  if (cache + logits > l2_arena) {
    const auto [need, have] = need_and_have(cache + logits, l2_arena);
    const std::string what = "the KV cache for " + std::to_string(steps) + " positions" +
                             (logits > 0 ? " and the logits (" + std::to_string(c.vocab_size) + " floats)" : "");
    return Status(ErrorCode::capacity, "does not fit: " + what + " need " + need + " of L2, the firmware leaves " + have);
  }
  plan.weights_in_l2 = cache + logits + plan.weights_bytes + 64 <= l2_arena;
  plan.l2_bytes = cache + logits + (plan.weights_in_l2 ? plan.weights_bytes : 0);
  if (!plan.weights_in_l2 && plan.weights_bytes + (1u << 20) > l3_bytes) {
    return Status(ErrorCode::capacity, "does not fit: the BF16 weights (" + std::to_string(plan.weights_bytes >> 20) +
                                           " MiB) exceed L2 and L3 (" + std::to_string(l3_bytes >> 20) + " MiB)");
  }
  return plan;
}

std::vector<unsigned char> llama_image(const models::LlamaConfig& c, const models::LlamaWeights<bf16>& w,
                                       const LlamaMcuPlan& plan, const std::vector<int>& prompt, int steps, int cores,
                                       int stop_token) {
  rv32::LlamaJob job;
  job.header.kind = rv32::JobKind::llama;
  job.dim = static_cast<std::uint32_t>(c.dim), job.hidden_dim = static_cast<std::uint32_t>(c.hidden_dim);
  job.n_layers = static_cast<std::uint32_t>(c.n_layers), job.n_heads = static_cast<std::uint32_t>(c.n_heads);
  job.n_kv_heads = static_cast<std::uint32_t>(c.n_kv_heads), job.vocab_size = static_cast<std::uint32_t>(c.vocab_size);
  job.seq_len = static_cast<std::uint32_t>(c.seq_len), job.steps = static_cast<std::uint32_t>(steps);
  job.prompt_tokens = static_cast<std::uint32_t>(prompt.size()), job.stop_token = static_cast<std::uint32_t>(stop_token);
  job.cores = static_cast<std::uint32_t>(cores), job.weights_in_l2 = plan.weights_in_l2 ? 1 : 0;
  job.chunk_bytes = static_cast<std::uint32_t>(plan.chunk_bytes), job.kv_positions = static_cast<std::uint32_t>(steps);
  job.logits_in_l2 = plan.logits_in_l2 ? 1 : 0;

  std::vector<unsigned char> blob(blob_bytes(c), 0);
  std::size_t at = 0;
  const auto place = [&](const void* data, std::size_t bytes) {
    put(blob, at, data, bytes);
    const auto offset = static_cast<std::uint32_t>(at);
    at += bytes;
    return offset;
  };
  job.token_embedding = place(w.token_embedding.data(), w.token_embedding.size() * 2);
  job.rms_att = place(w.rms_att.data(), w.rms_att.size() * 2);
  job.rms_ffn = place(w.rms_ffn.data(), w.rms_ffn.size() * 2);  // right after rms_att: one transfer
  job.rms_final = place(w.rms_final.data(), w.rms_final.size() * 2);
  const models::RopeTable rope = models::make_rope_table(c.seq_len, c.head_size());
  job.rope_cos = place(rope.cos.data(), rope.cos.size() * 4);
  job.rope_sin = place(rope.sin.data(), rope.sin.size() * 4);
  at = round_up(at, 64);
  job.layers = static_cast<std::uint32_t>(at);
  job.layer_bytes = static_cast<std::uint32_t>(layer_bytes(c));
  const std::vector<bf16>* sources[7] = {&w.wq, &w.wk, &w.wv, &w.wo, &w.w1, &w.w3, &w.w2};
  std::uint32_t* offsets[7] = {&job.wq, &job.wk, &job.wv, &job.wo, &job.w1, &job.w3, &job.w2};
  const auto dims = layer_matrices(c);
  std::size_t in_layer = 0;
  for (int m = 0; m < 7; ++m) {
    *offsets[m] = static_cast<std::uint32_t>(in_layer);
    in_layer += round_up(packed_bytes(dims[m].first, dims[m].second), 64);
  }
  for (int l = 0; l < c.n_layers; ++l) {
    for (int m = 0; m < 7; ++m) {
      const auto [rows, cols] = dims[m];
      const bf16* src = sources[m]->data() + static_cast<std::size_t>(l) * rows * cols;
      k::matvec_pack(src, rows, cols, cols,
                     reinterpret_cast<bf16*>(blob.data() + job.layers + l * job.layer_bytes + *offsets[m]));
    }
  }
  job.classifier = static_cast<std::uint32_t>(job.layers + c.n_layers * job.layer_bytes);
  k::matvec_pack(w.classifier_data(), c.vocab_size, c.dim, c.dim, reinterpret_cast<bf16*>(blob.data() + job.classifier));

  std::vector<unsigned char> image(sizeof job);
  image.resize(round_up(image.size(), 64));
  job.prompt = static_cast<std::uint32_t>(image.size());
  for (int id : prompt) {
    const auto v = static_cast<std::int32_t>(id);
    const auto* b = reinterpret_cast<const unsigned char*>(&v);
    image.insert(image.end(), b, b + 4);
  }
  image.resize(round_up(image.size(), 64));
  job.weights = static_cast<std::uint32_t>(image.size());
  job.weights_bytes = static_cast<std::uint32_t>(blob.size());
  image.insert(image.end(), blob.begin(), blob.end());
  job.header.image_bytes = static_cast<std::uint32_t>(image.size());
  std::memcpy(image.data(), &job, sizeof job);
  return image;
}

}  // namespace bfedge::emulator
