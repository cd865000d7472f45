// Host-side feature detection, the ISA cap and the BFEDGE_ISA override (not for device code).
#pragma once

#include <cstdint>
#include <string_view>

#include "bfedge/core/status.hpp"
#include "bfedge/kernels/isa.hpp"

namespace bfedge::kernels {

Result<Isa> parse_isa(std::string_view name);

// The x86 feature bits (kernels/target.hpp) this CPU has (detected once).
std::uint32_t host_features();

// The highest cap whose features this CPU has.
Isa host_isa();

// host_isa(), lowered by the environment variable BFEDGE_ISA when it is set.
// An unknown name or a level the CPU lacks is an error.
Result<Isa> host_isa_cap();

// What dispatch may use on this host under `cap`: the detected features the cap allows.
inline TargetSpec host_spec(Isa cap) {
  TargetSpec spec = x86_spec(cap);
  spec.features &= host_features();
  return spec;
}

inline bool isa_runs_on_host(Isa isa) { return isa <= host_isa(); }

// The variant's code executes on this CPU (x86 variants whose features it has, and every
// variant written in plain C++, the MCU ones included).
inline bool runs_on_host(const VariantKey& key) { return runs_on(key, host_spec(host_isa())); }

}  // namespace bfedge::kernels
