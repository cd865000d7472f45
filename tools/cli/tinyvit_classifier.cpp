// The TinyViT classifiers of classify / eval: FP32 reference, BF16 graph (a runner per batch
// size, the last batch of a dataset being smaller) and libtorch.
#include "tinyvit_classifier.hpp"

#include <algorithm>
#include <map>
#include <new>
#include <nlohmann/json.hpp>
#include <thread>

#include "bfedge/io/file.hpp"
#include "bfedge/kernels/host_isa.hpp"
#include "bfedge/models/tinyvit_bf16.hpp"
#include "bfedge/runtime/cluster.hpp"
#include "torch_component.hpp"

namespace bfedge::cli {
namespace {

std::size_t image_floats(const models::TinyVitConfig& c) {
  return static_cast<std::size_t>(c.image_height) * static_cast<std::size_t>(c.image_width) *
         static_cast<std::size_t>(c.in_chans);
}

// models::tinyvit_forward_f32 with the batch's images split over threads (images are
// independent, so the outputs do not depend on the thread count).
class TinyVitF32Classifier final : public ImageClassifier {
 public:
  TinyVitF32Classifier(models::TinyVitModel model, int threads)
      : model_(std::move(model)), threads_(threads) {}
  const models::TinyVitConfig& config() const override { return model_.config; }
  std::string name() const override { return "bfedge f32"; }

  Result<models::TinyVitOutputs> forward(const std::vector<float>& images, int batch,
                                         bool keep) const override {
    const int parts = std::clamp(threads_, 1, std::max(batch, 1));
    if (parts == 1)
      return models::tinyvit_forward_f32(model_.config, model_.weights, images, batch, keep);
    std::vector<models::TinyVitOutputs> parts_out(static_cast<std::size_t>(parts));
    std::vector<Status> statuses(static_cast<std::size_t>(parts));
    {
      std::vector<std::jthread> workers;
      for (int p = 0; p < parts; ++p) {
        workers.emplace_back([this, &images, &parts_out, &statuses, p, parts, batch, keep] {
          const int first = batch * p / parts, last = batch * (p + 1) / parts;
          const auto i = static_cast<std::size_t>(p);
          const std::size_t size = image_floats(model_.config);
          try {
            const std::vector<float> part(
                images.begin() + static_cast<std::ptrdiff_t>(first * size),
                images.begin() + static_cast<std::ptrdiff_t>(last * size));
            auto r = models::tinyvit_forward_f32(model_.config, model_.weights, part, last - first,
                                                 keep);
            if (r.is_ok()) {
              parts_out[i] = std::move(r.value());
            } else {
              statuses[i] = r.status();
            }
          } catch (const std::bad_alloc&) {  // an exception must not leave a thread
            statuses[i] = io_error("out of memory");
          }
        });
      }
    }
    models::TinyVitOutputs all;  // the parts' images, in order
    for (std::size_t i = 0; i < parts_out.size(); ++i) {
      if (!statuses[i].is_ok()) return statuses[i];
      models::TinyVitOutputs& part = parts_out[i];
      all.logits.insert(all.logits.end(), part.logits.begin(), part.logits.end());
      all.hidden_names = part.hidden_names;
      all.hidden_states.resize(part.hidden_states.size());
      for (std::size_t l = 0; l < part.hidden_states.size(); ++l) {
        all.hidden_states[l].insert(all.hidden_states[l].end(), part.hidden_states[l].begin(),
                                    part.hidden_states[l].end());
      }
    }
    return all;
  }

 private:
  models::TinyVitModel model_;
  int threads_;
};

// models::TinyVitBf16, prepared once per (batch size, hidden states kept) it meets.
class TinyVitBf16Classifier final : public ImageClassifier {
 public:
  TinyVitBf16Classifier(models::TinyVitModel model, int threads)
      : model_(std::move(model)), threads_(threads), cluster_(threads) {}
  const models::TinyVitConfig& config() const override { return model_.config; }
  std::string name() const override { return "bfedge bf16"; }

  Result<models::TinyVitOutputs> forward(const std::vector<float>& images, int batch,
                                         bool keep) const override {
    if (images.size() != image_floats(model_.config) * static_cast<std::size_t>(batch)) {
      return invalid_argument("bf16 forward: " + std::to_string(images.size()) + " floats for " +
                              std::to_string(batch) + " images");
    }
    auto runner = runner_for(batch, keep);
    if (!runner.is_ok()) return runner.status();
    models::TinyVitBf16& m = *runner.value();
    BFEDGE_RETURN_IF_ERROR(m.forward(images.data(), cluster_));
    models::TinyVitOutputs out;
    const auto logits = m.logits();
    out.logits.assign(logits.begin(), logits.end());
    if (keep) {
      for (int i = 0; i < m.hidden_state_count(); ++i) {
        out.hidden_names.push_back(m.hidden_state_name(i));
        std::vector<float>& dst = out.hidden_states.emplace_back();
        for (const bf16 v : m.hidden_state(i)) dst.push_back(to_f32(v));
      }
    }
    return out;
  }

 private:
  Result<models::TinyVitBf16*> runner_for(int batch, bool keep) const {
    const auto it = runners_.find({batch, keep});
    if (it != runners_.end()) return it->second.get();
    Result<kernels::Isa> cap = kernels::host_isa_cap();
    if (!cap.is_ok()) return cap.status();
    auto made = models::TinyVitBf16::create(model_.config, model_.weights, batch, cap.value(),
                                            threads_, keep);
    if (!made.is_ok()) return made.status();
    auto& slot = runners_[{batch, keep}];
    slot = std::make_unique<models::TinyVitBf16>(std::move(made).value());
    return slot.get();
  }

  models::TinyVitModel model_;
  int threads_;
  mutable runtime::HostCluster cluster_;
  mutable std::map<std::pair<int, bool>, std::unique_ptr<models::TinyVitBf16>> runners_;
};

class TorchTinyVitClassifier final : public ImageClassifier {
 public:
  TorchTinyVitClassifier(torch_component::TorchTinyVit model, models::TinyVitConfig config,
                         Dtype dtype)
      : model_(std::move(model)), config_(std::move(config)), dtype_(dtype) {}
  const models::TinyVitConfig& config() const override { return config_; }
  std::string name() const override { return std::string("libtorch ") + dtype_name(dtype_); }
  Result<models::TinyVitOutputs> forward(const std::vector<float>& images, int batch,
                                         bool keep) const override {
    models::TinyVitOutputs out;
    BFEDGE_RETURN_IF_ERROR(model_.forward(images.data(), batch, dtype_ == Dtype::bf16, keep, out));
    return out;
  }

 private:
  mutable torch_component::TorchTinyVit model_;
  models::TinyVitConfig config_;
  Dtype dtype_;
};

}  // namespace

bool is_tinyvit_dir(const std::string& dir) {
  auto bytes = io::read_file(dir + "/config.json", std::uint64_t{1} << 20);
  if (!bytes.is_ok()) return false;
  const auto* text = reinterpret_cast<const char*>(bytes.value().data());
  const auto json =
      nlohmann::json::parse(text, text + bytes.value().size(), nullptr, /*allow_exceptions=*/false);
  if (!json.is_object() || !json.contains("architecture") || !json["architecture"].is_string())
    return false;
  return json["architecture"].get<std::string>().starts_with("tiny_vit");
}

std::unique_ptr<ImageClassifier> make_tinyvit_classifier(models::TinyVitModel model, Dtype dtype,
                                                         int threads) {
  if (dtype == Dtype::bf16)
    return std::make_unique<TinyVitBf16Classifier>(std::move(model), threads);
  return std::make_unique<TinyVitF32Classifier>(std::move(model), threads);
}

Result<std::unique_ptr<ImageClassifier>> load_tinyvit_classifier(const std::string& dir,
                                                                 Dtype dtype, int threads) {
  Result<models::TinyVitModel> model = models::load_tinyvit(dir);
  if (!model.is_ok()) return model.status();
  return make_tinyvit_classifier(std::move(model).value(), dtype, threads);
}

Result<std::unique_ptr<ImageClassifier>> load_torch_tinyvit_classifier(const std::string& dir,
                                                                       Dtype dtype, int threads) {
  auto config = models::load_tinyvit_config(dir + "/config.json");
  if (!config.is_ok()) return config.status();
  auto model = torch_component::TorchTinyVit::load(dir, threads);
  if (!model.is_ok()) return model.status();
  return std::unique_ptr<ImageClassifier>(std::make_unique<TorchTinyVitClassifier>(
      std::move(model).value(), std::move(config).value(), dtype));
}

io::ChannelStats channel_stats_of(const models::TinyVitConfig& config) {
  io::ChannelStats stats;
  stats.channels = config.in_chans;
  for (int c = 0; c < config.in_chans && c < 4; ++c) {
    const auto i = static_cast<std::size_t>(c);
    stats.mean[i] = i < config.mean.size() ? config.mean[i] : 0.0;
    stats.stddev[i] = i < config.std.size() ? config.std[i] : 1.0;
  }
  return stats;
}

std::vector<std::string> class_names_of(const models::TinyVitConfig& config) {
  if (!config.label_names.empty()) return config.label_names;
  std::vector<std::string> names;
  for (int i = 0; i < config.num_classes; ++i) names.push_back(std::to_string(i));
  return names;
}

}  // namespace bfedge::cli
