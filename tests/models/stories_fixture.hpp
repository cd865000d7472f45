// Loads stories260K + tok512 from ../shared for the end-to-end model tests.
#pragma once

#include <string>

#include "bfedge/kernels/host_isa.hpp"
#include "bfedge/io/token_ids.hpp"
#include "bfedge/io/tokenizer.hpp"
#include "bfedge/models/generate.hpp"
#include "support/test_support.hpp"

namespace bfedge::test {

struct Stories {
  std::string model_path;
  io::Tokenizer tokenizer;
  std::filesystem::path golden;
};

inline Stories load_stories(const std::filesystem::path& shared) {
  Stories s{(shared / "models/stories260K.bin").string(),
            io::Tokenizer::load((shared / "models/tok512.bin").string()).value(),
            shared / "golden"};
  return s;
}

// The ISA cap from BFEDGE_ISA (ctest runs these tests once per level); tests skip when the
// requested level is not available here.
#define BFEDGE_REQUIRE_ISA_CAP()                                                   \
  if (!::bfedge::kernels::host_isa_cap().is_ok())                                   \
  GTEST_SKIP() << ::bfedge::kernels::host_isa_cap().status().message() << ": skipped"

inline models::LlamaRunner load_runner(const Stories& s, Dtype dtype, int threads = 1) {
  auto runner = models::load_llama_runner(s.model_path, dtype, kernels::host_isa_cap().value(), threads);
  EXPECT_TRUE(runner.is_ok()) << runner.status().message();
  return std::move(runner).value();
}

inline std::vector<int> golden_ids(const Stories& s, const std::string& name) {
  auto ids = io::read_token_ids((s.golden / (name + ".ids")).string());
  EXPECT_TRUE(ids.is_ok()) << ids.status().message();
  return std::move(ids).value();
}

struct Generated {
  std::string text;  // exactly what run.c prints on stdout, trailing newline included
  std::vector<int> ids;
};

inline Generated generate_text(const Stories& s, Dtype dtype, const std::string& prompt, int steps,
                               float temperature, float topp, std::uint64_t seed, int threads) {
  models::LlamaRunner runner = load_runner(s, dtype, threads);
  models::Sampler sampler(runner.config().vocab_size, temperature, topp, seed);
  runtime::HostCluster cluster(threads);
  const std::vector<int> prompt_ids = s.tokenizer.encode(prompt, true, false).value();
  Generated g;
  auto result = models::generate(runner, s.tokenizer, sampler, prompt_ids, steps, cluster,
                                 [&g](std::string_view piece) { g.text += piece; });
  EXPECT_TRUE(result.is_ok());
  g.text += "\n";
  g.ids = result.value().ids;
  return g;
}

}  // namespace bfedge::test
