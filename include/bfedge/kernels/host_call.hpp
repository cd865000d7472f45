// Host-side call of one kernel variant: owns the per-core scratch and the shared workspace the
// variant asks for, and forks it over a HostCluster. Used by tests, benchmarks and bench commands.
#pragma once

#include "bfedge/kernels/variant.hpp"
#include "bfedge/runtime/aligned_buffer.hpp"
#include "bfedge/runtime/cluster.hpp"

namespace bfedge::kernels {

template <class Params>
class PreparedCall {
 public:
  PreparedCall(const Variant<Params>& variant, Params params, int cores)
      : variant_(variant), params_(params) {
    scratch_.resize(aligned_scratch_bytes(variant.scratch_bytes(params)) * cores + 64);
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
  runtime::AlignedBuffer scratch_, workspace_;
};

}  // namespace bfedge::kernels
