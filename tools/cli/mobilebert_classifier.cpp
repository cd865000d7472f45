#include "mobilebert_classifier.hpp"

#include <algorithm>
#include <new>
#include <optional>
#include <thread>

namespace bfedge::cli {
namespace {

// models::mobilebert_forward_f32, the FP32 reference, with the batch's rows split over threads.
class MobileBertF32Classifier final : public MobileBertClassifier {
 public:
  MobileBertF32Classifier(models::MobileBertModel model, int threads)
      : model_(std::move(model)), threads_(threads) {}

  const models::MobileBertConfig& config() const override { return model_.config; }
  Dtype dtype() const override { return Dtype::f32; }
  std::string name() const override { return "bfedge f32"; }

  Result<models::MobileBertOutputs> forward(const models::MobileBertInputs& in, bool keep_hidden) const override {
    const int parts = std::clamp(threads_, 1, std::max(in.batch, 1));
    if (parts == 1) return forward_rows(in, keep_hidden);
    // Each part's rows and status apart (an optional<Result<…>> trips GCC 12's maybe-uninitialized).
    std::vector<models::MobileBertOutputs> parts_out(static_cast<std::size_t>(parts));
    std::vector<Status> statuses(static_cast<std::size_t>(parts));
    {
      std::vector<std::jthread> workers;
      for (int p = 0; p < parts; ++p) {
        workers.emplace_back([this, &in, &parts_out, &statuses, p, parts, keep_hidden] {
          const int first = in.batch * p / parts, last = in.batch * (p + 1) / parts;
          const auto i = static_cast<std::size_t>(p);
          try {
            auto r = forward_rows(rows(in, first, last - first), keep_hidden);
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
    models::MobileBertOutputs all;  // the parts' rows, in order
    for (std::size_t i = 0; i < parts_out.size(); ++i) {
      if (!statuses[i].is_ok()) return statuses[i];
      const models::MobileBertOutputs& part = parts_out[i];
      all.logits.insert(all.logits.end(), part.logits.begin(), part.logits.end());
      all.hidden_states.resize(part.hidden_states.size());
      for (std::size_t l = 0; l < part.hidden_states.size(); ++l) {
        all.hidden_states[l].insert(all.hidden_states[l].end(), part.hidden_states[l].begin(),
                                    part.hidden_states[l].end());
      }
    }
    return all;
  }

 private:
  static models::MobileBertInputs rows(const models::MobileBertInputs& in, int first, int count) {
    const auto offset = static_cast<std::size_t>(first) * static_cast<std::size_t>(in.seq);
    const auto size = static_cast<std::size_t>(count) * static_cast<std::size_t>(in.seq);
    const auto slice = [&](std::span<const int> s) { return s.empty() ? s : s.subspan(offset, size); };
    return {slice(in.input_ids), slice(in.attention_mask), slice(in.token_type_ids), count, in.seq};
  }

  Result<models::MobileBertOutputs> forward_rows(const models::MobileBertInputs& in, bool keep_hidden) const {
    return models::mobilebert_forward_f32(model_.config, model_.weights, in, keep_hidden);
  }

  models::MobileBertModel model_;
  int threads_;
};

}  // namespace

Result<std::unique_ptr<MobileBertClassifier>> load_mobilebert_classifier(const std::string& dir,
                                                                         Dtype dtype, int threads) {
  Result<models::MobileBertModel> model = models::load_mobilebert(dir);
  if (!model.is_ok()) return model.status();
  if (dtype == Dtype::bf16) return make_bf16_classifier(std::move(model).value(), threads);
  return std::unique_ptr<MobileBertClassifier>(
      std::make_unique<MobileBertF32Classifier>(std::move(model).value(), threads));
}

}  // namespace bfedge::cli
