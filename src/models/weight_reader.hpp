// Reading a model's weights by name out of a tensor table its checker has already passed
// (MobileBERT, TinyViT): each tensor as f32, the first problem kept for the caller.
#pragma once

#include <string>
#include <vector>

#include "bfedge/core/status.hpp"
#include "bfedge/io/tensor_table.hpp"

namespace bfedge::models {

class WeightReader {
 public:
  WeightReader(const io::TensorTable& table, const std::string& source) : table_(table), source_(source) {}

  // The tensor as f32, or an empty vector (and status() set) when it is missing, has a
  // non-finite value or an integer dtype.
  std::vector<float> get(const std::string& name) {
    const io::TensorEntry* entry = table_.find(name);
    if (entry == nullptr) {  // the model's tensor check ran first: cannot happen
      fail(source_ + ": missing tensor \"" + name + "\"");
      return {};
    }
    Result<std::vector<float>> values = io::read_finite_floats(table_, *entry, source_);
    if (!values.is_ok()) {
      fail(values.status().message());
      return {};
    }
    return std::move(values).value();
  }

  const Status& status() const { return status_; }

 protected:
  void fail(std::string message) {
    if (status_.is_ok()) status_ = format_error(std::move(message));
  }
  const std::string& source() const { return source_; }

 private:
  const io::TensorTable& table_;
  const std::string& source_;
  Status status_;
};

}  // namespace bfedge::models
