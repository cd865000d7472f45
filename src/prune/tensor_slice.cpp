// Slices of row-major tensors: an odometer over the student's indices, mapped through `keep`.
#include "bfedge/prune/tensor_slice.hpp"

#include <cstring>

namespace bfedge::prune {

std::vector<std::int64_t> TensorSlice::student_shape() const {
  std::vector<std::int64_t> shape;
  for (const std::vector<int>& k : keep) shape.push_back(static_cast<std::int64_t>(k.size()));
  return shape;
}

std::vector<int> first_indices(int count) {
  std::vector<int> out(static_cast<std::size_t>(count > 0 ? count : 0));
  for (int i = 0; i < count; ++i) out[static_cast<std::size_t>(i)] = i;
  return out;
}

Status check_keep_list(const std::vector<int>& list, int limit, const std::string& model, const std::string& what) {
  const std::string at = model + " pruning: " + what;
  if (list.empty()) return invalid_argument(at + " keeps nothing");
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (list[i] < 0 || list[i] >= limit) {
      return invalid_argument(at + " index " + std::to_string(list[i]) + " is outside 0.." + std::to_string(limit - 1));
    }
    if (i > 0 && list[i] <= list[i - 1]) {
      return invalid_argument(at + " is not strictly increasing at " + std::to_string(list[i]));
    }
  }
  return Status::ok();
}

TensorSlice whole_tensor(std::string student_name, std::string teacher_name, std::vector<std::int64_t> shape) {
  TensorSlice s{std::move(student_name), std::move(teacher_name), std::move(shape), {}};
  for (std::int64_t d : s.teacher_shape) s.keep.push_back(first_indices(static_cast<int>(d)));
  return s;
}

namespace {

template <class T>
std::vector<T> slice_elements(const TensorSlice& slice, std::span<const T> data) {
  const std::size_t rank = slice.keep.size();
  std::int64_t count = 1;
  for (const std::vector<int>& k : slice.keep) count *= static_cast<std::int64_t>(k.size());
  std::vector<T> out;
  if (count == 0) return out;
  out.reserve(static_cast<std::size_t>(count));
  std::vector<std::int64_t> stride(rank, 1);
  for (std::size_t d = rank; d-- > 1;) stride[d - 1] = stride[d] * slice.teacher_shape[d];
  std::vector<std::size_t> at(rank, 0);  // the student index, last dimension fastest
  for (std::int64_t n = 0; n < count; ++n) {
    std::int64_t offset = 0;
    for (std::size_t d = 0; d < rank; ++d) offset += slice.keep[d][at[d]] * stride[d];
    out.push_back(data[static_cast<std::size_t>(offset)]);
    for (std::size_t d = rank; d-- > 0;) {
      if (++at[d] < slice.keep[d].size()) break;
      at[d] = 0;
    }
  }
  return out;
}

template <class T>
std::vector<std::byte> to_bytes(const std::vector<T>& values) {
  std::vector<std::byte> bytes(values.size() * sizeof(T));
  if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

}  // namespace

std::vector<float> slice_f32(const TensorSlice& slice, std::span<const float> data) {
  return slice_elements<float>(slice, data);
}

Result<std::vector<io::SafetensorsTensor>> slice_table(const io::TensorTable& teacher,
                                                       const std::vector<TensorSlice>& slices,
                                                       const std::string& source) {
  std::vector<io::SafetensorsTensor> out;
  for (const TensorSlice& s : slices) {
    const io::TensorEntry* e = teacher.find(s.teacher_name);
    if (e == nullptr) return invalid_argument(source + ": no tensor \"" + s.teacher_name + "\" to prune from");
    if (e->shape != s.teacher_shape) {
      return invalid_argument(source + ": tensor \"" + s.teacher_name + "\" does not have the teacher config's shape");
    }
    if (e->dtype == io::TensorDtype::i64) {  // counters (BatchNorm's num_batches_tracked), kept exactly
      std::vector<std::int64_t> values(static_cast<std::size_t>(e->elements()));
      if (!values.empty()) std::memcpy(values.data(), teacher.bytes(*e).data(), values.size() * sizeof(std::int64_t));
      out.push_back({s.student_name, io::TensorDtype::i64, s.student_shape(),
                     to_bytes(slice_elements<std::int64_t>(s, values))});
      continue;
    }
    Result<std::vector<float>> values = io::read_finite_floats(teacher, *e, source);
    if (!values.is_ok()) return values.status();
    out.push_back({s.student_name, io::TensorDtype::f32, s.student_shape(), to_bytes(slice_f32(s, values.value()))});
  }
  return out;
}

}  // namespace bfedge::prune
