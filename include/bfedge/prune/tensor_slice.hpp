// Slicing a teacher checkpoint into a smaller dense student (docs/adr/0009): each student tensor
// comes from one teacher tensor by keeping, along every dimension, a list of indices (in order).
// The model-specific planners (mobilebert_prune.hpp, …) produce the slices; this applies them to
// FP32 data or to a checkpoint's tensor table, for any model.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "bfedge/core/status.hpp"
#include "bfedge/io/safetensors.hpp"
#include "bfedge/io/tensor_table.hpp"

namespace bfedge::prune {

struct TensorSlice {
  std::string student_name, teacher_name;
  std::vector<std::int64_t> teacher_shape;
  std::vector<std::vector<int>> keep;  // per dimension: the teacher indices kept, in order

  std::vector<std::int64_t> student_shape() const;
};

// A slice that keeps everything of a tensor of `shape`, renamed.
TensorSlice whole_tensor(std::string student_name, std::string teacher_name, std::vector<std::int64_t> shape);
std::vector<int> first_indices(int count);  // 0, 1, …, count − 1

// A keep list must keep something, stay within [0, limit) and strictly increase: otherwise an
// error "<model> pruning: <what> …" saying which index breaks it.
Status check_keep_list(const std::vector<int>& list, int limit, const std::string& model, const std::string& what);

// `data` row-major in slice.teacher_shape → the kept elements, row-major in student_shape().
std::vector<float> slice_f32(const TensorSlice& slice, std::span<const float> data);

// Every slice applied to `teacher` (F32, F16 or BF16 entries, read exactly as FP32; I64 counters
// kept as I64): the student's tensors as safetensors entries, in the slices' order. Errors name `source` and the tensor (a
// missing one, a shape that differs from the slice's teacher shape, an integer dtype).
Result<std::vector<io::SafetensorsTensor>> slice_table(const io::TensorTable& teacher,
                                                       const std::vector<TensorSlice>& slices,
                                                       const std::string& source);

}  // namespace bfedge::prune
