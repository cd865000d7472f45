// The MobileBERT sequence classifier `classify` and `eval` run, behind one small interface so that
// the forward pass is chosen in one place (load_mobilebert_classifier): the FP32 reference today,
// the BF16 runner (models::MobileBertBf16) when it lands.
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
  // The logits of one padded batch, row-major (inputs.batch, num_labels).
  virtual Result<std::vector<float>> logits(const models::MobileBertInputs& inputs) const = 0;
};

// Reads dir/config.json and dir/model.safetensors and returns the classifier for `dtype`, which
// runs a batch's rows on up to `threads` host threads (rows are independent, so the logits do not
// depend on the thread count). Errors name the file at fault; bf16 is refused until its runner
// exists.
Result<std::unique_ptr<MobileBertClassifier>> load_mobilebert_classifier(const std::string& dir,
                                                                         Dtype dtype, int threads);

}  // namespace bfedge::cli
