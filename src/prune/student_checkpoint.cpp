// Student folders: read the teacher's, plan, slice, write config.json, model.safetensors, vocab.txt.
#include "bfedge/prune/student_checkpoint.hpp"

#include <filesystem>

#include "bfedge/io/file.hpp"
#include "bfedge/io/safetensors.hpp"
#include "bfedge/io/wordpiece.hpp"
#include "bfedge/models/mobilebert.hpp"
#include "bfedge/prune/vocabulary.hpp"

namespace bfedge::prune {
namespace {

namespace fs = std::filesystem;

Status write_text(const std::string& path, const std::string& text) {
  return io::write_file_atomically(path, text.data(), text.size());
}

Status write_tensors(const io::TensorTable& teacher, const std::vector<TensorSlice>& slices, const std::string& source,
                     const fs::path& out) {
  Result<std::vector<io::SafetensorsTensor>> tensors = slice_table(teacher, slices, source);
  if (!tensors.is_ok()) return tensors.status();
  Result<std::vector<std::byte>> bytes = io::encode_safetensors(tensors.value());
  if (!bytes.is_ok()) return bytes.status();
  return io::write_file_atomically((out / "model.safetensors").string(), bytes.value().data(), bytes.value().size());
}

Status make_dir(const fs::path& out) {
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec) return io_error(out.string() + ": cannot create the student's folder (" + ec.message() + ")");
  return Status::ok();
}

}  // namespace

Result<MobileBertSlicePlan> write_mobilebert_student(const std::string& teacher_dir, const MobileBertKeep& keep,
                                                     const std::string& out_dir) {
  const fs::path in(teacher_dir), out(out_dir);
  Result<models::MobileBertConfig> config = models::load_mobilebert_config((in / "config.json").string());
  if (!config.is_ok()) return config.status();
  const std::string weights = (in / "model.safetensors").string();
  Result<io::TensorTable> table = io::load_safetensors(weights);
  if (!table.is_ok()) return table.status();
  const models::MobileBertHead head = models::mobilebert_head_of(table.value());
  if (head != models::MobileBertHead::sequence_classification) {
    return invalid_argument(weights + ": a teacher needs its classifier (MobileBertForSequenceClassification)");
  }
  BFEDGE_RETURN_IF_ERROR(models::check_mobilebert_tensors(config.value(), head, table.value(), weights));
  Result<io::WordPieceTokenizer> vocab = io::WordPieceTokenizer::load((in / "vocab.txt").string());
  if (!vocab.is_ok()) return vocab.status();
  if (vocab.value().vocab_size() != config.value().vocab_size) {
    return invalid_argument((in / "vocab.txt").string() + ": " + std::to_string(vocab.value().vocab_size()) +
                            " pieces, config.json's vocab_size is " + std::to_string(config.value().vocab_size));
  }
  Result<MobileBertSlicePlan> plan = plan_mobilebert_slice(config.value(), keep);
  if (!plan.is_ok()) return plan.status();
  BFEDGE_RETURN_IF_ERROR(make_dir(out));
  BFEDGE_RETURN_IF_ERROR(write_tensors(table.value(), plan.value().tensors, weights, out));
  BFEDGE_RETURN_IF_ERROR(write_text((out / "vocab.txt").string(), pruned_vocab_text(vocab.value(), keep.vocab)));
  BFEDGE_RETURN_IF_ERROR(write_text((out / "config.json").string(), models::mobilebert_config_json(plan.value().student)));
  return plan;
}

Result<TinyVitSlicePlan> write_tinyvit_student(const std::string& teacher_dir, const TinyVitKeep& keep,
                                               const std::string& out_dir) {
  const fs::path in(teacher_dir), out(out_dir);
  Result<models::TinyVitConfig> config = models::load_tinyvit_config((in / "config.json").string());
  if (!config.is_ok()) return config.status();
  const std::string weights = (in / "model.safetensors").string();
  Result<io::TensorTable> table = io::load_safetensors(weights);
  if (!table.is_ok()) return table.status();
  BFEDGE_RETURN_IF_ERROR(models::check_tinyvit_tensors(config.value(), table.value(), weights));
  Result<TinyVitSlicePlan> plan = plan_tinyvit_slice(config.value(), keep);
  if (!plan.is_ok()) return plan.status();
  BFEDGE_RETURN_IF_ERROR(make_dir(out));
  BFEDGE_RETURN_IF_ERROR(write_tensors(table.value(), plan.value().tensors, weights, out));
  BFEDGE_RETURN_IF_ERROR(write_text((out / "config.json").string(), models::tinyvit_config_json(plan.value().student)));
  return plan;
}

}  // namespace bfedge::prune
