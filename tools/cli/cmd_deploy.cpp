// bfedge deploy MODEL --target FILE [--l1 --l2 --l3 --cores] [--out DIR]: the deploy compiler.
// It reads the model into its BF16 graph, plans its L1 tiles (deploy/tile_plan.hpp), prepares the
// graph for the MCU's kernels, plans its memory on the target's levels with the constants in the
// layouts those kernels read (deploy/level_plan.hpp) and prints the footprint table; with --out it
// writes the emitted project (deploy/emit_project.hpp) with embedded test inputs
// (deploy_inputs.hpp), DIR/plan.json and DIR/target.json. A model that does not fit, or
// inputs that do not suit it, fail with one line before anything is written.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "bfedge/core/byte_size.hpp"
#include "bfedge/deploy/deploy_model.hpp"
#include "bfedge/deploy/emit_project.hpp"
#include "bfedge/deploy/level_plan.hpp"
#include "bfedge/deploy/target.hpp"
#include "bfedge/deploy/tile_plan.hpp"
#include "bfedge/graph/summary.hpp"
#include "bfedge/io/file.hpp"
#include "cli_common.hpp"
#include "commands.hpp"
#include "deploy_inputs.hpp"

namespace bfedge::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

struct DeployOptions {
  std::string model;
  std::string target = "gap9-like";
  std::optional<std::int64_t> l1, l2, l3;
  std::optional<int> cores;
  deploy::DeployModelOptions model_options;
  std::string out;
  bool json = false;
  DeployInputOptions inputs;
  std::string prompt_ids = "1";
};

// "1,17,42" → ids.
Result<std::vector<int>> parse_ids(const std::string& text) {
  std::vector<int> ids;
  std::size_t at = 0;
  while (at <= text.size()) {
    const std::size_t comma = std::min(text.find(',', at), text.size());
    Result<int> id = parse_integer<int>("--prompt-ids", text.substr(at, comma - at), 0, 1 << 30);
    if (!id.is_ok()) return id.status();
    ids.push_back(id.value());
    at = comma + 1;
  }
  return ids;
}

// "gap9-like" is the shipped default; anything else is a target description file.
Result<deploy::McuTarget> resolve_target(const DeployOptions& o) {
  deploy::McuTarget t = deploy::gap9_like_target();
  if (o.target != "gap9-like") {
    Result<deploy::McuTarget> loaded = deploy::load_target(o.target);
    if (!loaded.is_ok()) return loaded.status();
    t = loaded.value();
  }
  if (o.l1) t.l1.bytes = *o.l1;
  if (o.l2) t.l2.bytes = *o.l2;
  if (o.l3) t.l3.bytes = *o.l3;
  if (o.cores) t.cores = *o.cores;
  BFEDGE_RETURN_IF_ERROR(deploy::validate_target(t, o.target + " with the command line's sizes"));
  return t;
}

ordered_json named_bytes_json(const std::vector<deploy::NamedBytes>& list) {
  ordered_json j = ordered_json::array();
  for (const deploy::NamedBytes& n : list) j.push_back({{"name", n.name}, {"bytes", n.bytes}});
  return j;
}

ordered_json plan_json(const deploy::DeployModel& m, const deploy::McuTarget& t, const deploy::LevelPlan& p,
                       std::int64_t macs) {
  ordered_json j;
  j["model"] = m.path;
  j["family"] = deploy::model_family_name(m.family);
  if (m.family == deploy::ModelFamily::llama) j["positions"] = m.sequence;
  if (m.family == deploy::ModelFamily::mobilebert) j["seq_len"] = m.sequence;
  j["target"] = t.name;
  j["cores"] = t.cores;
  j["stages_done"] = {"memory plan"};  // tiling and code generation come next (docs/deploy.md)
  j["levels"] = ordered_json::array();
  for (const deploy::LevelUse* use : {&p.l1, &p.l2, &p.l3}) {
    ordered_json items = ordered_json::array();
    for (const deploy::LevelItem& item : use->items) items.push_back({{"name", item.name}, {"bytes", item.bytes}});
    j["levels"].push_back({{"level", deploy::memory_level_name(use->level)},
                           {"capacity_bytes", use->capacity},
                           {"used_bytes", use->used()},
                           {"items", items}});
  }
  j["weights_level"] = deploy::memory_level_name(p.weights_level);
  j["activations_level"] = deploy::memory_level_name(p.activations_level);
  j["weight_bytes"] = p.weight_bytes;
  j["placed_weight_bytes"] = p.placed_weight_bytes;  // in the layouts the MCU's kernels read
  j["activation_arena_bytes"] = p.arena.arena_bytes;
  j["activation_bytes_without_reuse"] = p.arena.activation_bytes;
  j["kv_cache_bytes"] = p.state_bytes;
  j["macs"] = macs;
  j["activation_peak"] = {{"node", m.graph.node(p.peak_node).name},
                          {"live_bytes", p.peak_live_bytes},
                          {"tensors", named_bytes_json(p.at_peak)}};
  j["weights_by_component"] = named_bytes_json(p.weight_components);
  return j;
}

// printf into a string.
template <class... Args>
void appendf(std::string& text, const char* format, Args... args) {
  const int n = std::snprintf(nullptr, 0, format, args...);
  std::string part(static_cast<std::size_t>(n) + 1, '\0');
  std::snprintf(part.data(), part.size(), format, args...);
  text.append(part.data(), static_cast<std::size_t>(n));
}

std::string plan_text_table(const deploy::DeployModel& m, const deploy::McuTarget& t, const deploy::LevelPlan& p,
                std::int64_t macs) {
  std::string text;
  std::string what = deploy::model_family_name(m.family);
  if (m.family == deploy::ModelFamily::llama) what += ", KV cache of " + std::to_string(m.sequence) + " positions";
  if (m.family == deploy::ModelFamily::mobilebert) what += ", " + std::to_string(m.sequence) + " tokens";
  appendf(text, "%s (%s) on %s: %d cores at %.0f MHz\n\n", m.path.c_str(), what.c_str(), t.name.c_str(), t.cores,
              t.clock_hz / 1e6);
  appendf(text, "%-5s %12s %12s %12s  %s\n", "level", "capacity", "used", "free", "contents");
  for (const deploy::LevelUse* use : {&p.l1, &p.l2, &p.l3}) {
    std::string contents;
    for (const deploy::LevelItem& item : use->items) {
      contents += (contents.empty() ? "" : ", ") + item.name + " " + binary_size_text(item.bytes);
    }
    if (use->level == deploy::MemoryLevel::l1 && p.l1_tile_bytes == 0) contents += " (no node streams through L1 yet)";
    appendf(text, "%-5s %12s %12s %12s  %s\n", deploy::memory_level_name(use->level), binary_size_text(use->capacity).c_str(),
                binary_size_text(use->used()).c_str(), binary_size_text(use->capacity - use->used()).c_str(),
                contents.empty() ? "-" : contents.c_str());
  }
  appendf(text, "\nweights: %s as stored, %s as the MCU's kernels read them, in %s", with_commas(p.weight_bytes).c_str(),
          with_commas(p.placed_weight_bytes).c_str(), deploy::memory_level_name(p.weights_level));
  std::string components;
  for (const deploy::NamedBytes& c : p.weight_components) {
    components += (components.empty() ? "" : ", ") + c.name + " " + binary_size_text(c.bytes);
  }
  appendf(text, " (%s)\n", components.c_str());
  appendf(text, "activations: arena %s in %s (%s without reuse); the peak, %s live, is at node %s:\n",
              with_commas(p.arena.arena_bytes).c_str(), deploy::memory_level_name(p.activations_level), with_commas(p.arena.activation_bytes).c_str(),
              with_commas(p.peak_live_bytes).c_str(), m.graph.node(p.peak_node).name.c_str());
  for (const deploy::NamedBytes& tensor : p.at_peak) {
    appendf(text, "  %-40s %12s\n", tensor.name.c_str(), with_commas(tensor.bytes).c_str());
  }
  appendf(text, "KV cache: %s\nMACs per inference: %s\n", with_commas(p.state_bytes).c_str(), with_commas(macs).c_str());
  return text;
}

// Prepares the graph for the MCU's kernels (consuming it) and writes the project, the plan and the target.
Status write_outputs(const DeployOptions& o, const exec::PreparedGraph& prepared, const deploy::EmitRequest& request,
                     const std::string& plan_text, const deploy::McuTarget& t) {
  std::error_code ec;
  fs::create_directories(o.out, ec);
  if (ec) return io_error(o.out + ": cannot create the folder (" + ec.message() + ")");
  BFEDGE_RETURN_IF_ERROR(deploy::emit_project(prepared, request, o.out));
  const std::string target_text = deploy::target_json(t);
  BFEDGE_RETURN_IF_ERROR(io::write_file_atomically(o.out + "/target.json", target_text.data(), target_text.size()));
  return io::write_file_atomically(o.out + "/plan.json", plan_text.data(), plan_text.size());
}

int run_deploy(const DeployOptions& o) {
  if (o.target.empty()) return report_error("--target: empty (a target description file, or gap9-like)", kExitUsageError);
  Result<deploy::McuTarget> target = resolve_target(o);
  if (!target.is_ok()) return report_error(target.status());
  Result<deploy::DeployModel> model = deploy::load_deploy_model(o.model, o.model_options);
  if (!model.is_ok()) return report_error(model.status());
  deploy::DeployModel& m = model.value();
  Result<deploy::TilePlan> tiles = deploy::plan_tiles(m.graph, target.value());
  if (!tiles.is_ok()) return report_error(o.model + " on " + target.value().name + ": " + tiles.status().message());
  // The graph prepared for the MCU's kernels (a copy: the graph shares its weights): the layouts
  // those kernels read are the constant bytes the levels hold.
  Result<exec::PreparedGraph> prepared = exec::PreparedGraph::prepare(m.graph, kernels::kRv32Imafc, target.value().cores);
  if (!prepared.is_ok()) return report_error(o.model + ": " + prepared.status().message());
  Result<deploy::LevelPlan> plan = deploy::plan_levels(m.graph, target.value(), tiles.value().l1_bytes,
                                                       deploy::emitted_constant_bytes(prepared.value()));
  if (!plan.is_ok()) return report_error(o.model + " on " + target.value().name + ": " + plan.status().message());
  const int position = m.family == deploy::ModelFamily::llama ? m.sequence - 1 : 0;
  const std::int64_t macs = graph::summarize(m.graph, position).macs;
  const std::string plan_text = plan_json(m, target.value(), plan.value(), macs).dump(2) + "\n";
  // Printed after everything is written, so that a failure leaves nothing on stdout.
  std::string shown = o.json ? plan_text : plan_text_table(m, target.value(), plan.value(), macs);
  if (!o.out.empty()) {
    deploy::EmitRequest request;
    request.model = o.model, request.target = target.value().name;
    request.bfedge_root = BFEDGE_SOURCE_ROOT;
    request.weights_in_l2 = plan.value().weights_level == deploy::MemoryLevel::l2;
    request.activations_in_l1 = plan.value().activations_level == deploy::MemoryLevel::l1;
    request.tiles = tiles.value();
    DeployInputOptions inputs = o.inputs;
    Result<std::vector<int>> ids = parse_ids(o.prompt_ids);
    if (!ids.is_ok()) return report_error(ids.status());
    inputs.prompt_ids = ids.value();
    if (Status s = fill_deploy_inputs(m, inputs, request); !s.is_ok()) return report_error(s);
    if (Status s = write_outputs(o, prepared.value(), request, plan_text, target.value()); !s.is_ok()) return report_error(s);
    if (!o.json) {
      appendf(shown, "\nwrote %s: the emitted project (build: cmake -S %s -B %s/build && cmake --build %s/build), "
              "plan.json, target.json\n", o.out.c_str(), o.out.c_str(), o.out.c_str(), o.out.c_str());
    }
  }
  std::fputs(shown.c_str(), stdout);
  return 0;
}

CLI::Option* add_size_option(CLI::App& cmd, const std::string& name, std::optional<std::int64_t>& target,
                             const std::string& help) {
  return cmd
      .add_option_function<std::string>(
          name,
          [&target, name](const std::string& text) {
            const std::optional<std::int64_t> bytes = parse_byte_size(text);
            if (!bytes || *bytes <= 0) {
              throw CLI::ValidationError(name + " '" + text + "' is not a size (bytes, or with kB, MB, KiB, MiB)");
            }
            target = *bytes;
          },
          help)
      ->type_name("SIZE");
}

}  // namespace

Command add_deploy_command(CLI::App& app) {
  auto o = std::make_shared<DeployOptions>();
  CLI::App* cmd = app.add_subcommand(
      "deploy", "Plan a model on an MCU: its memory per level (L1/L2/L3), or one line saying why it does not fit");
  cmd->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  cmd->add_option("model", o->model, "llama2.c checkpoint (.bin), MobileBERT folder (HF) or TinyViT folder (timm)")->required();
  cmd->add_option("--target", o->target, "target description (JSON, docs/deploy.md) or gap9-like, the shipped default")
      ->default_str("gap9-like");
  add_size_option(*cmd, "--l1", o->l1, "override the target's L1 size (e.g. 64KiB)");
  add_size_option(*cmd, "--l2", o->l2, "override the target's L2 size (e.g. 1.5MiB)");
  add_size_option(*cmd, "--l3", o->l3, "override the target's L3 size (e.g. 8MiB)");
  add_optional_int_option(*cmd, "--cores", o->cores, 1, 64, "override the target's core count", "1..64");
  add_optional_int_option(*cmd, "--positions", o->model_options.positions, 1, 1 << 20,
                          "llama2.c: KV cache positions (default: the model's seq_len)", "1..seq_len");
  add_optional_int_option(*cmd, "--seq-len", o->model_options.seq_len, 1, 1 << 20,
                          "MobileBERT: tokens per sequence (default: max_position_embeddings)", "1..max_position_embeddings");
  cmd->add_option("--out", o->out, "write the plan (plan.json) and the target (target.json) into this folder");
  cmd->add_flag("--json", o->json, "print the plan as one JSON object");
  cmd->add_option("--prompt-ids", o->prompt_ids, "llama2.c, with --out: the prompt's token ids, comma-separated")
      ->default_str("1");
  add_optional_int_option(*cmd, "--steps", o->inputs.steps, 1, 1 << 20,
                          "llama2.c, with --out: positions to generate, prompt included (default: 64 or fewer)", "1..positions");
  cmd->add_option("--text", o->inputs.texts, "MobileBERT, with --out: a text to embed (repeat for more)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--data", o->inputs.data, "TinyViT, with --out: cifar10, fashion-mnist or a path (default: by the model's channels)");
  add_integer_option(*cmd, "--examples", o->inputs.examples, 1, 10000, "TinyViT, with --out: the first test images to embed")
      ->default_str("4");
  return {cmd, [o] { return run_deploy(*o); }};
}

}  // namespace bfedge::cli
