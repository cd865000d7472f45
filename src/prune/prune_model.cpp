// PruneModel for TinyViT: the teacher's config and checkpoint read once, magnitude importance
// computed once, then per point the shape, keep lists, config and footprint.
#include "bfedge/prune/prune_model.hpp"

#include <algorithm>
#include <filesystem>

#include "bfedge/io/safetensors.hpp"
#include "bfedge/io/wordpiece.hpp"
#include "bfedge/models/mobilebert_config.hpp"
#include "bfedge/prune/vocabulary.hpp"
#include "bfedge/models/tinyvit_config.hpp"
#include "bfedge/prune/importance.hpp"
#include "bfedge/prune/search_spaces.hpp"
#include "bfedge/prune/student_checkpoint.hpp"
#include "bfedge/prune/tensor_slice.hpp"

namespace bfedge::prune {
namespace {

namespace fs = std::filesystem;

// A checkpoint folder's config and the magnitude importance of its weights.
template <class Config>
struct Source {
  Config config;
  Importance importance;
};

template <class Config, class LoadConfig, class Spaces>
Result<Source<Config>> read_source(const std::string& dir, LoadConfig load_config, Spaces spaces) {
  Result<Config> config = load_config((fs::path(dir) / "config.json").string());
  if (!config.is_ok()) return config.status();
  const std::string weights = (fs::path(dir) / "model.safetensors").string();
  Result<io::TensorTable> table = io::load_safetensors(weights);
  if (!table.is_ok()) return table.status();
  Result<Importance> importance = magnitude_importance(spaces(config.value()), table.value(), weights);
  if (!importance.is_ok()) return importance.status();
  return Source<Config>{std::move(config).value(), std::move(importance).value()};
}

Result<Source<models::TinyVitConfig>> read_tinyvit_source(const std::string& dir) {
  return read_source<models::TinyVitConfig>(dir, models::load_tinyvit_config, tinyvit_spaces);
}

Result<Source<models::MobileBertConfig>> read_mobilebert_source(const std::string& dir) {
  return read_source<models::MobileBertConfig>(dir, models::load_mobilebert_config, mobilebert_spaces);
}

class TinyVitPruneModel final : public PruneModel {
 public:
  TinyVitPruneModel(std::string teacher_dir, models::TinyVitConfig teacher, Importance importance,
                    const deploy::FootprintModel& footprints)
      : teacher_dir_(std::move(teacher_dir)),
        teacher_(std::move(teacher)),
        importance_(std::move(importance)),
        space_(tinyvit_search_space(teacher_)),
        footprints_(footprints) {}

  const char* family() const override { return "tinyvit"; }
  const SearchSpace& space() const override { return space_; }

  Result<deploy::Footprint> footprint(const Point& point) const override {
    Result<models::TinyVitConfig> config = tinyvit_candidate_config(teacher_, tinyvit_shape_at(teacher_, space_, point));
    if (!config.is_ok()) return config.status();
    return footprints_.tinyvit(config.value());
  }

  const std::string& teacher_dir() const override { return teacher_dir_; }

  Status write_student(const Point& point, const std::string& source_dir, const std::string& dir) const override {
    const TinyVitShape shape = tinyvit_shape_at(teacher_, space_, point);
    Result<TinyVitKeep> keep = keep_from(source_dir, shape);
    if (!keep.is_ok()) return keep.status();
    Result<TinyVitSlicePlan> written = write_tinyvit_student(source_dir, keep.value(), dir);
    return written.is_ok() ? Status::ok() : written.status();
  }

 private:
  Result<TinyVitKeep> keep_from(const std::string& source_dir, const TinyVitShape& shape) const {
    if (source_dir == teacher_dir_) return select_tinyvit_keep(teacher_, importance_, shape);
    Result<Source<models::TinyVitConfig>> source = read_tinyvit_source(source_dir);
    if (!source.is_ok()) return source.status();
    return select_tinyvit_keep(source.value().config, source.value().importance, shape);
  }

  std::string teacher_dir_;
  models::TinyVitConfig teacher_;
  Importance importance_;
  SearchSpace space_;
  const deploy::FootprintModel& footprints_;
};

class MobileBertPruneModel final : public PruneModel {
 public:
  MobileBertPruneModel(std::string teacher_dir, Source<models::MobileBertConfig> teacher, std::vector<int> vocab,
                       int positions, const deploy::FootprintModel& footprints)
      : teacher_dir_(std::move(teacher_dir)),
        teacher_(std::move(teacher)),
        vocab_(std::move(vocab)),
        positions_(positions),
        space_(mobilebert_search_space(teacher_.config)),
        footprints_(footprints) {}

  const char* family() const override { return "mobilebert"; }
  const SearchSpace& space() const override { return space_; }
  const std::string& teacher_dir() const override { return teacher_dir_; }

  Result<deploy::Footprint> footprint(const Point& point) const override {
    Result<models::MobileBertConfig> config =
        mobilebert_candidate_config(teacher_.config, mobilebert_shape_at(teacher_.config, space_, point, vocab_, positions_));
    if (!config.is_ok()) return config.status();
    return footprints_.mobilebert(config.value(), positions_);
  }

  Status write_student(const Point& point, const std::string& source_dir, const std::string& dir) const override {
    Result<MobileBertKeep> keep = keep_from(source_dir, point);
    if (!keep.is_ok()) return keep.status();
    Result<MobileBertSlicePlan> written = write_mobilebert_student(source_dir, keep.value(), dir);
    return written.is_ok() ? Status::ok() : written.status();
  }

 private:
  // The teacher's keep lists use the task's vocabulary; a student's, all of its own (pruned already).
  Result<MobileBertKeep> keep_from(const std::string& source_dir, const Point& point) const {
    if (source_dir == teacher_dir_) {
      return select_mobilebert_keep(teacher_.config, teacher_.importance,
                                    mobilebert_shape_at(teacher_.config, space_, point, vocab_, positions_));
    }
    Result<Source<models::MobileBertConfig>> source = read_mobilebert_source(source_dir);
    if (!source.is_ok()) return source.status();
    const models::MobileBertConfig& c = source.value().config;
    const MobileBertShape shape = mobilebert_shape_at(teacher_.config, space_, point, first_indices(c.vocab_size),
                                                      std::min(positions_, c.max_position_embeddings));
    return select_mobilebert_keep(c, source.value().importance, shape);
  }

  std::string teacher_dir_;
  Source<models::MobileBertConfig> teacher_;
  std::vector<int> vocab_;
  int positions_;
  SearchSpace space_;
  const deploy::FootprintModel& footprints_;
};

}  // namespace

Result<std::unique_ptr<PruneModel>> open_tinyvit_prune_model(const std::string& teacher_dir,
                                                             const deploy::FootprintModel& footprints) {
  Result<Source<models::TinyVitConfig>> teacher = read_tinyvit_source(teacher_dir);
  if (!teacher.is_ok()) return teacher.status();
  return std::unique_ptr<PruneModel>(new TinyVitPruneModel(teacher_dir, std::move(teacher.value().config),
                                                           std::move(teacher.value().importance), footprints));
}

Result<std::unique_ptr<PruneModel>> open_mobilebert_prune_model(const std::string& teacher_dir,
                                                                std::span<const std::string> task_texts, int max_length,
                                                                const deploy::FootprintModel& footprints) {
  Result<Source<models::MobileBertConfig>> teacher = read_mobilebert_source(teacher_dir);
  if (!teacher.is_ok()) return teacher.status();
  const std::string vocab_path = (fs::path(teacher_dir) / "vocab.txt").string();
  Result<io::WordPieceTokenizer> tokenizer = io::WordPieceTokenizer::load(vocab_path);
  if (!tokenizer.is_ok()) return tokenizer.status();
  Result<std::vector<int>> vocab = task_vocabulary(tokenizer.value(), task_texts);
  if (!vocab.is_ok()) return vocab.status();
  const int positions = std::min(max_length, teacher.value().config.max_position_embeddings);
  if (positions < 2) return invalid_argument("max length " + std::to_string(max_length) + ": at least 2 ([CLS], [SEP])");
  return std::unique_ptr<PruneModel>(new MobileBertPruneModel(teacher_dir, std::move(teacher).value(),
                                                              std::move(vocab).value(), positions, footprints));
}

}  // namespace bfedge::prune
