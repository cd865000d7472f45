// The MobileBERT sequence classifier `classify` and `eval` run, behind one small interface so that
// the forward pass is chosen in one place (load_mobilebert_classifier): the FP32 reference
// (models::mobilebert_forward_f32), the BF16 runner (models::MobileBertBf16) or, for
// `eval --compare torch`, libtorch FP32 (load_torch_classifier, through libbfedge_torch.so).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "bfedge/core/dtype.hpp"
#include "bfedge/core/status.hpp"
#include "bfedge/models/mobilebert.hpp"

namespace bfedge::cli {

class MobileBertClassifier {
 public:
  virtual ~MobileBertClassifier() = default;
  virtual const models::MobileBertConfig& config() const = 0;
  virtual Dtype dtype() const = 0;
  virtual std::string name() const = 0;  // "bfedge f32", "bfedge bf16", "libtorch f32"
  // One padded batch: logits (inputs.batch, num_labels), row-major, and with keep_hidden_states
  // HF's hidden states (embeddings, then each layer), each (inputs.batch, inputs.seq, hidden).
  virtual Result<models::MobileBertOutputs> forward(const models::MobileBertInputs& inputs,
                                                    bool keep_hidden_states) const = 0;
  Result<std::vector<float>> logits(const models::MobileBertInputs& inputs) const {
    auto out = forward(inputs, false);
    if (!out.is_ok()) return out.status();
    return std::move(out.value().logits);
  }
};

// Reads dir/config.json and dir/model.safetensors and returns the classifier for `dtype`, which
// runs a batch's rows on up to `threads` host threads (rows are independent, so the logits do not
// depend on the thread count; bf16 splits each layer's work over the threads instead). Errors
// name the file at fault.
Result<std::unique_ptr<MobileBertClassifier>> load_mobilebert_classifier(const std::string& dir,
                                                                         Dtype dtype, int threads);

// The BF16 classifier over an already loaded model (mobilebert_bf16_classifier.cpp). It prepares
// one models::MobileBertBf16 per (rows, length) it meets and keeps the four most recent. When
// the model's [PAD] embedding is zero (HF's padding_idx keeps it so, and bfedge's trainer too)
// the length is also rounded up to a multiple of 16, which changes nothing for such a model
// (extra [PAD]s are masked, and the last token's trigram sees zeros either way) and saves
// preparing a runner for every length.
std::unique_ptr<MobileBertClassifier> make_bf16_classifier(models::MobileBertModel model, int threads);

// libtorch's FP32 or BF16 forward of dir (for eval --compare torch|torch-bf16); an error when this
// bfedge was built without libtorch.
Result<std::unique_ptr<MobileBertClassifier>> load_torch_classifier(const std::string& dir, Dtype dtype, int threads);

}  // namespace bfedge::cli
