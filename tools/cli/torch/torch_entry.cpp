#include <exception>

#include "torch_api.hpp"

extern "C" void bfedge_torch_train_tinyvit(const bfedge::train::TinyVitTrainOptions* options, bfedge::Status* status) {
  try {
    *status = bfedge::train::train_tinyvit(*options);
  } catch (const std::exception& e) {  // libtorch reports its errors as c10::Error
    *status = bfedge::Status(bfedge::ErrorCode::unsupported, std::string("libtorch: ") + e.what());
  }
}

extern "C" void bfedge_torch_train_mobilebert(const bfedge::train::MobileBertTrainOptions* options,
                                              bfedge::Status* status) {
  try {
    *status = bfedge::train::train_mobilebert(*options);
  } catch (const std::exception& e) {  // libtorch reports its errors as c10::Error
    *status = bfedge::Status(bfedge::ErrorCode::unsupported, std::string("libtorch: ") + e.what());
  }
}
