// A pruned student written as an ordinary checkpoint folder: the teacher's folder read
// (config.json, model.safetensors and, for MobileBERT, vocab.txt), the keep lists planned and
// applied, and the student's config.json, model.safetensors (F32) and vocab.txt written to `out`
// (each file atomically), so that load_mobilebert / load_tinyvit, `bfedge eval` and training read
// it like any other. Errors name the file.
#pragma once

#include <string>

#include "bfedge/core/status.hpp"
#include "bfedge/prune/mobilebert_prune.hpp"
#include "bfedge/prune/tinyvit_prune.hpp"

namespace bfedge::prune {

// keep.vocab lists teacher ids; the student's vocab.txt holds those pieces in that order.
Result<MobileBertSlicePlan> write_mobilebert_student(const std::string& teacher_dir, const MobileBertKeep& keep,
                                                     const std::string& out_dir);
Result<TinyVitSlicePlan> write_tinyvit_student(const std::string& teacher_dir, const TinyVitKeep& keep,
                                               const std::string& out_dir);

}  // namespace bfedge::prune
