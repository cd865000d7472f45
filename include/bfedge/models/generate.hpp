// Autoregressive generation and teacher-forced scoring on top of a LlamaRunner.
#pragma once

#include <functional>
#include <span>
#include <string_view>
#include <vector>

#include "bfedge/core/status.hpp"
#include "bfedge/io/tokenizer.hpp"
#include "bfedge/models/llama_runner.hpp"
#include "bfedge/models/sampler.hpp"

namespace bfedge::models {

struct GenerationResult {
  // The token at every position, then the last sampled token (the golden .ids layout).
  std::vector<int> ids;
  int prompt_tokens = 0;     // including BOS
  int generated_tokens = 0;  // sampled tokens (including a final BOS that stops generation)
  int forward_passes = 0;
  double seconds = 0.0;  // wall time of all forward passes and sampling (monotonic clock)
};

// Checks what generation needs before anything runs: a non-empty prompt and
// 1 <= steps <= seq_len (run.c's -n counts positions, prompt included).
Status validate_generation(const LlamaConfig& config, std::span<const int> prompt_tokens,
                           int steps);

// run.c's generate(): feeds the prompt, then samples until `steps` positions or BOS; each
// printable piece is passed to `emit` as soon as it is decoded. Non-finite logits (a model whose
// finite weights overflow) are an error naming the position, not a garbage token.
Result<GenerationResult> generate(LlamaRunner& model, const io::Tokenizer& tokenizer,
                                  Sampler& sampler, std::span<const int> prompt_tokens, int steps,
                                  runtime::HostCluster& cluster,
                                  const std::function<void(std::string_view)>& emit);

struct SequenceScore {
  double perplexity = 0.0;
  double mean_nll = 0.0;  // nats per token
  int scored_tokens = 0;
};

struct LogitAgreement {
  SequenceScore score_a;
  SequenceScore score_b;
  double top1_agreement = 0.0;  // fraction of positions where both argmaxes match
  double mean_abs_delta = 0.0;  // over every logit of every position
  double max_abs_delta = 0.0;
};

// Teacher-forced: feeds ids[0..n-2] and scores ids[1..n-1]. ids must be valid and fit seq_len.
// Non-finite logits in either model are an error (a NaN perplexity, or a "100 % top-1 agreement"
// between two NaN argmaxes, would be a silent wrong result).
Status validate_scoring_ids(const LlamaConfig& config, std::span<const int> ids,
                            const std::string& source);
Result<SequenceScore> score_sequence(LlamaRunner& model, std::span<const int> ids,
                                     runtime::HostCluster& cluster);
Result<LogitAgreement> compare_on_sequence(LlamaRunner& a, LlamaRunner& b,
                                           std::span<const int> ids,
                                           runtime::HostCluster& cluster);

// "the bf16 forward pass produced non-finite logits at position 3"
Status non_finite_logits(const LlamaRunner& model, int pos);

}  // namespace bfedge::models
