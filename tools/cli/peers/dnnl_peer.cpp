#include <cstdio>
#include <dnnl.hpp>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "peer_api.h"
#include "timing.hpp"

extern "C" int bfedge_peer_dnnl_matmul_bf16(int m, int n, int k, int threads, int repetitions,
                                            double* microseconds, char* detail, int detail_size) {
  using dnnl::memory;
  try {
#ifdef _OPENMP
    // Debian's oneDNN runs on OpenMP, which otherwise takes every CPU: match bfedge's threads.
    omp_set_num_threads(threads);
#else
    (void)threads;
#endif
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
    *microseconds = bfedge::cli::median_microseconds(repetitions, run);
    std::snprintf(detail, static_cast<std::size_t>(detail_size), "%s", pd.impl_info_str());
    return 1;
  } catch (...) {
    return 0;
  }
}
