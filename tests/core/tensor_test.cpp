#include "bfedge/core/tensor.hpp"

#include <gtest/gtest.h>

#include <numeric>
#include <vector>

namespace bfedge {
namespace {

TEST(TensorView, ContiguousStridesAndIndexing) {
  std::vector<int> data(2 * 3 * 4);
  std::iota(data.begin(), data.end(), 0);
  TensorView<int> t(data.data(), Shape{2, 3, 4});
  EXPECT_EQ(t.rank(), 3);
  EXPECT_EQ(t.element_count(), 24);
  EXPECT_EQ(t.stride(0), 12);
  EXPECT_EQ(t.stride(1), 4);
  EXPECT_EQ(t.stride(2), 1);
  EXPECT_EQ(t.at(1, 2, 3), 23);
  EXPECT_EQ(t.at(0, 1, 0), 4);
  EXPECT_TRUE(t.is_contiguous());
}

TEST(TensorView, SliceAndTransposeShareStorage) {
  std::vector<float> data(6);
  std::iota(data.begin(), data.end(), 0.0f);
  TensorView<float> m(data.data(), Shape{2, 3});
  const TensorView<float> row1 = m.slice(1);
  EXPECT_EQ(row1.rank(), 1);
  EXPECT_EQ(row1.at(2), 5.0f);
  const TensorView<float> mt = m.transposed(0, 1);
  EXPECT_EQ(mt.dim(0), 3);
  EXPECT_EQ(mt.dim(1), 2);
  EXPECT_FALSE(mt.is_contiguous());
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 3; ++j) EXPECT_EQ(mt.at(j, i), m.at(i, j));
  }
  mt.at(2, 0) = 42.0f;
  EXPECT_EQ(data[2], 42.0f);
}

}  // namespace
}  // namespace bfedge
