// The TinyViT image classifier `classify`, `eval` and their --compare run, behind one small
// interface so that the forward pass is chosen in one place: the FP32 reference
// (models::tinyvit_forward_f32), the BF16 graph (models::TinyVitBf16, one runner per batch size)
// or libtorch FP32 / BF16 (through libbfedge_torch.so). Inputs are normalized NHWC images; a
// model folder is timm's layout (config.json, model.safetensors).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "bfedge/core/dtype.hpp"
#include "bfedge/core/status.hpp"
#include "bfedge/io/image_transform.hpp"
#include "bfedge/models/tinyvit.hpp"

namespace bfedge::cli {

class ImageClassifier {
 public:
  virtual ~ImageClassifier() = default;
  virtual const models::TinyVitConfig& config() const = 0;
  virtual std::string name()
      const = 0;  // "bfedge f32", "bfedge bf16", "libtorch f32", "libtorch bf16"
  // `batch` images (batch, image_height, image_width, in_chans), normalized: logits
  // (batch, num_classes) and, with keep_hidden_states, tinyvit_forward_f32's named hidden states.
  virtual Result<models::TinyVitOutputs> forward(const std::vector<float>& images, int batch,
                                                 bool keep_hidden_states) const = 0;
};

// Whether DIR/config.json is timm's (its "architecture" starts with "tiny_vit"): the commands
// that also take MobileBERT folders choose the model kind by this.
bool is_tinyvit_dir(const std::string& dir);

// DIR's FP32 reference (rows split over `threads`) or BF16 graph (`threads` cores). Errors name
// the file at fault.
Result<std::unique_ptr<ImageClassifier>> load_tinyvit_classifier(const std::string& dir,
                                                                 Dtype dtype, int threads);
// The same over an already loaded model.
std::unique_ptr<ImageClassifier> make_tinyvit_classifier(models::TinyVitModel model, Dtype dtype,
                                                         int threads);
// libtorch's FP32 or BF16 forward of DIR; an error when bfedge was built without libtorch.
Result<std::unique_ptr<ImageClassifier>> load_torch_tinyvit_classifier(const std::string& dir,
                                                                       Dtype dtype, int threads);

// The model's normalization (config mean / std) as the image transforms take it.
io::ChannelStats channel_stats_of(const models::TinyVitConfig& config);

// The class names: config label_names, else "0", "1", ...
std::vector<std::string> class_names_of(const models::TinyVitConfig& config);

}  // namespace bfedge::cli
