// The BF16 MobileBERT encoder with its classification head as a graph: one forward of `batch`
// sequences of `seq` tokens (shapes are concrete: one graph per (batch, seq)), BF16 weights and
// activations, FP32 accumulation in every dot product, norm and softmax; the norms' weight and
// bias stay FP32 (kernels/norm.hpp says why). The semantics are
// mobilebert_forward_f32's (mobilebert.hpp), node by node:
//   embeddings  trigram_embedding (or embedding) → embedding_transformation (linear) ;
//               position + token type rows (embedding lookups, add) ; add_<norm> with eps 1e-5
//   each layer  bottleneck linears + norms ; q, k, v linears ; attention_encoder with the key
//               mask ; attention.output linear + add_<norm> ; per FFN linear → act → linear +
//               add_<norm> ; output bottleneck linear + add_<norm> with the layer's input
//   head        first_token → pooler linear → tanh (classifier_activation) → classifier (f32)
// where <norm> is nonorm (x · w + b) or layernorm (the config's normalization_type), and each
// add_<norm> keeps the residual sum in FP32. Node names follow HF's modules ("layer3.query",
// "layer3.ffn0.output", "pooler").
#pragma once

#include <vector>

#include "bfedge/core/bf16.hpp"
#include "bfedge/core/status.hpp"
#include "bfedge/graph/graph.hpp"
#include "bfedge/models/mobilebert.hpp"
#include "bfedge/models/mobilebert_config.hpp"

namespace bfedge::models {

struct MobileBertGraph {
  graph::Graph graph;
  int batch = 0, seq = 0;
  graph::TensorId input_ids = graph::kNone;       // input (batch · seq) i32
  graph::TensorId attention_mask = graph::kNone;  // input (batch · seq) i32, 1 = attend, 0 = padding
  graph::TensorId token_type_ids = graph::kNone;  // input (batch · seq) i32
  graph::TensorId logits = graph::kNone;          // output (batch, num_labels) f32
  // With keep_hidden_states: HF's hidden_states, the embeddings' output then each layer's,
  // outputs (batch · seq, hidden_size) bf16; empty otherwise.
  std::vector<graph::TensorId> hidden_states;
};

// The weights rounded to BF16 (RNE), tensor by tensor; the norms' stay FP32.
MobileBertWeights<bf16> mobilebert_weights_to_bf16(const MobileBertWeights<float>& weights);

// `config` valid (validate_mobilebert_config), `weights` shaped for it; 1 <= seq <=
// max_position_embeddings, batch >= 1.
Result<MobileBertGraph> build_mobilebert_graph(const MobileBertConfig& config, MobileBertWeights<bf16> weights,
                                               int batch, int seq, bool keep_hidden_states = false);

}  // namespace bfedge::models
