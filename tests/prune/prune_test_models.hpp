// Small teachers and index-list helpers the pruning tests share.
#pragma once

#include <algorithm>
#include <vector>

#include "bfedge/models/mobilebert_config.hpp"
#include "bfedge/models/tinyvit_config.hpp"

namespace bfedge::prune::test_models {

// MobileBERT with every axis prunable: 4 heads of 4, 3 stacked FFNs, trigram input.
inline models::MobileBertConfig mobilebert_teacher(int layers = 3) {
  models::MobileBertConfig c;
  c.vocab_size = 50, c.hidden_size = 24, c.num_hidden_layers = layers, c.num_attention_heads = 4;
  c.intermediate_size = 12, c.max_position_embeddings = 20, c.embedding_size = 8;
  c.intra_bottleneck_size = 16, c.num_feedforward_networks = 3, c.num_labels = 3;
  return c;
}

// TinyViT on 32×32 images with the CIFAR stem; stage 1's 8×8 maps in padded 5×5 windows; key_dim 8.
inline models::TinyVitConfig tinyvit_teacher() {
  models::TinyVitConfig c;
  c.embed_dims = {16, 24, 32, 40};
  c.depths = {2, 2, 3, 2};
  c.num_heads = {2, 3, 4, 5};
  c.window_sizes = {7, 5, 4, 2};
  c.stem_strides[0] = 1, c.stem_strides[1] = 2;
  c.image_height = c.image_width = 32;
  c.num_classes = 7;
  return c;
}

// 0 … count − 1 without `dropped`.
inline std::vector<int> without(int count, const std::vector<int>& dropped) {
  std::vector<int> out;
  for (int i = 0; i < count; ++i) {
    if (std::find(dropped.begin(), dropped.end(), i) == dropped.end()) out.push_back(i);
  }
  return out;
}

// 0 … count − 1 not in the sorted list `kept`.
inline std::vector<int> complement(int count, const std::vector<int>& kept) {
  std::vector<int> out;
  for (int i = 0; i < count; ++i) {
    if (!std::binary_search(kept.begin(), kept.end(), i)) out.push_back(i);
  }
  return out;
}

}  // namespace bfedge::prune::test_models
