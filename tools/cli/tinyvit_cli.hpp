// `eval` and `classify` on a TinyViT folder (timm's layout): cmd_eval.cpp and cmd_classify.cpp
// parse the options MobileBERT and TinyViT share and hand a TinyViT folder (is_tinyvit_dir) here.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "bfedge/core/status.hpp"
#include "bfedge/io/image_dataset.hpp"
#include "bfedge/models/tinyvit_config.hpp"

namespace bfedge::cli {

inline constexpr int kTinyVitDefaultBatch = 64;  // images per forward when --batch is not given

struct TinyVitRunOptions {
  std::string dir;
  std::string dtype = "f32";
  int batch = kTinyVitDefaultBatch;
  int threads = 1;
  bool json = false;
};

struct TinyVitEvalOptions {
  TinyVitRunOptions model;
  std::string data;  // cifar10, fashion-mnist, or a path (CIFAR-10 archive folder or tree,
                     // Fashion-MNIST folder)
  std::string split = "test";
  std::optional<int> limit;
  std::string compare;  // "", f32, bf16, torch or torch-bf16 (checked by the caller)
};
// cmd_eval_tinyvit.cpp
int run_tinyvit_eval(const TinyVitEvalOptions& options);
// --data: cifar10, fashion-mnist (their default folders) or a path (Fashion-MNIST when it holds
// the IDX files, else CIFAR-10); `split` train or test; progress on stderr.
Result<io::ImageDataset> load_dataset(const std::string& data, const std::string& split);
// The images must be the model's size and channels, the labels its classes; errors name `data`.
Status check_dataset(const io::ImageDataset& d, const std::string& data, const models::TinyVitConfig& c);

struct TinyVitClassifyOptions {
  TinyVitRunOptions model;
  std::vector<std::string> images;  // JPEG or PNG files at the model's size
};
// cmd_classify_tinyvit.cpp
int run_tinyvit_classify(const TinyVitClassifyOptions& options);

}  // namespace bfedge::cli
