// MobileBERT's width spaces (docs/adr/0009) and the slicing of a teacher into a smaller dense
// MobileBertForSequenceClassification: which teacher indices each space keeps → the student's HF
// config and, for each of its tensors (HF names, HF order), the teacher tensor and indices it
// comes from. For configs with use_bottleneck (MobileBERT's own); q and k read the shared
// bottleneck (key_query_shared_bottleneck) or, with use_bottleneck_attention, the layer's stream.
#pragma once

#include <vector>

#include "bfedge/core/status.hpp"
#include "bfedge/models/mobilebert_config.hpp"
#include "bfedge/prune/tensor_slice.hpp"

namespace bfedge::prune {

// One student layer. Index lists are teacher indices, strictly increasing.
struct MobileBertLayerKeep {
  int teacher_layer = 0;
  std::vector<int> stream;     // S: the layer's intra-bottleneck stream (intra_bottleneck_size)
  std::vector<int> shared_qk;  // Q: the shared q/k input (key_query_shared_bottleneck only)
  // A: the attention's inner width (heads · head_size), whole heads or the same number of
  // dimensions of each kept head: the student's head h is attention[h·s, (h+1)·s), s = its size,
  // and must lie in one teacher head.
  std::vector<int> attention;
  std::vector<int> ffns;                       // kept stacked FFNs "ffn.k", k < num_feedforward_networks − 1
  std::vector<std::vector<int>> intermediate;  // per kept "ffn.k", then the layer's own intermediate
};

struct MobileBertKeep {
  std::vector<int> vocab;      // V: word-embedding rows (token ids), the student's ids in this order
  std::vector<int> embedding;  // E: embedding_size channels (each third of the trigram transform)
  std::vector<int> hidden;     // H: hidden_size channels
  std::vector<int> pooled;     // the pooler's output (hidden_size wide in the student too)
  int positions = 0;           // the first `positions` rows of the position table
  int heads = 0;               // the student's num_attention_heads
  std::vector<MobileBertLayerKeep> layers;
};

// Everything kept: the student equals the teacher.
MobileBertKeep mobilebert_keep_all(const models::MobileBertConfig& teacher);

struct MobileBertSlicePlan {
  models::MobileBertConfig student;
  std::vector<TensorSlice> tensors;  // mobilebert_tensor_specs(student, sequence_classification) order
};

// Checks `keep` against `teacher` (valid): every list in range and increasing, the sizes HF's
// config can express (the same stream, attention, intermediate and FFN counts in every layer,
// stream = attention = shared_qk, heads dividing the attention width, each student head inside one
// teacher head, pooled = hidden), then plans the slices. Errors say which list is wrong.
Result<MobileBertSlicePlan> plan_mobilebert_slice(const models::MobileBertConfig& teacher, const MobileBertKeep& keep);

}  // namespace bfedge::prune
