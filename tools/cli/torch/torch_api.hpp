// Entry points of libbfedge_torch.so, the optional module with bfedge's libtorch component
// (src/train). The CLI opens it with dlopen only for the commands that need libtorch (train,
// eval --compare torch, bench), so no other command pays libtorch's start-up or needs it installed.
// Both sides are built together by one compiler, so C++ types cross the boundary; the names
// are C so dlsym finds them. No exception leaves the module.
#pragma once

#include "bfedge/core/status.hpp"
#include "bfedge/models/mobilebert.hpp"
#include "bfedge/models/tinyvit.hpp"
#include "bfedge/train/mobilebert_trainer.hpp"
#include "bfedge/train/tinyvit_trainer.hpp"

namespace bfedge::train {
struct TorchMobileBert;  // a libtorch MobileBERT in eval mode, owned by the module
struct TorchTinyVit;     // a libtorch TinyViT in eval mode, owned by the module
}

extern "C" {
// Runs train::train_mobilebert(*options) and stores its result in *status.
void bfedge_torch_train_mobilebert(const bfedge::train::MobileBertTrainOptions* options, bfedge::Status* status);
// Runs train::train_tinyvit(*options) and stores its result in *status.
void bfedge_torch_train_tinyvit(const bfedge::train::TinyVitTrainOptions* options, bfedge::Status* status);

// Loads DIR (HF layout) into libtorch, or, when dir is null, builds `config` with HF's random
// init (seeded by `seed`). `threads`: libtorch's intra-op threads. *model is null on error.
void bfedge_torch_mobilebert_open(const char* dir, const bfedge::models::MobileBertConfig* config, unsigned seed,
                                  int threads, bfedge::train::TorchMobileBert** model, bfedge::Status* status);
// One eval-mode forward in FP32 or (bf16 != 0) in BF16 (a BF16 copy of the module, made once).
// Fills outputs->logits and, when keep_hidden_states, outputs->hidden_states (f32).
void bfedge_torch_mobilebert_forward(bfedge::train::TorchMobileBert* model, const bfedge::models::MobileBertInputs* inputs,
                                     int bf16, int keep_hidden_states, bfedge::models::MobileBertOutputs* outputs,
                                     bfedge::Status* status);
void bfedge_torch_mobilebert_close(bfedge::train::TorchMobileBert* model);

// Loads DIR (timm layout: config.json, model.safetensors) into libtorch, or, when dir is null,
// builds `config` with timm's random init (seeded by `seed`). *model is null on error.
void bfedge_torch_tinyvit_open(const char* dir, const bfedge::models::TinyVitConfig* config, unsigned seed,
                               int threads, bfedge::train::TorchTinyVit** model, bfedge::Status* status);
// One eval-mode forward of `batch` normalized NHWC images in FP32 or (bf16 != 0) in BF16 (a
// bfloat16 copy of the module, parameters and buffers, made once). Fills outputs->logits and,
// when keep_hidden_states, outputs->hidden_names / hidden_states (NHWC, f32).
void bfedge_torch_tinyvit_forward(bfedge::train::TorchTinyVit* model, const float* images, int batch, int bf16,
                                  int keep_hidden_states, bfedge::models::TinyVitOutputs* outputs,
                                  bfedge::Status* status);
void bfedge_torch_tinyvit_close(bfedge::train::TorchTinyVit* model);
}
