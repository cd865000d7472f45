// plan_tinyvit_slice: the checks of tinyvit_prune.hpp, then the student's state_dict in the order
// of models::tinyvit_tensor_specs, each entry with the teacher entry and the spaces it keeps.
#include "bfedge/prune/tinyvit_prune.hpp"

#include <cmath>
#include <string>

namespace bfedge::prune {
namespace {

using Indices = std::vector<int>;

Status bad(const std::string& what) { return invalid_argument("tinyvit pruning: " + what); }

Status check_list(const Indices& list, int limit, const std::string& what) {
  return check_keep_list(list, limit, "tinyvit", what);
}

Status check_width(const Indices& list, int width, const std::string& what, const std::string& why) {
  if (static_cast<int>(list.size()) == width) return Status::ok();
  return bad(what + " keeps " + std::to_string(list.size()) + ", but " + why + " makes it " + std::to_string(width));
}

// Whole teacher blocks, increasing.
template <class Block>
Status check_blocks(const std::vector<Block>& blocks, int depth, const std::string& what) {
  if (blocks.empty()) return bad(what + " keeps no block");
  for (std::size_t j = 0; j < blocks.size(); ++j) {
    if (blocks[j].teacher_block < 0 || blocks[j].teacher_block >= depth ||
        (j > 0 && blocks[j].teacher_block <= blocks[j - 1].teacher_block)) {
      return bad(what + " block " + std::to_string(j) + ": teacher block " + std::to_string(blocks[j].teacher_block) +
                 " is out of range or out of order");
    }
  }
  return Status::ok();
}

Status check_heads(const Indices& attention, int heads, int teacher_key_dim, const std::string& what) {
  if (heads < 1 || attention.size() % static_cast<std::size_t>(heads) != 0) {
    return bad(std::to_string(heads) + " heads do not divide " + what + "'s attention width " +
               std::to_string(attention.size()));
  }
  const std::size_t size = attention.size() / static_cast<std::size_t>(heads);
  for (std::size_t i = 0; i < attention.size(); ++i) {
    const int head = attention[i] / teacher_key_dim, first = attention[i - i % size] / teacher_key_dim;
    if (head != first) {
      return bad(what + " attention: student head " + std::to_string(i / size) + " spans teacher heads " +
                 std::to_string(first) + " and " + std::to_string(head));
    }
  }
  return Status::ok();
}

Status check_keep(const models::TinyVitConfig& t, const TinyVitKeep& k) {
  if (static_cast<int>(k.stages.size()) != t.stages()) {
    return bad(std::to_string(k.stages.size()) + " stages for a teacher with " + std::to_string(t.stages()));
  }
  for (int i = 0; i < t.stages(); ++i) {
    const TinyVitStageKeep& s = k.stages[static_cast<std::size_t>(i)];
    const std::string stage = "stage " + std::to_string(i);
    const int dim = t.embed_dims[static_cast<std::size_t>(i)], width = static_cast<int>(s.channels.size());
    BFEDGE_RETURN_IF_ERROR(check_list(s.channels, dim, stage + " channels"));
    if (i == 0) {
      BFEDGE_RETURN_IF_ERROR(check_list(k.stem, dim / 2, "stem"));
      BFEDGE_RETURN_IF_ERROR(check_width(k.stem, width / 2, "stem", "C_0 / 2"));
      BFEDGE_RETURN_IF_ERROR(check_blocks(s.mbconv, t.depths[0], stage));
      for (const TinyVitMbConvKeep& b : s.mbconv) {
        BFEDGE_RETURN_IF_ERROR(check_list(b.hidden, t.mbconv_channels(), stage + " mbconv hidden"));
        BFEDGE_RETURN_IF_ERROR(check_width(b.hidden, static_cast<int>(width * k.mbconv_expand_ratio),
                                           stage + " mbconv hidden", "mbconv_expand_ratio"));
      }
      continue;
    }
    BFEDGE_RETURN_IF_ERROR(check_list(s.merge, dim, stage + " merge"));
    BFEDGE_RETURN_IF_ERROR(check_width(s.merge, width, stage + " merge", "the stage's channels"));
    BFEDGE_RETURN_IF_ERROR(check_blocks(s.blocks, t.depths[static_cast<std::size_t>(i)], stage));
    for (std::size_t j = 0; j < s.blocks.size(); ++j) {
      const TinyVitBlockKeep& b = s.blocks[j];
      const std::string block = stage + " block " + std::to_string(j);
      BFEDGE_RETURN_IF_ERROR(check_list(b.attention, dim, block + " attention"));
      BFEDGE_RETURN_IF_ERROR(check_width(b.attention, width, block + " attention", "the stage's channels"));
      BFEDGE_RETURN_IF_ERROR(check_heads(b.attention, s.heads, t.head_dim(i), block));
      BFEDGE_RETURN_IF_ERROR(check_list(b.mlp, t.mlp_hidden(i), block + " mlp"));
      BFEDGE_RETURN_IF_ERROR(check_width(b.mlp, static_cast<int>(width * k.mlp_ratio), block + " mlp", "mlp_ratio"));
    }
  }
  return Status::ok();
}

class Planner {
 public:
  Planner(const models::TinyVitConfig& teacher, const TinyVitKeep& keep) : t_(teacher), k_(keep) {}

  std::vector<TensorSlice> run() {
    const int c0 = t_.embed_dims[0];
    conv_norm("patch_embed.conv1", "patch_embed.conv1", k_.stem, first_indices(t_.in_chans), c0 / 2, t_.in_chans, 3);
    conv_norm("patch_embed.conv2", "patch_embed.conv2", stage(0).channels, k_.stem, c0, c0 / 2, 3);
    for (int i = 0; i < t_.stages(); ++i) {
      const TinyVitStageKeep& s = stage(i);
      const std::string st = "stages." + std::to_string(i) + ".";
      const int dim = t_.embed_dims[static_cast<std::size_t>(i)];
      if (i == 0) {
        const int mid = t_.mbconv_channels();
        for (std::size_t j = 0; j < s.mbconv.size(); ++j) {
          const std::string b = st + "blocks." + std::to_string(j), p = st + "blocks." + std::to_string(s.mbconv[j].teacher_block);
          const Indices& hidden = s.mbconv[j].hidden;
          conv_norm(b + ".conv1", p + ".conv1", hidden, s.channels, mid, dim, 1);
          conv_norm(b + ".conv2", p + ".conv2", hidden, {0}, mid, 1, 3);
          conv_norm(b + ".conv3", p + ".conv3", s.channels, hidden, dim, mid, 1);
        }
        continue;
      }
      const int previous = t_.embed_dims[static_cast<std::size_t>(i) - 1];
      conv_norm(st + "downsample.conv1", st + "downsample.conv1", s.merge, stage(i - 1).channels, dim, previous, 1);
      conv_norm(st + "downsample.conv2", st + "downsample.conv2", s.merge, {0}, dim, 1, 3);
      conv_norm(st + "downsample.conv3", st + "downsample.conv3", s.channels, s.merge, dim, dim, 1);
      for (std::size_t j = 0; j < s.blocks.size(); ++j) block(i, static_cast<int>(j), s.blocks[j]);
    }
    const int last = t_.embed_dims.back();
    norm("head.norm", "head.norm", stage(t_.stages() - 1).channels, last);
    linear("head.fc", "head.fc", first_indices(t_.num_classes), stage(t_.stages() - 1).channels, t_.num_classes, last);
    return std::move(out_);
  }

 private:
  const TinyVitStageKeep& stage(int i) const { return k_.stages[static_cast<std::size_t>(i)]; }

  void add(const std::string& student, const std::string& teacher, std::vector<std::int64_t> shape,
           std::vector<Indices> keep) {
    out_.push_back({student, teacher, std::move(shape), std::move(keep)});
  }
  void conv_norm(const std::string& s, const std::string& p, const Indices& out, const Indices& in, int out_size,
                 int in_size, int k) {
    add(s + ".conv.weight", p + ".conv.weight", {out_size, in_size, k, k}, {out, in, first_indices(k), first_indices(k)});
    for (const char* v : {".bn.weight", ".bn.bias", ".bn.running_mean", ".bn.running_var"}) {
      add(s + v, p + v, {out_size}, {out});
    }
    out_.push_back(whole_tensor(s + ".bn.num_batches_tracked", p + ".bn.num_batches_tracked", {}));
  }
  void norm(const std::string& s, const std::string& p, const Indices& width, int size) {
    add(s + ".weight", p + ".weight", {size}, {width});
    add(s + ".bias", p + ".bias", {size}, {width});
  }
  void linear(const std::string& s, const std::string& p, const Indices& rows, const Indices& cols, int out, int in) {
    add(s + ".weight", p + ".weight", {out, in}, {rows, cols});
    add(s + ".bias", p + ".bias", {out}, {rows});
  }

  void block(int i, int j, const TinyVitBlockKeep& b) {
    const std::string s = "stages." + std::to_string(i) + ".blocks." + std::to_string(j);
    const std::string p = "stages." + std::to_string(i) + ".blocks." + std::to_string(b.teacher_block);
    const TinyVitStageKeep& st = stage(i);
    const int dim = t_.embed_dims[static_cast<std::size_t>(i)], heads = t_.num_heads[static_cast<std::size_t>(i)];
    const int window = t_.window_sizes[static_cast<std::size_t>(i)], kd = t_.head_dim(i);
    const std::size_t size = b.attention.size() / static_cast<std::size_t>(st.heads);
    Indices head_rows, qkv_rows;
    for (std::size_t h = 0; h < static_cast<std::size_t>(st.heads); ++h) {
      const int teacher_head = b.attention[h * size] / kd;
      head_rows.push_back(teacher_head);
      for (int part = 0; part < 3; ++part) {  // q, k, v of this head
        for (std::size_t d = 0; d < size; ++d) {
          qkv_rows.push_back(teacher_head * 3 * kd + part * kd + b.attention[h * size + d] % kd);
        }
      }
    }
    add(s + ".attn.attention_biases", p + ".attn.attention_biases", {heads, window * window},
        {head_rows, first_indices(window * window)});
    norm(s + ".attn.norm", p + ".attn.norm", st.channels, dim);
    linear(s + ".attn.qkv", p + ".attn.qkv", qkv_rows, st.channels, 3 * dim, dim);
    linear(s + ".attn.proj", p + ".attn.proj", st.channels, b.attention, dim, dim);
    norm(s + ".mlp.norm", p + ".mlp.norm", st.channels, dim);
    linear(s + ".mlp.fc1", p + ".mlp.fc1", b.mlp, st.channels, t_.mlp_hidden(i), dim);
    linear(s + ".mlp.fc2", p + ".mlp.fc2", st.channels, b.mlp, dim, t_.mlp_hidden(i));
    conv_norm(s + ".local_conv", p + ".local_conv", st.channels, {0}, dim, 1, t_.local_conv_size);
  }

  const models::TinyVitConfig& t_;
  const TinyVitKeep& k_;
  std::vector<TensorSlice> out_;
};

}  // namespace

double ratio_for_width(int channels, int width) {
  double r = static_cast<double>(width) / channels;
  while (static_cast<int>(channels * r) < width) r = std::nextafter(r, 2.0 * r + 1.0);
  return r;
}

TinyVitKeep tinyvit_keep_all(const models::TinyVitConfig& t) {
  TinyVitKeep k;
  k.stem = first_indices(t.embed_dims[0] / 2);
  k.mlp_ratio = t.mlp_ratio, k.mbconv_expand_ratio = t.mbconv_expand_ratio;
  for (int i = 0; i < t.stages(); ++i) {
    TinyVitStageKeep s;
    s.channels = first_indices(t.embed_dims[static_cast<std::size_t>(i)]);
    const int depth = t.depths[static_cast<std::size_t>(i)];
    if (i == 0) {
      for (int j = 0; j < depth; ++j) s.mbconv.push_back({j, first_indices(t.mbconv_channels())});
    } else {
      s.merge = s.channels;
      s.heads = t.num_heads[static_cast<std::size_t>(i)];
      for (int j = 0; j < depth; ++j) s.blocks.push_back({j, s.channels, first_indices(t.mlp_hidden(i))});
    }
    k.stages.push_back(std::move(s));
  }
  return k;
}

Result<TinyVitSlicePlan> plan_tinyvit_slice(const models::TinyVitConfig& teacher, const TinyVitKeep& keep) {
  BFEDGE_RETURN_IF_ERROR(check_keep(teacher, keep));
  TinyVitSlicePlan plan;
  models::TinyVitConfig& s = plan.student;
  s = teacher;
  s.mlp_ratio = keep.mlp_ratio, s.mbconv_expand_ratio = keep.mbconv_expand_ratio;
  for (int i = 0; i < teacher.stages(); ++i) {
    const TinyVitStageKeep& st = keep.stages[static_cast<std::size_t>(i)];
    s.embed_dims[static_cast<std::size_t>(i)] = static_cast<int>(st.channels.size());
    s.depths[static_cast<std::size_t>(i)] = static_cast<int>(i == 0 ? st.mbconv.size() : st.blocks.size());
    if (i > 0) s.num_heads[static_cast<std::size_t>(i)] = st.heads;
  }
  // Stage 0 has no attention (MBConv); its num_heads only has to divide C_0 for the config to be valid.
  if (s.embed_dims[0] % s.num_heads[0] != 0) s.num_heads[0] = 1;
  plan.tensors = Planner(teacher, keep).run();
  return plan;
}

}  // namespace bfedge::prune
