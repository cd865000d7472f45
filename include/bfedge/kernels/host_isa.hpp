// Host-side ISA detection and the BFEDGE_ISA override (not for device code).
#pragma once

#include <string_view>

#include "bfedge/core/status.hpp"
#include "bfedge/kernels/isa.hpp"

namespace bfedge::kernels {

Result<Isa> parse_isa(std::string_view name);

// The best level this CPU runs (detected once).
Isa host_isa();

// host_isa(), lowered by the environment variable BFEDGE_ISA when it is set.
// An unknown name or a level the CPU lacks is an error.
Result<Isa> host_isa_cap();

inline bool isa_runs_on_host(Isa isa) { return isa <= host_isa(); }

}  // namespace bfedge::kernels
