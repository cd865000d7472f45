// Every variant of every op in the variant lists, on shapes from the real models:
// stories260K (dim 64, hidden 172, vocab 512), MobileBERT (L 128, hidden 512, bottleneck 128,
// 4 heads), TinyViT-5M stages (7×7 and 14×14 windows, heads of 32; the stem's and MBConv's
// convolutions and window attention), and the reference MHSA shape (L 64, E 512, H 4). Counters: GFLOP/s and
// MAC/cycle (at the CPU's nominal clock).
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "bfedge/core/random_data.hpp"
#include "bfedge/kernels/host_isa.hpp"
#include "bfedge/kernels/variants.hpp"
#include "bfedge/kernels/host_call.hpp"
#include "bfedge/runtime/cluster.hpp"

namespace bfedge::bench {
namespace {

namespace k = kernels;

void set_counters(benchmark::State& state, double macs) {
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * macs * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  const double hz = benchmark::CPUInfo::Get().cycles_per_second;
  state.counters["MAC/cycle"] =
      benchmark::Counter(macs / hz, benchmark::Counter::kIsIterationInvariantRate);
}

template <class Params>
void run_loop(benchmark::State& state, const k::Variant<Params>& variant, Params params) {
  k::PreparedCall<Params> call(variant, params, 1);
  runtime::HostCluster cluster(1);
  for (auto _ : state) {
    call.run(cluster);
    benchmark::ClobberMemory();
  }
}

struct GemmShape {
  const char* model;
  int m, n, k;
};

void register_matmul() {
  static const GemmShape shapes[] = {
      {"stories260K_prefill_wq", 16, 64, 64},  {"stories260K_prefill_w1", 16, 172, 64},
      {"mobilebert_bottleneck", 128, 128, 512}, {"mobilebert_ffn", 128, 512, 128},
      {"tinyvit_s1_qkv_7x7", 49, 192, 64},     {"tinyvit_s3_qkv_14x14", 196, 480, 160},
      {"ref_mhsa_in_proj", 64, 1536, 512},     {"square_512", 512, 512, 512}};
  for (const k::MatmulVariant& v : k::matmul_variants()) {
    if (!k::runs_on_host(v.key)) continue;
    for (const GemmShape& s : shapes) {
      const std::string name = std::string("matmul/") + v.name + "/" + s.model;
      benchmark::RegisterBenchmark(name.c_str(), [&v, s](benchmark::State& state) {
        const auto a = random_bf16(static_cast<std::size_t>(s.m) * s.k, 1);
        const auto b = random_bf16(static_cast<std::size_t>(s.n) * s.k, 2);
        std::vector<bf16> c(static_cast<std::size_t>(s.m) * s.n);
        k::MatmulParams p;
        p.m = s.m, p.n = s.n, p.k = s.k, p.a = a.data(), p.lda = s.k, p.b = b.data(), p.ldb = s.k;
        p.b_transposed = true, p.c = c.data(), p.ldc = s.n;
        run_loop(state, v, p);
        set_counters(state, double{1.0} * s.m * s.n * s.k);
      })->Unit(benchmark::kMicrosecond);
    }
  }
}

// TinyViT's convolutions (NHWC, batch 1): the stem's dense 3×3 convs (3→32 on a 32×32 CIFAR-size
// image at stride 1; 3→32 and 32→64 at stride 2 on a 224×224 image) and the depthwise 3×3 convs
// of MBConv / local_conv (stride 1) and PatchMerging (stride 2).
struct ConvShape {
  const char* model;
  int in_hw, in_channels, out_channels, stride;  // kernel 3, pad 1
};

void register_conv() {
  static const ConvShape dense[] = {{"tinyvit_stem_3to32_32x32_s1", 32, 3, 32, 1},
                                    {"tinyvit_stem_3to32_224x224_s2", 224, 3, 32, 2},
                                    {"tinyvit_stem_32to64_112x112_s2", 112, 32, 64, 2}};
  for (const k::Conv2dVariant& v : k::conv2d_variants()) {
    if (!k::runs_on_host(v.key)) continue;
    for (const ConvShape& s : dense) {
      const std::string name = std::string("conv2d/") + v.name + "/" + s.model;
      benchmark::RegisterBenchmark(name.c_str(), [&v, s](benchmark::State& state) {
        k::Conv2dParams p;
        p.in_h = p.in_w = s.in_hw, p.in_channels = s.in_channels, p.out_channels = s.out_channels;
        p.kernel = 3, p.stride = s.stride, p.pad = 1;
        const auto x = random_bf16(static_cast<std::size_t>(s.in_hw) * s.in_hw * s.in_channels, 1);
        const auto w = random_bf16(static_cast<std::size_t>(s.out_channels) * p.patch(), 2);
        const auto bias = random_bf16(static_cast<std::size_t>(s.out_channels), 3);
        const std::size_t pixels = static_cast<std::size_t>(p.out_h()) * p.out_w();
        std::vector<bf16> out(pixels * s.out_channels);
        p.x = x.data(), p.w = w.data(), p.bias = bias.data(), p.out = out.data();
        run_loop(state, v, p);
        set_counters(state, 1.0 * p.out_h() * p.out_w() * s.out_channels * p.patch());
      })->Unit(benchmark::kMicrosecond);
    }
  }
  static const ConvShape depthwise[] = {{"tinyvit_dw_256ch_16x16_s1", 16, 256, 256, 1},
                                        {"tinyvit_dw_128ch_16x16_s2", 16, 128, 128, 2},
                                        {"tinyvit_dw_640ch_56x56_s1", 56, 640, 640, 1}};
  for (const k::DepthwiseConv2dVariant& v : k::depthwise_conv2d_variants()) {
    if (!k::runs_on_host(v.key)) continue;
    for (const ConvShape& s : depthwise) {
      const std::string name = std::string("depthwise_conv2d/") + v.name + "/" + s.model;
      benchmark::RegisterBenchmark(name.c_str(), [&v, s](benchmark::State& state) {
        k::DepthwiseConv2dParams p;
        p.in_h = p.in_w = s.in_hw, p.channels = s.in_channels, p.kernel = 3, p.stride = s.stride, p.pad = 1;
        const auto x = random_bf16(static_cast<std::size_t>(s.in_hw) * s.in_hw * s.in_channels, 1);
        const auto w = random_bf16(static_cast<std::size_t>(9) * s.in_channels, 2);
        const auto bias = random_bf16(static_cast<std::size_t>(s.in_channels), 3);
        const std::size_t pixels = static_cast<std::size_t>(p.out_h()) * p.out_w();
        std::vector<bf16> out(pixels * s.in_channels);
        p.x = x.data(), p.w = w.data(), p.bias = bias.data(), p.out = out.data();
        run_loop(state, v, p);
        set_counters(state, 9.0 * p.out_h() * p.out_w() * s.in_channels);
      })->Unit(benchmark::kMicrosecond);
    }
  }
}

void register_matvec() {
  static const GemmShape shapes[] = {{"stories260K_wq", 1, 64, 64},
                                     {"stories260K_w1", 1, 172, 64},
                                     {"stories260K_w2", 1, 64, 172},
                                     {"stories260K_classifier", 1, 512, 64}};
  for (const k::MatvecVariant& v : k::matvec_variants()) {
    if (!k::runs_on_host(v.key)) continue;
    for (const GemmShape& s : shapes) {
      const std::string name = std::string("matvec/") + v.name + "/" + s.model;
      benchmark::RegisterBenchmark(name.c_str(), [&v, s](benchmark::State& state) {
        const auto w = random_bf16(static_cast<std::size_t>(s.n) * s.k, 1);
        std::vector<bf16> packed(k::matvec_packed_elements(s.n, s.k));
        k::matvec_pack(w.data(), s.n, s.k, s.k, packed.data());
        const auto x = random_bf16(static_cast<std::size_t>(s.k), 2);
        std::vector<bf16> y(static_cast<std::size_t>(s.n));
        k::MatvecParams p;
        p.rows = s.n, p.cols = s.k, p.w_packed = packed.data(), p.x = x.data(), p.y = y.data();
        run_loop(state, v, p);
        set_counters(state, double{1.0} * s.n * s.k);
      })->Unit(benchmark::kNanosecond);
    }
  }
}

void register_attention_decode() {
  for (const k::AttentionDecodeVariant& v : k::attention_decode_variants()) {
    if (!k::runs_on_host(v.key)) continue;
    for (int positions : {32, 256, 512}) {
      const std::string name = std::string("attention_decode/") + v.name + "/stories260K_pos" +
                               std::to_string(positions);
      benchmark::RegisterBenchmark(name.c_str(), [&v, positions](benchmark::State& state) {
        const int heads = 8, kv_heads = 4, hs = 8, cap = 512;
        const auto q = random_bf16(heads * hs, 1);
        const auto kc = random_bf16(static_cast<std::size_t>(kv_heads) * hs * cap, 2);
        const auto vc = random_bf16(static_cast<std::size_t>(kv_heads) * hs * cap, 3);
        std::vector<bf16> out(heads * hs);
        k::AttentionDecodeParams p;
        p.n_heads = heads, p.n_kv_heads = kv_heads, p.head_size = hs, p.n_positions = positions;
        p.seq_cap = cap, p.q = q.data(), p.k_cache = kc.data(), p.v_cache = vc.data(), p.out = out.data();
        run_loop(state, v, p);
        set_counters(state, 2.0 * heads * hs * positions);
      })->Unit(benchmark::kNanosecond);
    }
  }
}

// TinyViT-5M's window attention, heads of 32: CIFAR-10 stage 1 (one 8×8 window, 4 heads), 224×224
// stage 1 (16 windows of 7×7, 4 heads) and stage 2 (one 14×14 window, 5 heads).
struct WindowAttentionShape {
  const char* model;
  int windows, window, heads;
};

void register_window_attention() {
  static const WindowAttentionShape shapes[] = {{"tinyvit_cifar_s1_8x8_h4", 1, 8, 4},
                                                {"tinyvit_224_s1_16x7x7_h4", 16, 7, 4},
                                                {"tinyvit_224_s2_14x14_h5", 1, 14, 5}};
  for (const k::WindowAttentionVariant& v : k::window_attention_variants()) {
    if (!k::runs_on_host(v.key)) continue;
    for (const WindowAttentionShape& s : shapes) {
      const std::string name = std::string("window_attention/") + v.name + "/" + s.model;
      benchmark::RegisterBenchmark(name.c_str(), [&v, s](benchmark::State& state) {
        const int n = s.window * s.window, d = 32;
        const std::size_t rows = static_cast<std::size_t>(s.windows) * n;
        const auto qkv = random_bf16(rows * 3 * s.heads * d, 1);
        std::vector<float> bias(static_cast<std::size_t>(s.heads) * n, 0.25f);
        std::vector<bf16> out(rows * s.heads * d);
        k::WindowAttentionParams p;
        p.windows = s.windows, p.window = s.window, p.heads = s.heads, p.head_size = d;
        p.qkv = qkv.data(), p.bias = bias.data(), p.out = out.data();
        run_loop(state, v, p);
        set_counters(state, 2.0 * static_cast<double>(rows) * n * s.heads * d);
      })->Unit(benchmark::kMicrosecond);
    }
  }
}

struct MhsaShape {
  const char* model;
  int seq, embed, heads;
};

void register_mhsa() {
  static const MhsaShape shapes[] = {{"reference_L64_E512_H4", 64, 512, 4},
                                     {"mobilebert_L128_E128_H4", 128, 128, 4},
                                     {"tinyvit_7x7_E64_H2", 49, 64, 2},
                                     {"tinyvit_14x14_E160_H5", 196, 160, 5}};
  auto macs = [](const MhsaShape& s) {
    return 4.0 * s.seq * s.embed * s.embed + 2.0 * s.seq * s.seq * s.embed;
  };
  auto inputs = [](const MhsaShape& s) {
    const float ws = 1.0f / std::sqrt(static_cast<float>(s.embed));
    return std::vector<std::vector<bf16>>{random_bf16(static_cast<std::size_t>(s.seq) * s.embed, 1),
                                          random_bf16(3 * static_cast<std::size_t>(s.embed) * s.embed, 2, ws),
                                          random_bf16(3 * static_cast<std::size_t>(s.embed), 3, 0.1f),
                                          random_bf16(static_cast<std::size_t>(s.embed) * s.embed, 4, ws),
                                          random_bf16(static_cast<std::size_t>(s.embed), 5, 0.1f)};
  };
  for (const MhsaShape& s : shapes) {
    // The FP32 naive port is the baseline: registered under the op's reference name slot so
    // the speedup table reads "x over the naive PyTorch port".
    const std::string naive = std::string("mhsa/mhsa__ref/") + s.model;
    benchmark::RegisterBenchmark(naive.c_str(), [=](benchmark::State& state) {
      const auto in = inputs(s);
      std::vector<std::vector<float>> f;
      for (const auto& t : in) {
        f.emplace_back(t.size());
        for (std::size_t i = 0; i < t.size(); ++i) f.back()[i] = to_f32(t[i]);
      }
      std::vector<float> y(static_cast<std::size_t>(s.seq) * s.embed);
      k::MhsaF32Params p;
      p.seq = s.seq, p.embed = s.embed, p.heads = s.heads, p.x = f[0].data();
      p.in_proj_weight = f[1].data(), p.in_proj_bias = f[2].data(), p.out_proj_weight = f[3].data();
      p.out_proj_bias = f[4].data(), p.y = y.data();
      run_loop(state, k::mhsa_f32_variants().front(), p);
      set_counters(state, macs(s));
    })->Unit(benchmark::kMicrosecond);
    for (const k::MhsaVariant& v : k::mhsa_variants()) {
      if (!k::runs_on_host(v.key) || v.key.tier == k::Tier::reference) continue;
      const std::string name = std::string("mhsa/") + v.name + "/" + s.model;
      benchmark::RegisterBenchmark(name.c_str(), [&v, s, inputs, macs](benchmark::State& state) {
        const auto in = inputs(s);
        std::vector<bf16> y(static_cast<std::size_t>(s.seq) * s.embed);
        k::MhsaParams p;
        p.seq = s.seq, p.embed = s.embed, p.heads = s.heads, p.x = in[0].data();
        p.in_proj_weight = in[1].data(), p.in_proj_bias = in[2].data();
        p.out_proj_weight = in[3].data(), p.out_proj_bias = in[4].data(), p.y = y.data();
        run_loop(state, v, p);
        set_counters(state, macs(s));
      })->Unit(benchmark::kMicrosecond);
    }
  }
}

// Element-wise and data-movement ops: counters in elements per second.
template <class Params, class Setup>
void register_elementwise(const char* op, std::span<const k::Variant<Params>> list, const char* model,
                          int elements, Setup setup) {
  for (const k::Variant<Params>& v : list) {
    if (!k::runs_on_host(v.key)) continue;
    const std::string name = std::string(op) + "/" + v.name + "/" + model;
    benchmark::RegisterBenchmark(name.c_str(), [&v, elements, setup](benchmark::State& state) {
      auto data = setup();  // owns the buffers; data.params points into them
      run_loop(state, v, data.params);
      state.counters["Gelem/s"] =
          benchmark::Counter(elements * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
    })->Unit(benchmark::kMicrosecond);
  }
}

template <class Params>
struct Owned {
  std::vector<bf16> a, b, c, out;
  std::vector<float> f;
  std::vector<int> ids;
  Params params;
};

void register_elementwise_ops() {
  // MobileBERT: 128 tokens × 512 hidden; TinyViT stage 3: 196 tokens × 160; stories260K: 64.
  auto norm = [](int rows, int n) {
    return [rows, n] {
      Owned<k::NormParams> o;  // returned by move: the vectors keep their buffers
      o.a = random_bf16(static_cast<std::size_t>(rows) * n, 1), o.b = random_bf16(n, 2), o.f = random_f32(2 * n, 3);
      o.out.resize(o.a.size());
      o.params.rows = rows, o.params.n = n, o.params.x = o.a.data(), o.params.gamma = o.b.data();
      o.params.scale = o.f.data(), o.params.shift = o.f.data() + n, o.params.out = o.out.data();
      return o;
    };
  };
  for (auto list : {std::pair{"rmsnorm", k::rmsnorm_variants()}, std::pair{"layernorm", k::layernorm_variants()},
                    std::pair{"nonorm", k::nonorm_variants()}}) {
    register_elementwise(list.first, list.second, "mobilebert_128x512", 128 * 512, norm(128, 512));
    register_elementwise(list.first, list.second, "stories260K_1x64", 64, norm(1, 64));
  }
  auto unary = [](int n) {
    return [n] {
      Owned<k::UnaryParams> o;
      o.a = random_bf16(n, 4, 3.0f), o.out.resize(n);
      o.params.n = n, o.params.x = o.a.data(), o.params.out = o.out.data();
      return o;
    };
  };
  for (auto list : {std::pair{"silu", k::silu_variants()}, std::pair{"relu", k::relu_variants()},
                    std::pair{"gelu_erf", k::gelu_erf_variants()}, std::pair{"gelu_tanh", k::gelu_tanh_variants()}}) {
    register_elementwise(list.first, list.second, "tinyvit_mlp_196x640", 196 * 640, unary(196 * 640));
  }
  register_elementwise("swiglu", k::swiglu_variants(), "stories260K_172", 172, [] {
    Owned<k::SwigluParams> o;
    o.a = random_bf16(172, 5), o.b = random_bf16(172, 6);
    o.params.n = 172, o.params.gate = o.a.data(), o.params.up = o.b.data();
    return o;
  });
  register_elementwise("softmax", k::softmax_variants(), "mobilebert_scores_4x128x128", 4 * 128 * 128, [] {
    Owned<k::SoftmaxParams> o;
    o.f.resize(4 * 128 * 128);
    for (std::size_t i = 0; i < o.f.size(); ++i) o.f[i] = static_cast<float>(i % 97) * 0.03f;
    o.params.rows = 4 * 128, o.params.cols = 128, o.params.ld = 128, o.params.x = o.f.data();
    return o;
  });
  register_elementwise("add", k::add_variants(), "mobilebert_128x512", 128 * 512, [] {
    Owned<k::AddParams> o;
    o.a = random_bf16(128 * 512, 7), o.b = random_bf16(128 * 512, 8), o.out.resize(128 * 512);
    o.params.n = 128 * 512, o.params.a = o.a.data(), o.params.b = o.b.data(), o.params.out = o.out.data();
    return o;
  });
  register_elementwise("rope", k::rope_variants(), "stories260K_64", 64 + 32, [] {
    Owned<k::RopeParams> o;
    o.a = random_bf16(64, 9), o.b = random_bf16(32, 10), o.f.assign(8, 0.5f);
    o.params.dim = 64, o.params.kv_dim = 32, o.params.head_size = 8, o.params.q = o.a.data();
    o.params.k = o.b.data(), o.params.cos = o.f.data(), o.params.sin = o.f.data() + 4;
    return o;
  });
  register_elementwise("embedding", k::embedding_variants(), "mobilebert_128x128", 128 * 128, [] {
    Owned<k::EmbeddingParams> o;
    o.a = random_bf16(1000 * 128, 11), o.out.resize(128 * 128);
    for (int i = 0; i < 128; ++i) o.ids.push_back(i * 7 % 1000);
    o.params.count = 128, o.params.vocab = 1000, o.params.dim = 128, o.params.ids = o.ids.data();
    o.params.table = o.a.data(), o.params.out = o.out.data();
    return o;
  });
  register_elementwise("transpose", k::transpose_variants(), "mobilebert_128x512", 128 * 512, [] {
    Owned<k::TransposeParams> o;
    o.a = random_bf16(128 * 512, 12), o.out.resize(128 * 512);
    o.params.rows = 128, o.params.cols = 512, o.params.in = o.a.data(), o.params.ld_in = 512;
    o.params.out = o.out.data(), o.params.ld_out = 128;
    return o;
  });
}

const int registered = [] {
  register_matmul();
  register_conv();
  register_matvec();
  register_attention_decode();
  register_mhsa();
  register_window_attention();
  register_elementwise_ops();
  return 0;
}();

}  // namespace
}  // namespace bfedge::bench
