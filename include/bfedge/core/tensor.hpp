// Non-owning tensor views: a pointer, a shape and strides (in elements), rank <= 4.
// Views never allocate; owners keep the storage alive. Freestanding.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <utility>

namespace bfedge {

inline constexpr int kMaxRank = 4;

struct Shape {
  int rank = 0;
  std::array<std::int64_t, kMaxRank> dims{};

  constexpr Shape() = default;
  constexpr Shape(std::initializer_list<std::int64_t> list) {
    for (std::int64_t d : list) dims[static_cast<std::size_t>(rank++)] = d;
  }
  constexpr std::int64_t operator[](int axis) const { return dims[static_cast<std::size_t>(axis)]; }
  constexpr std::int64_t element_count() const {
    std::int64_t n = 1;
    for (int i = 0; i < rank; ++i) n *= dims[static_cast<std::size_t>(i)];
    return n;
  }
  friend constexpr bool operator==(const Shape&, const Shape&) = default;
};

// Row-major (C order) strides for a shape.
constexpr std::array<std::int64_t, kMaxRank> contiguous_strides(const Shape& shape) {
  std::array<std::int64_t, kMaxRank> strides{};
  std::int64_t step = 1;
  for (int i = shape.rank - 1; i >= 0; --i) {
    strides[static_cast<std::size_t>(i)] = step;
    step *= shape[i];
  }
  return strides;
}

template <class T>
class TensorView {
 public:
  constexpr TensorView() = default;
  constexpr TensorView(T* data, Shape shape)
      : data_(data), shape_(shape), strides_(contiguous_strides(shape)) {}
  constexpr TensorView(T* data, Shape shape, std::array<std::int64_t, kMaxRank> strides)
      : data_(data), shape_(shape), strides_(strides) {}

  constexpr T* data() const { return data_; }
  constexpr const Shape& shape() const { return shape_; }
  constexpr int rank() const { return shape_.rank; }
  constexpr std::int64_t dim(int axis) const { return shape_[axis]; }
  constexpr std::int64_t stride(int axis) const { return strides_[static_cast<std::size_t>(axis)]; }
  constexpr std::int64_t element_count() const { return shape_.element_count(); }

  constexpr bool is_contiguous() const { return strides_ == contiguous_strides(shape_); }

  template <class... Index>
  constexpr T& at(Index... index) const {
    static_assert(sizeof...(Index) <= kMaxRank);
    const std::array<std::int64_t, sizeof...(Index)> idx{static_cast<std::int64_t>(index)...};
    std::int64_t offset = 0;
    for (std::size_t i = 0; i < idx.size(); ++i) offset += idx[i] * strides_[i];
    return data_[offset];
  }

  // The sub-tensor at `index` along axis 0 (rank drops by one).
  constexpr TensorView slice(std::int64_t index) const {
    Shape inner;
    std::array<std::int64_t, kMaxRank> inner_strides{};
    for (int i = 1; i < shape_.rank; ++i) {
      inner.dims[static_cast<std::size_t>(i - 1)] = shape_[i];
      inner_strides[static_cast<std::size_t>(i - 1)] = strides_[static_cast<std::size_t>(i)];
    }
    inner.rank = shape_.rank - 1;
    return TensorView(data_ + index * strides_[0], inner, inner_strides);
  }

  // Swap two axes without moving data.
  constexpr TensorView transposed(int a, int b) const {
    TensorView t = *this;
    std::swap(t.shape_.dims[static_cast<std::size_t>(a)],
              t.shape_.dims[static_cast<std::size_t>(b)]);
    std::swap(t.strides_[static_cast<std::size_t>(a)], t.strides_[static_cast<std::size_t>(b)]);
    return t;
  }

 private:
  T* data_ = nullptr;
  Shape shape_;
  std::array<std::int64_t, kMaxRank> strides_{};
};

}  // namespace bfedge
