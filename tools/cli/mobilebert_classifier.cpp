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

  Result<std::vector<float>> logits(const models::MobileBertInputs& in) const override {
    const int parts = std::clamp(threads_, 1, std::max(in.batch, 1));
    if (parts == 1) return forward(in);
    std::vector<std::optional<Result<std::vector<float>>>> results(static_cast<std::size_t>(parts));
    {
      std::vector<std::jthread> workers;
      for (int p = 0; p < parts; ++p) {
        workers.emplace_back([this, &in, &results, p, parts] {
          const int first = in.batch * p / parts, last = in.batch * (p + 1) / parts;
          try {
            results[static_cast<std::size_t>(p)] = forward(rows(in, first, last - first));
          } catch (const std::bad_alloc&) {  // an exception must not leave a thread
            results[static_cast<std::size_t>(p)] = Result<std::vector<float>>(io_error("out of memory"));
          }
        });
      }
    }
    std::vector<float> all;
    for (auto& r : results) {
      if (!r->is_ok()) return r->status();
      all.insert(all.end(), r->value().begin(), r->value().end());
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

  Result<std::vector<float>> forward(const models::MobileBertInputs& in) const {
    Result<models::MobileBertOutputs> out = models::mobilebert_forward_f32(model_.config, model_.weights, in);
    if (!out.is_ok()) return out.status();
    return std::move(out.value().logits);
  }

  models::MobileBertModel model_;
  int threads_;
};

}  // namespace

Result<std::unique_ptr<MobileBertClassifier>> load_mobilebert_classifier(const std::string& dir,
                                                                         Dtype dtype, int threads) {
  // When models::MobileBertBf16 lands, build it here from the same loaded model.
  if (dtype == Dtype::bf16) {
    return invalid_argument("--dtype bf16: bf16 MobileBERT is not available yet (use --dtype f32)");
  }
  Result<models::MobileBertModel> model = models::load_mobilebert(dir);
  if (!model.is_ok()) return model.status();
  return std::unique_ptr<MobileBertClassifier>(
      std::make_unique<MobileBertF32Classifier>(std::move(model).value(), threads));
}

}  // namespace bfedge::cli
