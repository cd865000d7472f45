// The default search spaces of the pruning search (docs/adr/0009), read off a teacher's config:
// one axis per prunable size, its values from the teacher's down, and the candidate a point
// stands for (the sizes select_*_keep takes, and the student's config without weights, for its
// footprint).
//   TinyViT:    depth.0 … depth.3 (blocks per stage), stage0 (C_0), heads.1 … heads.3, key_dim
//               (C_i = heads_i · key_dim), mlp_ratio, expand_ratio.
//   MobileBERT: layers, heads, head_size, intermediate, ffns, hidden, embedding; the vocabulary
//               (the task's pieces) and the positions (the task's length) are pruned in every
//               candidate, the dense point included.
#pragma once

#include <vector>

#include "bfedge/core/status.hpp"
#include "bfedge/deploy/footprint.hpp"
#include "bfedge/models/mobilebert_config.hpp"
#include "bfedge/models/tinyvit_config.hpp"
#include "bfedge/prune/importance.hpp"
#include "bfedge/prune/search.hpp"

namespace bfedge::prune {

SearchSpace tinyvit_search_space(const models::TinyVitConfig& teacher);
TinyVitShape tinyvit_shape_at(const models::TinyVitConfig& teacher, const SearchSpace& space, const Point& point);
// The student's config at `shape` (plan_tinyvit_slice's, with any keep lists of those sizes).
Result<models::TinyVitConfig> tinyvit_candidate_config(const models::TinyVitConfig& teacher, const TinyVitShape& shape);

SearchSpace mobilebert_search_space(const models::MobileBertConfig& teacher);
MobileBertShape mobilebert_shape_at(const models::MobileBertConfig& teacher, const SearchSpace& space, const Point& point,
                                    std::vector<int> vocab, int positions);
Result<models::MobileBertConfig> mobilebert_candidate_config(const models::MobileBertConfig& teacher,
                                                             const MobileBertShape& shape);

// The point with every axis at its last (smallest) value.
Point smallest_point(const SearchSpace& space);

// Ok when the space's smallest candidate (`smallest`, its footprint) fits `budget_bytes` (0: no
// budget); otherwise an error saying the smallest footprint the space reaches, and where.
Status check_budget_reachable(const SearchSpace& space, std::int64_t budget_bytes, const deploy::Footprint& smallest);

}  // namespace bfedge::prune
