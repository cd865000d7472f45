#include "bfedge/kernels/isa.hpp"

#include <cstdlib>
#include <string>

#include "bfedge/kernels/host_isa.hpp"

namespace bfedge::kernels {

Result<Isa> parse_isa(std::string_view name) {
  for (Isa isa : {Isa::reference, Isa::portable, Isa::avx2, Isa::avx512bf16, Isa::amxbf16}) {
    if (name == isa_name(isa)) return isa;
  }
  return invalid_argument("unknown ISA '" + std::string(name) +
                          "' (expected reference, portable, avx2, avx512bf16 or amxbf16)");
}

Isa host_isa() {
  Isa best = Isa::portable;
  for (Isa isa : {Isa::avx2, Isa::avx512bf16, Isa::amxbf16}) {
    if ((isa_features(isa) & ~host_features()) == 0) best = isa;
  }
  return best;
}

Result<Isa> host_isa_cap() {
  const char* env = std::getenv("BFEDGE_ISA");
  if (env == nullptr || *env == '\0') return host_isa();
  Result<Isa> requested = parse_isa(env);
  if (!requested.is_ok()) return invalid_argument("BFEDGE_ISA: " + requested.status().message());
  if (requested.value() > host_isa()) {
    return invalid_argument(std::string("BFEDGE_ISA: ") + env + " is not available on this CPU (best: " +
                            isa_name(host_isa()) + ")");
  }
  return requested;
}

}  // namespace bfedge::kernels
