// What the pruning search needs of a model family, behind one interface: the teacher's search
// space, and per candidate (a point of it) the student's config footprint and its checkpoint
// folder, sliced from the teacher by importance (docs/adr/0009). Torch-free.
#pragma once

#include <memory>
#include <span>
#include <string>

#include "bfedge/core/status.hpp"
#include "bfedge/deploy/footprint.hpp"
#include "bfedge/prune/search.hpp"

namespace bfedge::prune {

class PruneModel {
 public:
  virtual ~PruneModel() = default;
  virtual const char* family() const = 0;  // "tinyvit", "mobilebert"
  virtual const SearchSpace& space() const = 0;
  // The footprint of the student at `point` (the dense point: the teacher's).
  virtual Result<deploy::Footprint> footprint(const Point& point) const = 0;
  virtual const std::string& teacher_dir() const = 0;
  // Writes the student at `point` into `dir` (config.json, model.safetensors[, vocab.txt]), sliced
  // by weight magnitude from `source_dir`: the teacher's folder, or a trained checkpoint of a
  // point no smaller on any axis (a greedy step's parent).
  virtual Status write_student(const Point& point, const std::string& source_dir, const std::string& dir) const = 0;
};

// A TinyViT teacher folder (config.json, model.safetensors), importance by weight magnitude.
// Errors name the file.
Result<std::unique_ptr<PruneModel>> open_tinyvit_prune_model(const std::string& teacher_dir,
                                                             const deploy::FootprintModel& footprints);

// A MobileBERT teacher folder (config.json, model.safetensors, vocab.txt) for a task: its
// vocabulary is pruned to the pieces `task_texts` use (task_vocabulary) and its position table to
// `max_length`, in every candidate; footprints are for sequences of `max_length` tokens. A
// candidate sliced from a student keeps the student's vocabulary. Errors name the file.
Result<std::unique_ptr<PruneModel>> open_mobilebert_prune_model(const std::string& teacher_dir,
                                                                std::span<const std::string> task_texts, int max_length,
                                                                const deploy::FootprintModel& footprints);

}  // namespace bfedge::prune
