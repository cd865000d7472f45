// The BF16 MobileBERT classifier of classify / eval (models::MobileBertBf16 runners per shape) and
// the libtorch one of eval --compare torch.
#include <algorithm>
#include <list>

#include "bfedge/kernels/host_isa.hpp"
#include "bfedge/models/mobilebert_bf16.hpp"
#include "bfedge/runtime/cluster.hpp"
#include "mobilebert_classifier.hpp"
#include "torch_component.hpp"

namespace bfedge::cli {
namespace {

constexpr int kLengthStep = 16;
constexpr std::size_t kKeptRunners = 4;

class MobileBertBf16Classifier final : public MobileBertClassifier {
 public:
  MobileBertBf16Classifier(models::MobileBertModel model, int threads)
      : model_(std::move(model)), threads_(threads), cluster_(threads) {
    const auto& c = model_.config;
    pad_row_is_zero_ = c.pad_token_id >= 0;
    for (int e = 0; pad_row_is_zero_ && e < c.embedding_size; ++e) {
      pad_row_is_zero_ = model_.weights.word_embeddings[static_cast<std::size_t>(c.pad_token_id) * c.embedding_size + e] == 0.0f;
    }
  }

  const models::MobileBertConfig& config() const override { return model_.config; }
  Dtype dtype() const override { return Dtype::bf16; }
  std::string name() const override { return "bfedge bf16"; }

  Result<models::MobileBertOutputs> forward(const models::MobileBertInputs& in, bool keep_hidden) const override {
    const int rows = in.batch;
    int length = in.seq;
    if (pad_row_is_zero_) {
      length = std::min(model_.config.max_position_embeddings, (in.seq + kLengthStep - 1) / kLengthStep * kLengthStep);
    }
    auto runner = runner_for(rows, length, keep_hidden);
    if (!runner.is_ok()) return runner.status();
    // The batch at (rows, length): real tokens, then [PAD] with mask 0.
    const int pad = std::max(model_.config.pad_token_id, 0);
    const auto cells = static_cast<std::size_t>(rows) * static_cast<std::size_t>(length);
    ids_.assign(cells, pad);
    mask_.assign(cells, 0);
    types_.assign(cells, 0);
    for (int r = 0; r < in.batch; ++r) {
      for (int t = 0; t < in.seq; ++t) {
        const std::size_t from = static_cast<std::size_t>(r) * in.seq + t, to = static_cast<std::size_t>(r) * length + t;
        ids_[to] = in.input_ids[from];
        mask_[to] = in.attention_mask.empty() ? 1 : in.attention_mask[from];
        types_[to] = in.token_type_ids.empty() ? 0 : in.token_type_ids[from];
      }
    }
    models::MobileBertBf16& m = *runner.value();
    BFEDGE_RETURN_IF_ERROR(m.forward({ids_, mask_, types_, rows, length}, cluster_));
    models::MobileBertOutputs out;
    const auto labels = static_cast<std::size_t>(model_.config.num_labels);
    const auto logits = m.logits();
    out.logits.assign(logits.begin(), logits.begin() + static_cast<std::ptrdiff_t>(labels * in.batch));
    if (keep_hidden) {
      const auto hidden = static_cast<std::size_t>(model_.config.hidden_size);
      for (int l = 0; l < m.hidden_state_count(); ++l) {
        const auto h = m.hidden_state(l);
        std::vector<float>& dst = out.hidden_states.emplace_back();
        dst.reserve(static_cast<std::size_t>(in.batch) * in.seq * hidden);
        for (int r = 0; r < in.batch; ++r) {
          for (int t = 0; t < in.seq; ++t) {
            const std::size_t base = (static_cast<std::size_t>(r) * length + t) * hidden;
            for (std::size_t k = 0; k < hidden; ++k) dst.push_back(to_f32(h[base + k]));
          }
        }
      }
    }
    return out;
  }

 private:
  struct Entry {
    int rows, length;
    bool hidden;
    std::unique_ptr<models::MobileBertBf16> runner;
  };

  Result<models::MobileBertBf16*> runner_for(int rows, int length, bool hidden) const {
    for (auto it = runners_.begin(); it != runners_.end(); ++it) {
      if (it->rows == rows && it->length == length && (it->hidden || !hidden)) {
        runners_.splice(runners_.begin(), runners_, it);  // most recent first
        return runners_.front().runner.get();
      }
    }
    Result<kernels::Isa> cap = kernels::host_isa_cap();
    if (!cap.is_ok()) return cap.status();
    auto made = models::MobileBertBf16::create(model_.config, model_.weights, rows, length, cap.value(), threads_, hidden);
    if (!made.is_ok()) return made.status();
    runners_.push_front({rows, length, hidden, std::make_unique<models::MobileBertBf16>(std::move(made).value())});
    if (runners_.size() > kKeptRunners) runners_.pop_back();
    return runners_.front().runner.get();
  }

  models::MobileBertModel model_;
  int threads_;
  bool pad_row_is_zero_ = false;
  mutable runtime::HostCluster cluster_;
  mutable std::list<Entry> runners_;
  mutable std::vector<int> ids_, mask_, types_;
};

// libtorch FP32 or BF16 (the module cast to bfloat16) through libbfedge_torch.so.
class TorchClassifier final : public MobileBertClassifier {
 public:
  TorchClassifier(torch_component::TorchMobileBert model, models::MobileBertConfig config, Dtype dtype)
      : model_(std::move(model)), config_(std::move(config)), dtype_(dtype) {}
  const models::MobileBertConfig& config() const override { return config_; }
  Dtype dtype() const override { return dtype_; }
  std::string name() const override { return std::string("libtorch ") + dtype_name(dtype_); }
  Result<models::MobileBertOutputs> forward(const models::MobileBertInputs& in, bool keep_hidden) const override {
    models::MobileBertOutputs out;
    BFEDGE_RETURN_IF_ERROR(model_.forward(in, dtype_ == Dtype::bf16, keep_hidden, out));
    return out;
  }

 private:
  mutable torch_component::TorchMobileBert model_;
  models::MobileBertConfig config_;
  Dtype dtype_;
};

}  // namespace

std::unique_ptr<MobileBertClassifier> make_bf16_classifier(models::MobileBertModel model, int threads) {
  return std::make_unique<MobileBertBf16Classifier>(std::move(model), threads);
}

Result<std::unique_ptr<MobileBertClassifier>> load_torch_classifier(const std::string& dir, Dtype dtype, int threads) {
  auto config = models::load_mobilebert_config(dir + "/config.json");
  if (!config.is_ok()) return config.status();
  auto model = torch_component::TorchMobileBert::load(dir, threads);
  if (!model.is_ok()) return model.status();
  return std::unique_ptr<MobileBertClassifier>(
      std::make_unique<TorchClassifier>(std::move(model).value(), std::move(config).value(), dtype));
}

}  // namespace bfedge::cli
