// Test inputs for the emitted project (deploy_inputs.hpp).
#include "deploy_inputs.hpp"

#include <algorithm>
#include <cstring>

#include "bfedge/core/bf16.hpp"
#include "bfedge/io/image_transform.hpp"
#include "bfedge/io/wordpiece.hpp"
#include "bfedge/models/tinyvit_config.hpp"
#include "bfedge/models/tinyvit_graph.hpp"
#include "tinyvit_classifier.hpp"
#include "tinyvit_cli.hpp"

namespace bfedge::cli {
namespace {

template <class T>
std::vector<std::byte> bytes_of(const std::vector<T>& values) {
  std::vector<std::byte> bytes(values.size() * sizeof(T));
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

Status llama_inputs(const deploy::DeployModel& m, const DeployInputOptions& o, deploy::EmitRequest& r) {
  const graph::Graph& g = m.graph;
  const auto vocab = static_cast<int>(g.tensor(g.outputs.front()).shape.element_count());
  if (o.prompt_ids.empty()) return invalid_argument("--prompt-ids: no ids");
  for (int id : o.prompt_ids) {
    if (id < 0 || id >= vocab) {
      return invalid_argument("--prompt-ids: " + std::to_string(id) + " is outside the vocabulary 0.." + std::to_string(vocab - 1));
    }
  }
  const int steps = o.steps.value_or(std::min(64, m.sequence));
  if (steps < 1 || steps > m.sequence) {
    return invalid_argument("--steps " + std::to_string(steps) + " is outside 1.." + std::to_string(m.sequence) +
                            " (the KV cache's positions)");
  }
  r.prompt = o.prompt_ids, r.steps = steps;
  return Status::ok();
}

Status mobilebert_inputs(const deploy::DeployModel& m, const DeployInputOptions& o, deploy::EmitRequest& r) {
  Result<io::WordPieceTokenizer> tokenizer = io::WordPieceTokenizer::load(m.path + "/vocab.txt");
  if (!tokenizer.is_ok()) return tokenizer.status();
  if (o.texts.empty()) return invalid_argument("--text: no texts");
  if (m.sequence < 2) return invalid_argument("--seq-len: at least 2 tokens ([CLS] and [SEP]) to embed texts");
  Result<io::WordPieceBatch> batch = tokenizer.value().encode_batch(o.texts, m.sequence, io::WordPiecePadding::max_length);
  if (!batch.is_ok()) return batch.status();
  const io::WordPieceBatch& b = batch.value();
  const auto seq = static_cast<std::size_t>(m.sequence);
  for (std::size_t row = 0; row < o.texts.size(); ++row) {
    const auto first = static_cast<std::ptrdiff_t>(row * seq), last = first + static_cast<std::ptrdiff_t>(seq);
    const std::vector<std::int32_t> ids(b.ids.begin() + first, b.ids.begin() + last);
    const std::vector<std::int32_t> mask(b.attention_mask.begin() + first, b.attention_mask.begin() + last);
    const std::vector<std::int32_t> types(seq, 0);
    std::vector<std::vector<std::byte>> example;
    for (graph::TensorId input : m.graph.inputs) {
      const std::string& name = m.graph.tensor(input).name;
      example.push_back(bytes_of(name == "input_ids" ? ids : name == "attention_mask" ? mask : types));
    }
    r.examples.push_back(std::move(example));
  }
  return Status::ok();
}

Status tinyvit_inputs(const deploy::DeployModel& m, const DeployInputOptions& o, deploy::EmitRequest& r) {
  Result<models::TinyVitConfig> config = models::load_tinyvit_config(m.path + "/config.json");
  if (!config.is_ok()) return config.status();
  const models::TinyVitConfig& c = config.value();
  const std::string data = !o.data.empty() ? o.data : c.in_chans == 1 ? "fashion-mnist" : "cifar10";
  Result<io::ImageDataset> dataset = load_dataset(data, "test");
  if (!dataset.is_ok()) return dataset.status();
  BFEDGE_RETURN_IF_ERROR(check_dataset(dataset.value(), data, c));
  const io::ImageDataset& d = dataset.value();
  const io::ChannelStats stats = channel_stats_of(c);
  const std::size_t values = d.image_bytes();
  std::vector<float> image(values);
  for (std::size_t i = 0; i < std::min<std::size_t>(static_cast<std::size_t>(o.examples), d.size()); ++i) {
    BFEDGE_RETURN_IF_ERROR(io::normalize_image(d.image(i), d.height, d.width, d.channels, stats, io::TensorLayout::hwc, image));
    std::vector<bf16> halves(2 * values);
    models::split_image_halves(image.data(), values / static_cast<std::size_t>(d.channels), d.channels, halves.data());
    r.examples.push_back({bytes_of(halves)});
    r.labels.push_back(d.labels[i]);
  }
  return Status::ok();
}

}  // namespace

Status fill_deploy_inputs(const deploy::DeployModel& m, const DeployInputOptions& o, deploy::EmitRequest& r) {
  switch (m.family) {
    case deploy::ModelFamily::llama: return llama_inputs(m, o, r);
    case deploy::ModelFamily::mobilebert: return mobilebert_inputs(m, o, r);
    case deploy::ModelFamily::tinyvit: return tinyvit_inputs(m, o, r);
  }
  return invalid_argument("deploy: unknown model family");
}

}  // namespace bfedge::cli
