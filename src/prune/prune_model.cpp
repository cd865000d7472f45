// PruneModel for TinyViT: the teacher's config and checkpoint read once, magnitude importance
// computed once, then per point the shape, keep lists, config and footprint.
#include "bfedge/prune/prune_model.hpp"

#include <filesystem>

#include "bfedge/io/safetensors.hpp"
#include "bfedge/models/tinyvit_config.hpp"
#include "bfedge/prune/importance.hpp"
#include "bfedge/prune/search_spaces.hpp"
#include "bfedge/prune/student_checkpoint.hpp"

namespace bfedge::prune {
namespace {

namespace fs = std::filesystem;

struct Source {
  models::TinyVitConfig config;
  Importance importance;
};

// A TinyViT folder's config and the magnitude importance of its weights.
Result<Source> read_source(const std::string& dir) {
  Result<models::TinyVitConfig> config = models::load_tinyvit_config((fs::path(dir) / "config.json").string());
  if (!config.is_ok()) return config.status();
  const std::string weights = (fs::path(dir) / "model.safetensors").string();
  Result<io::TensorTable> table = io::load_safetensors(weights);
  if (!table.is_ok()) return table.status();
  Result<Importance> importance = magnitude_importance(tinyvit_spaces(config.value()), table.value(), weights);
  if (!importance.is_ok()) return importance.status();
  return Source{std::move(config).value(), std::move(importance).value()};
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
    Result<Source> source = read_source(source_dir);
    if (!source.is_ok()) return source.status();
    return select_tinyvit_keep(source.value().config, source.value().importance, shape);
  }

  std::string teacher_dir_;
  models::TinyVitConfig teacher_;
  Importance importance_;
  SearchSpace space_;
  const deploy::FootprintModel& footprints_;
};

}  // namespace

Result<std::unique_ptr<PruneModel>> open_tinyvit_prune_model(const std::string& teacher_dir,
                                                             const deploy::FootprintModel& footprints) {
  Result<Source> teacher = read_source(teacher_dir);
  if (!teacher.is_ok()) return teacher.status();
  return std::unique_ptr<PruneModel>(new TinyVitPruneModel(teacher_dir, std::move(teacher.value().config),
                                                           std::move(teacher.value().importance), footprints));
}

}  // namespace bfedge::prune
