// bfedge perplexity: teacher-forced scoring of a token id sequence, optionally comparing dtypes.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "bfedge/io/token_ids.hpp"
#include "bfedge/models/generate.hpp"
#include "cli_common.hpp"
#include "commands.hpp"

namespace bfedge::cli {
namespace {

struct PerplexityOptions {
  ModelOptions model;
  std::string ids;
  std::optional<std::string> compare;
  bool json = false;
};

nlohmann::ordered_json score_json(Dtype dtype, const models::SequenceScore& s) {
  return {{"dtype", dtype_name(dtype)}, {"perplexity", s.perplexity}, {"mean_nll", s.mean_nll}};
}

int run_perplexity(const PerplexityOptions& o) {
  std::optional<Dtype> compare;
  if (o.compare) {
    Result<Dtype> parsed = parse_dtype(*o.compare);
    if (!parsed.is_ok())
      return report_error("--compare: " + parsed.status().message(), kExitUsageError);
    compare = parsed.value();
  }
  if (Status s = check_file_name("--ids", o.ids); !s.is_ok()) return report_error(s);
  Result<LoadedModel> loaded = load_model(o.model);
  if (!loaded.is_ok()) return report_error(loaded.status());
  LoadedModel& m = loaded.value();
  const models::LlamaConfig& config = m.runner.config();
  Result<std::vector<int>> ids = io::read_token_ids(o.ids);
  if (!ids.is_ok()) return report_error(ids.status());
  if (Status s = models::validate_scoring_ids(config, ids.value(), o.ids); !s.is_ok()) {
    return report_error(s);
  }

  runtime::HostCluster cluster(o.model.threads);
  nlohmann::ordered_json j;
  j["model"] = o.model.model;
  j["ids"] = o.ids;
  j["scored_tokens"] = static_cast<int>(ids.value().size()) - 1;
  if (!compare) {
    const Result<models::SequenceScore> s = models::score_sequence(m.runner, ids.value(), cluster);
    if (!s.is_ok()) return report_error(o.model.model + ": " + s.status().message());
    j["result"] = score_json(m.dtype, s.value());
  } else {
    Result<models::LlamaRunner> other = models::load_llama_runner(o.model.model, *compare, m.isa_cap, o.model.threads);
    if (!other.is_ok()) return report_error(other.status());
    const Result<models::LogitAgreement> compared =
        models::compare_on_sequence(m.runner, other.value(), ids.value(), cluster);
    if (!compared.is_ok()) return report_error(o.model.model + ": " + compared.status().message());
    const models::LogitAgreement& a = compared.value();
    j["result"] = score_json(m.dtype, a.score_a);
    j["compare"] = score_json(*compare, a.score_b);
    j["perplexity_relative_diff"] = a.score_a.perplexity / a.score_b.perplexity - 1.0;
    j["top1_agreement"] = a.top1_agreement;
    j["mean_abs_logit_delta"] = a.mean_abs_delta;
    j["max_abs_logit_delta"] = a.max_abs_delta;
  }
  if (o.json) {
    std::printf("%s\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return 0;
  }
  std::printf("scored tokens        %d (teacher-forced on %s)\n", j["scored_tokens"].get<int>(),
              o.ids.c_str());
  std::printf("perplexity %-9s %.6f\n", dtype_name(m.dtype),
              j["result"]["perplexity"].get<double>());
  if (compare) {
    std::printf("perplexity %-9s %.6f\n", dtype_name(*compare),
                j["compare"]["perplexity"].get<double>());
    std::printf("relative difference  %+.4f %%\n",
                100.0 * j["perplexity_relative_diff"].get<double>());
    std::printf("top-1 agreement      %.2f %%\n", 100.0 * j["top1_agreement"].get<double>());
    std::printf("|delta logit|        mean %.6f, max %.6f\n",
                j["mean_abs_logit_delta"].get<double>(), j["max_abs_logit_delta"].get<double>());
  }
  return 0;
}

}  // namespace

Command add_perplexity_command(CLI::App& app) {
  auto options = std::make_shared<PerplexityOptions>();
  CLI::App* cmd = app.add_subcommand("perplexity", "Teacher-forced perplexity of a token sequence");
  cmd->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);  // last wins
  add_model_options(*cmd, options->model);
  cmd->add_option("--ids", options->ids, "whitespace-separated token ids")->required();
  cmd->add_option("--compare", options->compare, "also run this dtype and compare logits");
  cmd->add_flag("--json", options->json, "print one JSON object");
  return {cmd, [options] { return run_perplexity(*options); }};
}

}  // namespace bfedge::cli
