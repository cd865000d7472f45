#include "bfedge/models/generate.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace bfedge::models {

Status validate_generation(const LlamaConfig& config, std::span<const int> prompt_tokens,
                           int steps) {
  if (prompt_tokens.empty()) return invalid_argument("prompt encodes to no tokens");
  if (steps < 1 || steps > config.seq_len) {
    return invalid_argument("-n " + std::to_string(steps) + " is outside 1.." +
                            std::to_string(config.seq_len) + " (the model's seq_len)");
  }
  if (static_cast<int>(prompt_tokens.size()) > config.seq_len) {
    return invalid_argument("prompt is " + std::to_string(prompt_tokens.size()) +
                            " tokens, longer than the model's seq_len " +
                            std::to_string(config.seq_len));
  }
  for (int id : prompt_tokens) {
    if (id < 0 || id >= config.vocab_size) {
      return invalid_argument("prompt token " + std::to_string(id) + " is outside the vocabulary");
    }
  }
  return Status::ok();
}

Result<GenerationResult> generate(LlamaRunner& model, const io::Tokenizer& tokenizer,
                                  Sampler& sampler, std::span<const int> prompt_tokens, int steps,
                                  runtime::HostCluster& cluster,
                                  const std::function<void(std::string_view)>& emit) {
  BFEDGE_RETURN_IF_ERROR(validate_generation(model.config(), prompt_tokens, steps));
  GenerationResult result;
  result.prompt_tokens = static_cast<int>(prompt_tokens.size());
  const int n_prompt = result.prompt_tokens;
  int token = prompt_tokens[0];
  result.ids.push_back(token);
  const auto start = std::chrono::steady_clock::now();
  for (int pos = 0; pos < steps;) {
    std::span<float> logits = model.forward(token, pos, cluster);
    ++result.forward_passes;
    if (!all_finite(logits)) return non_finite_logits(model, pos);
    int next;
    if (pos < n_prompt - 1) {
      next = prompt_tokens[static_cast<std::size_t>(pos) + 1];
    } else {
      next = sampler.sample(logits);
      ++result.generated_tokens;
    }
    ++pos;
    result.ids.push_back(next);
    if (next == io::kBosToken) break;
    const std::string_view piece = tokenizer.decode(token, next);
    if (io::is_printable_piece(piece)) emit(piece);
    token = next;
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

Status validate_scoring_ids(const LlamaConfig& config, std::span<const int> ids,
                            const std::string& source) {
  if (ids.size() < 2) return invalid_argument(source + ": needs at least 2 token ids to score");
  if (ids.size() > static_cast<std::size_t>(config.seq_len) + 1) {
    return invalid_argument(source + ": " + std::to_string(ids.size()) +
                            " ids, more than seq_len + 1 = " + std::to_string(config.seq_len + 1));
  }
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] < 0 || ids[i] >= config.vocab_size) {
      return invalid_argument(source + ": id " + std::to_string(ids[i]) + " at index " +
                              std::to_string(i) + " is outside the vocabulary 0.." +
                              std::to_string(config.vocab_size - 1));
    }
  }
  return Status::ok();
}

namespace {

// -log softmax(logits)[target], computed in double.
double negative_log_likelihood(std::span<const float> logits, int target) {
  const float max_logit = *std::max_element(logits.begin(), logits.end());
  double sum = 0.0;
  for (float l : logits) sum += std::exp(static_cast<double>(l) - max_logit);
  return std::log(sum) + max_logit - logits[static_cast<std::size_t>(target)];
}

SequenceScore finish_score(double nll_sum, int count) {
  SequenceScore s;
  s.scored_tokens = count;
  s.mean_nll = nll_sum / count;
  s.perplexity = std::exp(s.mean_nll);
  return s;
}

}  // namespace

Status non_finite_logits(const LlamaRunner& model, int pos) {
  return format_error(std::string("the ") + dtype_name(model.dtype()) +
                      " forward pass produced non-finite logits at position " +
                      std::to_string(pos));
}

Result<SequenceScore> score_sequence(LlamaRunner& model, std::span<const int> ids,
                                     runtime::HostCluster& cluster) {
  double nll = 0.0;
  const int n = static_cast<int>(ids.size()) - 1;
  for (int pos = 0; pos < n; ++pos) {
    const std::span<const float> logits = model.forward(ids[pos], pos, cluster);
    if (!all_finite(logits)) return non_finite_logits(model, pos);
    nll += negative_log_likelihood(logits, ids[pos + 1]);
  }
  return finish_score(nll, n);
}

Result<LogitAgreement> compare_on_sequence(LlamaRunner& a, LlamaRunner& b,
                                           std::span<const int> ids,
                                           runtime::HostCluster& cluster) {
  LogitAgreement out;
  double nll_a = 0.0, nll_b = 0.0, abs_sum = 0.0;
  long logit_count = 0;
  int agree = 0;
  const int n = static_cast<int>(ids.size()) - 1;
  for (int pos = 0; pos < n; ++pos) {
    const std::span<const float> la = a.forward(ids[pos], pos, cluster);
    if (!all_finite(la)) return non_finite_logits(a, pos);
    const std::span<const float> lb = b.forward(ids[pos], pos, cluster);
    if (!all_finite(lb)) return non_finite_logits(b, pos);
    nll_a += negative_log_likelihood(la, ids[pos + 1]);
    nll_b += negative_log_likelihood(lb, ids[pos + 1]);
    agree += argmax(la) == argmax(lb) ? 1 : 0;
    for (std::size_t i = 0; i < la.size(); ++i) {
      const double delta = std::fabs(static_cast<double>(la[i]) - lb[i]);
      abs_sum += delta;
      out.max_abs_delta = std::max(out.max_abs_delta, delta);
      ++logit_count;
    }
  }
  out.score_a = finish_score(nll_a, n);
  out.score_b = finish_score(nll_b, n);
  out.top1_agreement = static_cast<double>(agree) / n;
  out.mean_abs_delta = abs_sum / static_cast<double>(logit_count);
  return out;
}

}  // namespace bfedge::models
