// Host-side call of one kernel variant: owns the per-core scratch and the shared workspace the
// variant asks for, and forks it over a HostCluster. Used by tests, benchmarks and bench commands.
#pragma once

#include "bfedge/kernels/variant.hpp"
#include "bfedge/runtime/aligned_buffer.hpp"
#include "bfedge/runtime/cluster.hpp"

namespace bfedge::kernels {

// Whether PreparedCall packs the variant's weights once (as a model's prepare step would) or
// leaves the variant to read them as given on every call.
enum class PackWeights : bool { no, yes };

template <class Params>
class PreparedCall {
 public:
  PreparedCall(const Variant<Params>& variant, Params params, int cores, PackWeights pack = PackWeights::no)
      : variant_(variant), params_(params) {
    if (pack == PackWeights::yes && variant.pack_weights != nullptr) {
      packed_.resize(variant.packed_weights_bytes(params) + 64);
      variant.pack_weights(params_, packed_.data());
    }
    scratch_.resize(aligned_scratch_bytes(variant.scratch_bytes(params_)) * cores + 64);
    params_.scratch = scratch_.data();
    if constexpr (requires { params_.workspace; }) {
      workspace_.resize((variant.workspace_bytes ? variant.workspace_bytes(params) : 0) + 64);
      params_.workspace = workspace_.data();
    }
  }
  PreparedCall(const PreparedCall&) = delete;
  PreparedCall& operator=(const PreparedCall&) = delete;

  // `cluster` must have at most the `cores` the call was prepared for.
  void run(runtime::HostCluster& cluster) {
    cluster.fork([this](const runtime::Team& team) { variant_.run(params_, team); });
  }

 private:
  const Variant<Params>& variant_;
  Params params_;
  runtime::AlignedBuffer scratch_, workspace_, packed_;
};

}  // namespace bfedge::kernels
