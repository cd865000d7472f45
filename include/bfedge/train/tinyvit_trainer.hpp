// Training TinyViT for image classification with libtorch (CPU), from scratch, on CIFAR-10 (the
// JPEG copy in ../shared) or Fashion-MNIST (Debian's dataset-fashion-mnist):
//   - data: io::load_cifar10 / io::load_fashion_mnist (decoded once into the image cache), each
//     epoch a seeded permutation cut into batches; each training image augmented (random crop
//     with zero padding 4, horizontal flip; seeded per step) then normalized with the training
//     set's mean and std; the test split evaluated after every epoch;
//   - the loop of training_loop.hpp: AdamW (no weight decay on biases, norms and attention
//     biases), warm-up then linear decay, clipping, OUT/train.jsonl, a progress bar, checkpoints
//     and an exact --resume;
//   - after each epoch the model is exported to OUT in timm's layout (config.json,
//     model.safetensors) that models::load_tinyvit reads;
//   - for pruning (docs/adr/0009): init_from starts from a checkpoint folder (a pruned student)
//     instead of timm's init, and teacher_dir adds knowledge distillation from a trained model:
//     loss = w · T² · KL(softmax(teacher / T) ‖ softmax(student / T)) + (1 − w) · cross-entropy.
#pragma once

#include <cstdint>
#include <string>

#include "bfedge/core/status.hpp"
#include "bfedge/models/tinyvit_config.hpp"
#include "bfedge/models/tinyvit_datasets.hpp"

namespace bfedge::train {

using models::ImageDatasetName;

struct TinyVitTrainOptions {
  ImageDatasetName dataset = ImageDatasetName::cifar10;
  std::string data_path;  // CIFAR-10 archive folder / Fashion-MNIST folder
  std::string out_dir;
  models::TinyVitConfig config;  // models::tinyvit_config_for_dataset gives docs/tinyvit.md's plan
  int epochs = 30;
  int batch_size = 64;
  double learning_rate = 1e-3;
  double warmup_ratio = 0.05;
  double weight_decay = 0.05;
  double max_grad_norm = 5.0;
  bool augment = true;
  std::uint64_t seed = 42;
  int threads = 1;
  int log_every = 50;
  double checkpoint_minutes = 10;
  double max_minutes = 0;
  long stop_after_steps = 0;
  int limit_train = 0;  // N training images spread evenly over the split (0: all)
  int limit_test = 0;   // N test images spread evenly over the split (0: all)
  bool resume = false;
  std::string init_from;    // a TinyViT folder whose weights (and config) the run starts from
  std::string teacher_dir;  // a TinyViT folder to distill from (same images and classes)
  double distill_weight = 0.9;
  double distill_temperature = 4.0;
};

Status train_tinyvit(const TinyVitTrainOptions& options);

}  // namespace bfedge::train
