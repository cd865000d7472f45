// plan_mobilebert_slice: the checks of mobilebert_prune.hpp, then the student's tensors in the
// order of models::mobilebert_tensor_specs, each with the teacher tensor and the spaces it keeps.
#include "bfedge/prune/mobilebert_prune.hpp"

#include <algorithm>
#include <string>

namespace bfedge::prune {
namespace {

using Indices = std::vector<int>;

Status bad(const std::string& what) { return invalid_argument("mobilebert pruning: " + what); }

Status check_list(const Indices& list, int limit, const std::string& what) {
  return check_keep_list(list, limit, "mobilebert", what);
}

Status check_size(const Indices& list, std::size_t size, const std::string& what, const std::string& of) {
  if (list.size() == size) return Status::ok();
  return bad(what + " keeps " + std::to_string(list.size()) + ", but " + of + " keeps " + std::to_string(size) +
             " (HF's config has one size for both)");
}

Status check_layer(const models::MobileBertConfig& t, const MobileBertKeep& keep, const MobileBertLayerKeep& l,
                   const std::string& name) {
  const int intra = t.intra_bottleneck_size;
  BFEDGE_RETURN_IF_ERROR(check_list(l.stream, intra, name + " stream"));
  BFEDGE_RETURN_IF_ERROR(check_list(l.attention, intra, name + " attention"));
  BFEDGE_RETURN_IF_ERROR(check_size(l.attention, l.stream.size(), name + " attention", "its stream"));
  if (t.key_query_shared_bottleneck && !t.use_bottleneck_attention) {
    BFEDGE_RETURN_IF_ERROR(check_list(l.shared_qk, intra, name + " shared_qk"));
    BFEDGE_RETURN_IF_ERROR(check_size(l.shared_qk, l.stream.size(), name + " shared_qk", "its stream"));
  } else if (!l.shared_qk.empty()) {
    return bad(name + " shared_qk must be empty: the config has no shared q/k bottleneck");
  }
  const int heads = keep.heads, teacher_head = t.attention_head_size();
  if (heads < 1 || l.attention.size() % static_cast<std::size_t>(heads) != 0) {
    return bad(std::to_string(heads) + " heads do not divide " + name + "'s attention width " +
               std::to_string(l.attention.size()));
  }
  const std::size_t size = l.attention.size() / static_cast<std::size_t>(heads);
  for (std::size_t i = 0; i < l.attention.size(); ++i) {
    if (l.attention[i] / teacher_head != l.attention[i - i % size] / teacher_head) {
      return bad(name + " attention: student head " + std::to_string(i / size) + " spans teacher heads " +
                 std::to_string(l.attention[i - i % size] / teacher_head) + " and " +
                 std::to_string(l.attention[i] / teacher_head));
    }
  }
  if (!l.ffns.empty()) BFEDGE_RETURN_IF_ERROR(check_list(l.ffns, t.num_feedforward_networks - 1, name + " ffns"));
  if (l.intermediate.size() != l.ffns.size() + 1) {
    return bad(name + " has " + std::to_string(l.intermediate.size()) + " intermediate lists for " +
               std::to_string(l.ffns.size()) + " kept stacked FFNs (one per kept FFN, then the layer's own)");
  }
  for (std::size_t f = 0; f < l.intermediate.size(); ++f) {
    const std::string what = name + " intermediate " + std::to_string(f);
    BFEDGE_RETURN_IF_ERROR(check_list(l.intermediate[f], t.intermediate_size, what));
    BFEDGE_RETURN_IF_ERROR(check_size(l.intermediate[f], l.intermediate[0].size(), what, name + " intermediate 0"));
  }
  return Status::ok();
}

Status check_keep(const models::MobileBertConfig& t, const MobileBertKeep& keep) {
  if (!t.use_bottleneck) return bad("the teacher has no bottleneck (use_bottleneck false); not supported");
  BFEDGE_RETURN_IF_ERROR(check_list(keep.vocab, t.vocab_size, "vocab"));
  BFEDGE_RETURN_IF_ERROR(check_list(keep.embedding, t.embedding_size, "embedding"));
  BFEDGE_RETURN_IF_ERROR(check_list(keep.hidden, t.hidden_size, "hidden"));
  if (t.classifier_activation) {
    BFEDGE_RETURN_IF_ERROR(check_list(keep.pooled, t.hidden_size, "pooled"));
    BFEDGE_RETURN_IF_ERROR(check_size(keep.pooled, keep.hidden.size(), "pooled", "hidden"));
  } else if (!keep.pooled.empty()) {
    return bad("pooled must be empty: the config has no pooler (classifier_activation false)");
  }
  if (keep.positions < 1 || keep.positions > t.max_position_embeddings) {
    return bad("positions " + std::to_string(keep.positions) + " is outside 1.." +
               std::to_string(t.max_position_embeddings));
  }
  if (keep.layers.empty()) return bad("no layer is kept");
  for (std::size_t j = 0; j < keep.layers.size(); ++j) {
    const MobileBertLayerKeep& l = keep.layers[j];
    const std::string name = "layer " + std::to_string(j);
    if (l.teacher_layer < 0 || l.teacher_layer >= t.num_hidden_layers ||
        (j > 0 && l.teacher_layer <= keep.layers[j - 1].teacher_layer)) {
      return bad(name + ": teacher layer " + std::to_string(l.teacher_layer) + " is out of range or out of order");
    }
    BFEDGE_RETURN_IF_ERROR(check_layer(t, keep, l, name));
    const MobileBertLayerKeep& first = keep.layers[0];
    BFEDGE_RETURN_IF_ERROR(check_size(l.stream, first.stream.size(), name + " stream", "layer 0's"));
    BFEDGE_RETURN_IF_ERROR(check_size(l.intermediate[0], first.intermediate[0].size(), name + " intermediate", "layer 0's"));
    if (l.ffns.size() != first.ffns.size()) return bad(name + " keeps a different number of stacked FFNs than layer 0");
  }
  if (t.pad_token_id >= 0 && !std::binary_search(keep.vocab.begin(), keep.vocab.end(), t.pad_token_id)) {
    return bad("vocab drops the pad token " + std::to_string(t.pad_token_id));
  }
  return Status::ok();
}

// Emits the student's tensors in mobilebert_tensor_specs' order.
class Planner {
 public:
  Planner(const models::MobileBertConfig& teacher, const MobileBertKeep& keep) : t_(teacher), k_(keep) {}

  std::vector<TensorSlice> run() {
    const int h = t_.hidden_size, e = t_.embedding_size;
    add("embeddings.word_embeddings.weight", "", {t_.vocab_size, e}, {k_.vocab, k_.embedding});
    add("embeddings.position_embeddings.weight", "", {t_.max_position_embeddings, h},
        {first_indices(k_.positions), k_.hidden});
    add("embeddings.token_type_embeddings.weight", "", {t_.type_vocab_size, h},
        {first_indices(t_.type_vocab_size), k_.hidden});
    Indices trigram = k_.embedding;
    if (t_.trigram_input) {
      for (int block = 1; block < 3; ++block) {
        for (int i : k_.embedding) trigram.push_back(block * e + i);
      }
    }
    linear("embeddings.embedding_transformation", "", k_.hidden, trigram, h, e * (t_.trigram_input ? 3 : 1));
    norm("embeddings.LayerNorm", "", k_.hidden, h);
    for (std::size_t j = 0; j < k_.layers.size(); ++j) layer(static_cast<int>(j), k_.layers[j]);
    const Indices& pooled = t_.classifier_activation ? k_.pooled : k_.hidden;
    if (t_.classifier_activation) linear("pooler.dense", "", k_.pooled, k_.hidden, h, h);
    out_.push_back({"classifier.weight", "classifier.weight", {t_.num_labels, h},
                    {first_indices(t_.num_labels), pooled}});
    out_.push_back(whole_tensor("classifier.bias", "classifier.bias", {t_.num_labels}));
    return std::move(out_);
  }

 private:
  void add(const std::string& student, const std::string& teacher, std::vector<std::int64_t> shape,
           std::vector<Indices> keep) {
    const std::string from = teacher.empty() ? student : teacher;
    out_.push_back({"mobilebert." + student, "mobilebert." + from, std::move(shape), std::move(keep)});
  }
  void linear(const std::string& student, const std::string& teacher, const Indices& rows, const Indices& cols,
              int out, int in) {
    add(student + ".weight", teacher.empty() ? "" : teacher + ".weight", {out, in}, {rows, cols});
    add(student + ".bias", teacher.empty() ? "" : teacher + ".bias", {out}, {rows});
  }
  void norm(const std::string& student, const std::string& teacher, const Indices& width, int size) {
    add(student + ".weight", teacher.empty() ? "" : teacher + ".weight", {size}, {width});
    add(student + ".bias", teacher.empty() ? "" : teacher + ".bias", {size}, {width});
  }

  void layer(int j, const MobileBertLayerKeep& l) {
    const std::string s = "encoder.layer." + std::to_string(j) + ".";
    const std::string p = "encoder.layer." + std::to_string(l.teacher_layer) + ".";
    const int h = t_.hidden_size, intra = t_.intra_bottleneck_size, inter = t_.intermediate_size;
    const bool shared = t_.key_query_shared_bottleneck && !t_.use_bottleneck_attention;
    const Indices& qk_in = shared ? l.shared_qk : l.stream;
    linear(s + "attention.self.query", p + "attention.self.query", l.attention, qk_in, intra, intra);
    linear(s + "attention.self.key", p + "attention.self.key", l.attention, qk_in, intra, intra);
    linear(s + "attention.self.value", p + "attention.self.value", l.attention,
           t_.use_bottleneck_attention ? l.stream : k_.hidden, intra, t_.use_bottleneck_attention ? intra : h);
    linear(s + "attention.output.dense", p + "attention.output.dense", l.stream, l.attention, intra, intra);
    norm(s + "attention.output.LayerNorm", p + "attention.output.LayerNorm", l.stream, intra);
    const Indices& own = l.intermediate.back();
    linear(s + "intermediate.dense", p + "intermediate.dense", own, l.stream, inter, intra);
    linear(s + "output.dense", p + "output.dense", l.stream, own, intra, inter);
    norm(s + "output.LayerNorm", p + "output.LayerNorm", l.stream, intra);
    linear(s + "output.bottleneck.dense", p + "output.bottleneck.dense", k_.hidden, l.stream, h, intra);
    norm(s + "output.bottleneck.LayerNorm", p + "output.bottleneck.LayerNorm", k_.hidden, h);
    linear(s + "bottleneck.input.dense", p + "bottleneck.input.dense", l.stream, k_.hidden, intra, h);
    norm(s + "bottleneck.input.LayerNorm", p + "bottleneck.input.LayerNorm", l.stream, intra);
    if (t_.key_query_shared_bottleneck) {
      const Indices& width = shared ? l.shared_qk : l.stream;
      linear(s + "bottleneck.attention.dense", p + "bottleneck.attention.dense", width, k_.hidden, intra, h);
      norm(s + "bottleneck.attention.LayerNorm", p + "bottleneck.attention.LayerNorm", width, intra);
    }
    for (std::size_t f = 0; f < l.ffns.size(); ++f) {
      const std::string sf = s + "ffn." + std::to_string(f) + ".", pf = p + "ffn." + std::to_string(l.ffns[f]) + ".";
      linear(sf + "intermediate.dense", pf + "intermediate.dense", l.intermediate[f], l.stream, inter, intra);
      linear(sf + "output.dense", pf + "output.dense", l.stream, l.intermediate[f], intra, inter);
      norm(sf + "output.LayerNorm", pf + "output.LayerNorm", l.stream, intra);
    }
  }

  const models::MobileBertConfig& t_;
  const MobileBertKeep& k_;
  std::vector<TensorSlice> out_;
};

}  // namespace

MobileBertKeep mobilebert_keep_all(const models::MobileBertConfig& t) {
  MobileBertKeep k;
  k.vocab = first_indices(t.vocab_size);
  k.embedding = first_indices(t.embedding_size);
  k.hidden = first_indices(t.hidden_size);
  if (t.classifier_activation) k.pooled = first_indices(t.hidden_size);
  k.positions = t.max_position_embeddings;
  k.heads = t.num_attention_heads;
  for (int i = 0; i < t.num_hidden_layers; ++i) {
    MobileBertLayerKeep l;
    l.teacher_layer = i;
    l.stream = l.attention = first_indices(t.intra_bottleneck_size);
    if (t.key_query_shared_bottleneck && !t.use_bottleneck_attention) l.shared_qk = l.stream;
    l.ffns = first_indices(t.num_feedforward_networks - 1);
    l.intermediate.assign(static_cast<std::size_t>(t.num_feedforward_networks), first_indices(t.intermediate_size));
    k.layers.push_back(std::move(l));
  }
  return k;
}

Result<MobileBertSlicePlan> plan_mobilebert_slice(const models::MobileBertConfig& teacher, const MobileBertKeep& keep) {
  BFEDGE_RETURN_IF_ERROR(check_keep(teacher, keep));
  MobileBertSlicePlan plan;
  models::MobileBertConfig& s = plan.student;
  s = teacher;
  s.vocab_size = static_cast<int>(keep.vocab.size());
  s.embedding_size = static_cast<int>(keep.embedding.size());
  s.hidden_size = static_cast<int>(keep.hidden.size());
  s.max_position_embeddings = keep.positions;
  s.num_hidden_layers = static_cast<int>(keep.layers.size());
  s.num_attention_heads = keep.heads;
  s.intra_bottleneck_size = static_cast<int>(keep.layers[0].stream.size());
  s.intermediate_size = static_cast<int>(keep.layers[0].intermediate[0].size());
  s.num_feedforward_networks = static_cast<int>(keep.layers[0].ffns.size()) + 1;
  if (teacher.pad_token_id >= 0) {
    s.pad_token_id = static_cast<int>(std::lower_bound(keep.vocab.begin(), keep.vocab.end(), teacher.pad_token_id) -
                                      keep.vocab.begin());
  }
  plan.tensors = Planner(teacher, keep).run();
  return plan;
}

}  // namespace bfedge::prune
