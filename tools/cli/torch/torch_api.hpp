// Entry points of libbfedge_torch.so, the optional module with bfedge's libtorch component
// (src/train). The CLI opens it with dlopen only for the commands that need libtorch (train,
// eval --compare torch), so no other command pays libtorch's start-up or needs it installed.
// Both sides are built together by one compiler, so C++ types cross the boundary; the names
// are C so dlsym finds them. No exception leaves the module.
#pragma once

#include "bfedge/core/status.hpp"
#include "bfedge/train/mobilebert_trainer.hpp"

extern "C" {
// Runs train::train_mobilebert(*options) and stores its result in *status.
void bfedge_torch_train_mobilebert(const bfedge::train::MobileBertTrainOptions* options, bfedge::Status* status);
}
