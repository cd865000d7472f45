// write_prune_results, read_prune_summary, print_prune_summary (prune_summary.hpp).
#include "prune_summary.hpp"

#include "prune_profile.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "bfedge/io/file.hpp"
#include "cli_common.hpp"
#include "inspect_graph.hpp"
#include "prune_profile.hpp"

namespace bfedge::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

// inspect's footprint fields, then the weights per component.
ordered_json footprint_detail(const deploy::Footprint& f) {
  ordered_json j = footprint_json(f);
  ordered_json components = ordered_json::object();
  for (const deploy::ComponentBytes& c : f.components) components[c.name] = c.weight_bytes;
  j["components"] = components;
  return j;
}

// Copies the model files of `from` into `to` (replaced whole: written beside it, then renamed).
Status export_checkpoint(const fs::path& from, const fs::path& to) {
  const fs::path staging = to.string() + ".tmp";
  std::error_code ec;
  fs::remove_all(staging, ec);
  fs::create_directories(staging, ec);
  for (const char* name : {"config.json", "model.safetensors", "vocab.txt"}) {
    if (!fs::exists(from / name)) continue;
    fs::copy_file(from / name, staging / name, fs::copy_options::overwrite_existing, ec);
    if (ec) return io_error((from / name).string() + ": cannot copy to " + staging.string() + " (" + ec.message() + ")");
  }
  fs::remove_all(to, ec);
  fs::rename(staging, to, ec);
  if (ec) return io_error(to.string() + ": cannot replace (" + ec.message() + ")");
  return Status::ok();
}

Result<ordered_json> candidate_json(const prune::PruneModel& model, const prune::CandidateOutcome& c,
                                    const prune::PruneOutcome& out) {
  Result<deploy::Footprint> f = model.footprint(c.point);
  if (!f.is_ok()) return f.status();
  double proxy = 0;
  for (const prune::CandidateOutcome& p : out.proxy) {
    if (p.spec_json == c.spec_json) proxy = p.accuracy;
  }
  const double dense_total = static_cast<double>(out.dense.total_bytes());
  return ordered_json{{"candidate", c.id},
                      {"spec", ordered_json::parse(c.spec_json)},
                      {"accuracy", c.accuracy},
                      {"proxy_accuracy", proxy},
                      {"drop_points", out.dense_final_accuracy - c.accuracy},
                      {"smaller_percent", 100.0 * (1.0 - static_cast<double>(f.value().total_bytes()) / dense_total)},
                      {"footprint", footprint_detail(f.value())}};
}

void print_row(const char* what, const std::string& dense, const std::string& chosen) {
  std::printf("%-26s %18s %18s\n", what, dense.c_str(), chosen.c_str());
}

}  // namespace

std::string percent_text(double accuracy) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f %%", accuracy);
  return text;
}

Result<ordered_json> write_prune_results(const prune::PruneModel& model, const prune::PruneOutcome& out,
                                         const prune::PruneRunOptions& o, const std::string& out_dir) {
  ordered_json j = {{"family", model.family()},
                    {"budget_bytes", o.constraints.budget_bytes},
                    {"max_drop", o.constraints.max_drop},
                    {"proxy_max_drop", o.proxy_max_drop < 0 ? o.constraints.max_drop : o.proxy_max_drop},
                    {"dense",
                     {{"accuracy", out.dense_final_accuracy},
                      {"proxy_accuracy", out.dense_proxy_accuracy},
                      {"footprint", footprint_detail(out.dense)}}},
                    {"proxy_candidates", out.proxy.size()},
                    {"final_candidates", out.finals.size()}};
  int failed = 0;
  double seconds = 0;
  for (const auto* stage : {&out.proxy, &out.finals}) {
    for (const prune::CandidateOutcome& c : *stage) failed += c.failed ? 1 : 0, seconds += c.seconds;
  }
  j["failed_candidates"] = failed;
  j["training_seconds"] = seconds;
  j["profile"] = time_profile(out, out_dir);
  j["chosen"] = nullptr;
  if (out.chosen) {
    Result<ordered_json> chosen = candidate_json(model, *out.chosen, out);
    if (!chosen.is_ok()) return chosen.status();
    const fs::path from = fs::path(out_dir) / "candidates" / std::to_string(out.chosen->id) / "final";
    BFEDGE_RETURN_IF_ERROR(export_checkpoint(from, fs::path(out_dir) / "best"));
    chosen.value()["folder"] = (fs::path(out_dir) / "best").string();
    j["chosen"] = chosen.value();
  }
  j["best_in_budget"] = nullptr;
  if (out.best_in_budget) {
    Result<ordered_json> best = candidate_json(model, *out.best_in_budget, out);
    if (!best.is_ok()) return best.status();
    best.value()["folder"] =
        (fs::path(out_dir) / "candidates" / std::to_string(out.best_in_budget->id) / "final").string();
    j["best_in_budget"] = best.value();
  }
  const std::string text = j.dump(2) + "\n";
  BFEDGE_RETURN_IF_ERROR(io::write_file_atomically((fs::path(out_dir) / "summary.json").string(), text.data(), text.size()));
  return j;
}

Result<ordered_json> read_prune_summary(const std::string& out_dir) {
  const std::string path = (fs::path(out_dir) / "summary.json").string();
  std::ifstream in(path);
  if (!in) {
    return io_error(path + ": no finished search here (rerun the same bfedge prune command to resume one that "
                    "was interrupted)");
  }
  std::stringstream text;
  text << in.rdbuf();
  ordered_json j = ordered_json::parse(text.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("dense")) return format_error(path + ": not a search summary");
  return j;
}

void print_prune_summary(const ordered_json& s) {
  const auto& dense = s["dense"];
  const ordered_json none;
  const ordered_json& chosen = s["chosen"].is_null() ? none : s["chosen"];
  const auto fp = [](const ordered_json& c, const char* key) -> std::string {
    return c.is_null() ? "-" : with_commas(c["footprint"][key].get<std::int64_t>());
  };
  std::printf("%s pruning search: %zu proxy candidates, %zu fine-tuned, %d failed\n", s["family"].get<std::string>().c_str(),
              s["proxy_candidates"].get<std::size_t>(), s["final_candidates"].get<std::size_t>(),
              s["failed_candidates"].get<int>());
  const std::int64_t budget = s["budget_bytes"].get<std::int64_t>();
  std::printf("constraints: %s, accuracy drop <= %.2f points\n\n",
              budget > 0 ? ("total <= " + with_commas(budget) + " bytes").c_str() : "no memory budget",
              s["max_drop"].get<double>());
  print_row("", "dense (teacher)", chosen.is_null() ? "chosen: none" : "chosen");
  print_row("weights (BF16, bytes)", fp(dense, "weight_bytes"), fp(chosen, "weight_bytes"));
  print_row("activation peak (bytes)", fp(dense, "activation_peak_bytes"), fp(chosen, "activation_peak_bytes"));
  print_row("total (bytes)", fp(dense, "total_bytes"), fp(chosen, "total_bytes"));
  print_row("MACs per inference", fp(dense, "macs"), fp(chosen, "macs"));
  print_row("weights in / activations in",
            dense["footprint"]["weights_in"].get<std::string>() + " / " + dense["footprint"]["activations_in"].get<std::string>(),
            chosen.is_null() ? "-"
                             : chosen["footprint"]["weights_in"].get<std::string>() + " / " +
                                   chosen["footprint"]["activations_in"].get<std::string>());
  print_row("accuracy (final data)", percent_text(dense["accuracy"].get<double>()),
            chosen.is_null() ? "-" : percent_text(chosen["accuracy"].get<double>()));
  print_row("accuracy (proxy data)", percent_text(dense["proxy_accuracy"].get<double>()),
            chosen.is_null() ? "-" : percent_text(chosen["proxy_accuracy"].get<double>()));
  if (!chosen.is_null()) {
    char smaller[64];
    std::snprintf(smaller, sizeof smaller, "%.1f %% smaller, %+.2f points", chosen["smaller_percent"].get<double>(),
                  -chosen["drop_points"].get<double>());
    print_row("vs dense", "", smaller);
    std::printf("\nweights per component (bytes)\n");
    for (const auto& [name, bytes] : dense["footprint"]["components"].items()) {
      const auto& c = chosen["footprint"]["components"];
      print_row(name.c_str(), with_commas(bytes.get<std::int64_t>()),
                c.contains(name) ? with_commas(c[name].get<std::int64_t>()) : "-");
    }
    std::printf("\nchosen: %s (candidate %lld %s)\n", chosen["folder"].get<std::string>().c_str(),
                static_cast<long long>(chosen["candidate"].get<std::int64_t>()), chosen["spec"].dump().c_str());
  } else {
    std::printf("\nno fine-tuned candidate met the constraints\n");
  }
  if (!s["best_in_budget"].is_null()) {
    const auto& b = s["best_in_budget"];
    std::printf("most accurate within the budget: %s, %s total (%s)\n", percent_text(b["accuracy"].get<double>()).c_str(),
                prune::human_bytes(static_cast<double>(b["footprint"]["total_bytes"].get<std::int64_t>())).c_str(), b["folder"].get<std::string>().c_str());
  }
  if (s.contains("profile")) print_time_profile(s["profile"]);
}

}  // namespace bfedge::cli
