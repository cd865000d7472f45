#include <dnnl.hpp>

#include "peers.hpp"
#include "timing.hpp"

namespace bfedge::cli::peers {

std::optional<PeerTiming> dnnl_matmul_bf16(int m, int n, int k, int repetitions) {
  using dnnl::memory;
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  const memory::desc a_md({m, k}, memory::data_type::bf16, memory::format_tag::ab);
  const memory::desc b_md({k, n}, memory::data_type::bf16, memory::format_tag::ab);
  const memory::desc c_md({m, n}, memory::data_type::f32, memory::format_tag::ab);
  memory a(a_md, engine), b(b_md, engine), c(c_md, engine);
  const dnnl::matmul::desc desc(a_md, b_md, c_md);  // oneDNN 2.x API
  const dnnl::matmul::primitive_desc pd(desc, engine);
  dnnl::matmul mm(pd);
  auto run = [&] {
    mm.execute(stream, {{DNNL_ARG_SRC, a}, {DNNL_ARG_WEIGHTS, b}, {DNNL_ARG_DST, c}});
    stream.wait();
  };
  run();  // warm-up (JIT)
  return PeerTiming{median_microseconds(repetitions, run), pd.impl_info_str()};
}

}  // namespace bfedge::cli::peers
