// Every bad input the CLI can meet, with a small crafted file each: one line on stderr naming
// the file (or option) and the problem, a non-zero exit, nothing on stdout, no crash.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "bfedge/models/llama_checkpoint.hpp"
#include "support/test_support.hpp"

namespace bfedge::test {
namespace {

// A valid tiny model (vocab 300, seq_len 32) and a matching tokenizer, plus helpers to break them.
class CliBadInput : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = tiny_llama_config();
    ASSERT_TRUE(models::write_llama2c(model_, config_, random_llama_weights(config_, 3),
                                  io::Llama2cFormat::legacy)
                    .is_ok());
    write_tokenizer(tokenizer_, config_.vocab_size);
  }

  static void write_tokenizer(const std::string& path, int vocab, int max_token_length = 8) {
    Bytes b;
    b.i32(max_token_length);
    auto piece = [&b](const std::string& text) {
      b.f32(0.0f).i32(static_cast<int>(text.size())).raw(text);
    };
    piece("<unk>");
    piece("<s>");
    piece("</s>");
    char hex[8];
    for (int i = 0; i < 256; ++i) {
      std::snprintf(hex, sizeof hex, "<0x%02X>", i);
      piece(hex);
    }
    piece(" ");
    for (int i = 260; i < vocab; ++i) piece("t" + std::to_string(i));
    b.write(path);
  }

  static std::vector<std::string> with_value(std::vector<std::string> args,
                                             const std::string& option, const std::string& value) {
    args.insert(args.end(), {option, value});
    return args;
  }

  std::vector<std::string> generate_args(std::vector<std::string> extra = {}) const {
    std::vector<std::string> args = {
        "generate", "--model", model_, "--tokenizer", tokenizer_, "--temperature", "0", "-n", "8"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  // Runs the CLI and checks the contract; `fragments` must all appear in the error line.
  static void expect_clean_failure(const std::vector<std::string>& args,
                                   const std::vector<std::string>& fragments,
                                   const CliEnvironment& how = {}) {
    SCOPED_TRACE(how.stdout_redirect + " " + ::testing::PrintToString(args));
    const CommandResult r = run_cli(args, how);
    EXPECT_NE(r.exit_code, 0);
    EXPECT_LT(r.exit_code, 128) << "killed by a signal";
    EXPECT_EQ(r.out, "") << "nothing on stdout";
    ASSERT_FALSE(r.err.empty());
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one line: " << r.err;
    EXPECT_EQ(r.err.rfind("bfedge: error: ", 0), 0u) << r.err;
    for (const std::string& f : fragments) {
      EXPECT_NE(r.err.find(f), std::string::npos) << "stderr: " << r.err << "expected: " << f;
    }
  }

  void write_header(const models::LlamaConfig& c, std::size_t payload_bytes) const {
    legacy_llama2c_header(c).zeros(payload_bytes).write(bad_model_);
  }

  TempDir dir_;
  models::LlamaConfig config_;
  std::string model_ = dir_.file("model.bin");
  std::string tokenizer_ = dir_.file("tok.bin");
  std::string bad_model_ = dir_.file("bad_model.bin");
};

TEST_F(CliBadInput, ValidFilesGenerate) {
  const CommandResult r = run_cli(generate_args({"--prompt", "t261"}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(r.out.empty());
}

TEST_F(CliBadInput, MoreThreadsThanCpusGiveTheSameText) {
  // --threads 16 on a 2-CPU machine: the cluster blocks instead of spinning; same ids.
  const CommandResult one = run_cli(generate_args({"--prompt", "t261", "-n", "32"}));
  const CommandResult many =
      run_cli(generate_args({"--prompt", "t261", "-n", "32", "--threads", "16"}));
  ASSERT_EQ(one.exit_code, 0) << one.err;
  ASSERT_EQ(many.exit_code, 0) << many.err;
  EXPECT_EQ(many.out, one.out);
  EXPECT_NE(many.err.find("16 threads"), std::string::npos) << many.err;
}

TEST_F(CliBadInput, DefaultStepsFitSmallModels) {
  // No -n: run.c's 256 clamped to this model's seq_len of 32.
  const CommandResult r = run_cli({"generate", "--model", model_, "--tokenizer", tokenizer_, "-t", "0"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("32 forward passes"), std::string::npos) << r.err;
}

TEST_F(CliBadInput, SpecialFilesAreNotRead) {
  expect_clean_failure({"inspect", "/dev/zero"}, {"/dev/zero", "not a regular file"});
  const std::string fifo = dir_.file("fifo");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  expect_clean_failure({"inspect", fifo}, {fifo, "not a regular file"});
  expect_clean_failure({"generate", "--model", model_, "--tokenizer", "/dev/zero"},
                       {"/dev/zero", "not a regular file"});
}

TEST_F(CliBadInput, JsonOutputWithANonUtf8Path) {
  const std::string odd = dir_.file("model\xff.bin");
  std::filesystem::copy_file(model_, odd);
  const CommandResult r = run_cli({"inspect", odd, "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("parameters"), std::string::npos);
}

TEST_F(CliBadInput, MissingModelFile) {
  expect_clean_failure({"generate", "--model", dir_.file("absent.bin"), "--tokenizer", tokenizer_},
                       {"absent.bin", "cannot open"});
}

TEST_F(CliBadInput, TruncatedModel) {
  Bytes().i32(16).i32(40).write(bad_model_);
  expect_clean_failure({"generate", "--model", bad_model_, "--tokenizer", tokenizer_},
                       {bad_model_, "truncated"});
}

TEST_F(CliBadInput, ModelSizeNotMatchingHeader) {
  write_header(config_, 1000);
  expect_clean_failure({"generate", "--model", bad_model_, "--tokenizer", tokenizer_},
                       {bad_model_, "size mismatch"});
}

TEST_F(CliBadInput, NonPositiveDimension) {
  models::LlamaConfig c = config_;
  c.n_layers = 0;
  write_header(c, 64);
  expect_clean_failure({"generate", "--model", bad_model_, "--tokenizer", tokenizer_},
                       {bad_model_, "n_layers is 0, must be positive"});
}

TEST_F(CliBadInput, AbsurdDimension) {
  models::LlamaConfig c = config_;
  c.dim = 3'000'000;
  write_header(c, 64);
  expect_clean_failure({"inspect", bad_model_}, {bad_model_, "dim is 3000000"});
}

TEST_F(CliBadInput, SeqLenWhoseKvCacheCannotBeAllocated) {
  // ak42 stores no seq_len-sized table, so a tiny file can ask for a huge KV cache.
  models::LlamaConfig c = config_;
  c.seq_len = 1 << 20;
  c.n_layers = 2048;  // 2 * 2048 * 2^20 * 2 cache entries: 16 GiB in bf16, from a 100 KB file
  c.dim = 2;
  c.n_heads = c.n_kv_heads = 1;
  c.hidden_dim = 1;
  c.vocab_size = 1;
  models::LlamaWeights<float> w;
  models::resize_llama_weights(c, w);
  ASSERT_TRUE(models::write_llama2c(bad_model_, c, w, io::Llama2cFormat::ak42_v1).is_ok());
  expect_clean_failure({"generate", "--model", bad_model_, "--tokenizer", tokenizer_},
                       {bad_model_, "KV cache for seq_len 1048576", "limit"});
}

TEST_F(CliBadInput, HeadsNotDividingDim) {
  models::LlamaConfig c = config_;
  c.n_heads = 5;
  c.n_kv_heads = 5;
  write_header(c, 64);
  expect_clean_failure({"generate", "--model", bad_model_, "--tokenizer", tokenizer_},
                       {bad_model_, "n_heads (5) does not divide dim (16)"});
}

TEST_F(CliBadInput, KvHeadsNotDividingHeads) {
  models::LlamaConfig c = config_;
  c.n_kv_heads = 3;
  write_header(c, 64);
  expect_clean_failure(
      {"perplexity", "--model", bad_model_, "--tokenizer", tokenizer_, "--ids", model_},
      {bad_model_, "n_kv_heads (3) does not divide n_heads (4)"});
}

TEST_F(CliBadInput, VocabMismatchBetweenModelAndTokenizer) {
  write_tokenizer(tokenizer_, 280);
  expect_clean_failure(generate_args(), {tokenizer_, "vocabulary mismatch", "280", "300"});
}

TEST_F(CliBadInput, TokenizerRecordPastTheEnd) {
  Bytes().i32(8).f32(0.0f).i32(5).raw("<unk>").f32(0.0f).i32(6).raw("ab").write(tokenizer_);
  expect_clean_failure(generate_args(), {tokenizer_, "token record 1 runs past the end"});
}

TEST_F(CliBadInput, TinyVocabularyWithoutBos) {
  // vocab_size 1: BOS (id 1) is not a token. Once a segfault; the io branch makes the tokenizer
  // say so at load, so only the contract is checked here (one line, exit != 0, no signal).
  models::LlamaConfig c = config_;
  c.vocab_size = 1;
  ASSERT_TRUE(models::write_llama2c(bad_model_, c, random_llama_weights(c, 3), io::Llama2cFormat::legacy)
                  .is_ok());
  Bytes().i32(8).f32(0.0f).i32(1).raw(" ").write(tokenizer_);
  expect_clean_failure({"generate", "--model", bad_model_, "--tokenizer", tokenizer_, "-t", "0"},
                       {});
  expect_clean_failure({"generate", "--model", bad_model_, "--tokenizer", tokenizer_, "-i", "a"},
                       {});
}

TEST_F(CliBadInput, EmptyPrompt) {
  expect_clean_failure(generate_args({"--prompt", ""}), {"--prompt", "empty prompt"});
}

TEST_F(CliBadInput, PromptLongerThanSeqLen) {
  std::string prompt;
  for (int i = 0; i < 40; ++i) prompt += static_cast<char>('A' + i % 26);  // byte-fallback tokens
  expect_clean_failure(generate_args({"--prompt", prompt}),
                       {model_, "prompt is 42 tokens, more than 32 positions (the model's seq_len)"});
}

TEST_F(CliBadInput, HugePromptIsRejectedBeforeEncoding) {
  const std::string prompt(100000, 'a');  // below the kernel's 128 KiB argument limit
  expect_clean_failure(generate_args({"--prompt", prompt}),
                       {model_, "prompt of 100000 bytes is at least", "more than 32 positions"});
}

TEST_F(CliBadInput, HugePromptIsRejectedWhateverTheHeaderClaims) {
  // A header's max_token_length of 65536 once let this prompt into a quadratic 20 s encoding:
  // the bound now comes from the longest piece actually present (6 bytes, "<0xFF>").
  write_tokenizer(tokenizer_, config_.vocab_size, 65536);
  const std::string prompt(100000, 'a');
  expect_clean_failure(generate_args({"--prompt", prompt}),
                       {model_, "prompt of 100000 bytes is at least 16668 tokens",
                        "more than 32 positions"});
  // A prompt that fits is still accepted: BOS, the dummy space and 20 one-byte tokens.
  const CommandResult r = run_cli(generate_args({"--prompt", std::string(20, 'a'), "-n", "32"}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(CliBadInput, StepsBeyondSeqLen) {
  expect_clean_failure(generate_args({"-n", "33"}), {model_, "-n 33 is outside 1..32"});
  expect_clean_failure(generate_args({"-n", "0"}), {"-n 0 is outside 1..seq_len"});
}

TEST_F(CliBadInput, UnknownDtype) {
  expect_clean_failure(generate_args({"--dtype", "fp16"}), {"--dtype", "unknown dtype 'fp16'"});
  expect_clean_failure({"perplexity", "--model", model_, "--tokenizer", tokenizer_, "--ids", model_,
                        "--compare", "int8"},
                       {"--compare", "unknown dtype 'int8'"});
}

TEST_F(CliBadInput, UsageErrors) {
  expect_clean_failure({"generate", "--model", model_}, {"--tokenizer"});
  expect_clean_failure(generate_args({"-n", "many"}), {"-n 'many' is not an integer in 1..seq_len"});
  expect_clean_failure(generate_args({"--threads", "0"}), {"--threads 0 is outside 1..256"});
  expect_clean_failure(generate_args({"--temperature", "-1"}), {"--temperature -1 is outside"});
  expect_clean_failure(generate_args({"--topp", "nan"}), {"--topp 'nan' is not a number in [0, 1]"});
  expect_clean_failure(generate_args({"--topp", "1.5"}), {"--topp 1.5 is outside [0, 1]"});
  expect_clean_failure(generate_args({"--seed", "99999999999999999999"}),
                       {"--seed 99999999999999999999 is outside 0..18446744073709551615"});
  expect_clean_failure(generate_args({"--seed", "-3"}), {"--seed -3 is outside 0.."});
  expect_clean_failure(generate_args({"extra"}), {"extra", "not expected"});
}

TEST_F(CliBadInput, UnknownCommandsAreNamed) {
  expect_clean_failure({"frobnicate"}, {"unknown command 'frobnicate'", "generate, inspect"});
  expect_clean_failure({"--frobnicate"}, {"unknown option '--frobnicate'"});
  expect_clean_failure({}, {"no command given", "generate, inspect"});
  expect_clean_failure({""}, {"unknown command ''"});
  expect_clean_failure({"bench", "frobnicate"},
                       {"bench: unknown command 'frobnicate' (expected one of: mhsa, gemm, mobilebert, tinyvit)"});
  expect_clean_failure({"bench"}, {"bench: no command given (expected one of: mhsa, gemm, mobilebert, tinyvit)"});
}

TEST_F(CliBadInput, EmptyFileNamesNameTheOption) {
  // The loaders once said ": cannot open (No such file or directory)".
  expect_clean_failure({"generate", "--model", "", "--tokenizer", tokenizer_},
                       {"--model: empty file name"});
  expect_clean_failure({"generate", "--model", model_, "--tokenizer", ""},
                       {"--tokenizer: empty file name"});
  expect_clean_failure({"perplexity", "--model", model_, "--tokenizer", tokenizer_, "--ids", ""},
                       {"--ids: empty file name"});
  expect_clean_failure({"inspect", ""}, {"model: empty file name"});
}

// Every numeric option of generate, perplexity and bench: '' (CLI11 made it 0 or the default),
// signs, hex, trailing junk and out-of-range values (CLI11 wrapped -1 into a size) are each one
// usage error naming the option and its range, exit 2.
TEST_F(CliBadInput, NumericOptionsNameTheOptionAndItsRange) {
  const std::string ids = dir_.file("ids.txt");
  Bytes().raw("1 5 7").write(ids);
  const std::vector<std::string> perplexity = {"perplexity", "--model", model_, "--tokenizer",
                                               tokenizer_, "--ids", ids};
  const std::vector<std::string> mhsa = {"bench", "mhsa", "--seq", "4", "--embed", "8",
                                         "--heads", "2", "--repeat", "1"};
  const std::vector<std::string> gemm = {"bench", "gemm", "--m", "4", "--n", "4", "--k", "4",
                                         "--repeat", "1"};
  struct Case {
    std::vector<std::string> base;
    std::string option, range;
  };
  const std::vector<Case> integers = {
      {generate_args(), "--threads", "1..256"},     {generate_args(), "-n", "1..seq_len"},
      {generate_args(), "--steps", "1..seq_len"},   {generate_args(), "--seed", "0..18446744073709551615"},
      {perplexity, "--threads", "1..256"},          {mhsa, "--seq", "1..4096"},
      {mhsa, "--embed", "1..8192"},                 {mhsa, "--heads", "1..8192"},
      {mhsa, "--threads", "1..256"},                {mhsa, "--repeat", "1..10000"},
      {mhsa, "--l1-budget", "1..1073741824"},       {gemm, "--m", "1..8192"},
      {gemm, "--n", "1..8192"},                     {gemm, "--k", "1..8192"},
      {gemm, "--threads", "1..256"},                {gemm, "--repeat", "1..10000"},
  };
  const std::string shown_as = "-n";  // -n,--steps is reported by its first name
  for (const Case& c : integers) {
    const std::string name = c.option == "--steps" ? shown_as : c.option;
    auto with = [&c](const std::string& value) {
      std::vector<std::string> args = c.base;
      args.insert(args.end(), {c.option, value});
      return args;
    };
    for (const char* junk : {"", " ", "abc", "1e3", "0x10", "1.5", "+3", " 3", "3 "}) {
      expect_clean_failure(with(junk), {name + " '" + junk + "' is not an integer in " + c.range});
    }
    for (const char* far : {"-1", "-99999999999", "18446744073709551616"}) {
      expect_clean_failure(with(far), {name + " " + far + " is outside " + c.range});
    }
    if (c.option != "--seed") {
      expect_clean_failure(with("0"), {name + " 0 is outside " + c.range});
      expect_clean_failure(with("99999999999"), {name + " 99999999999 is outside " + c.range});
    }
  }
  for (const auto& [option, range] : {std::pair{"--temperature", "[0, 3.4e38]"},
                                      std::pair{"--topp", "[0, 1]"}}) {
    auto with = [option](const std::string& value) {
      std::vector<std::string> args = {"generate", "--model", "m", "--tokenizer", "z"};
      args.insert(args.end(), {option, value});
      return args;
    };
    for (const char* junk : {"", " ", "abc", "nan", "-nan", "0x1p3", "1,5", "+1"}) {
      expect_clean_failure(with(junk), {std::string(option) + " '" + junk + "' is not a number in " + range});
    }
    for (const char* far : {"-1", "inf", "-inf", "1e39", "1e400"}) {
      expect_clean_failure(with(far), {std::string(option) + " " + far + " is outside " + range});
    }
  }
  for (const auto& args : {with_value(mhsa, "--l1-budget", "16"), with_value(mhsa, "--heads", "3")}) {
    const CommandResult r = run_cli(args);
    EXPECT_EQ(r.exit_code, 2) << r.err;
  }
}

TEST_F(CliBadInput, BenchRefusesWhatCannotFitInMemory) {
  // 8192 score matrices of 4096 x 4096 floats for the naive port: 516 GiB.
  expect_clean_failure({"bench", "mhsa", "--seq", "4096", "--embed", "8192", "--heads", "8192"},
                       {"bench mhsa: L=4096 E=8192 H=8192 needs 515.7 GiB", "more than half"});
}

TEST_F(CliBadInput, HelpShowsTheRangesValidationUses) {
  const CommandResult r = run_cli({"generate", "--help"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("0 seeds from the clock (0..18446744073709551615)"), std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("<= 0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(1..256)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(1..seq_len)"), std::string::npos) << r.out;
  // seed 0 (the clock) is accepted
  EXPECT_EQ(run_cli(generate_args({"--seed", "0"})).exit_code, 0);
}

TEST_F(CliBadInput, WriteErrorsOnStdoutAreReported) {
  // A full device or a closed stdout once exited 0 with the output lost.
  const std::string ids = dir_.file("ids.txt");
  Bytes().raw("1 5 7 9").write(ids);
  const std::vector<std::string> perplexity = {"perplexity", "--model", model_, "--tokenizer",
                                               tokenizer_, "--ids", ids};
  auto with = [](std::vector<std::string> args, std::initializer_list<std::string> extra) {
    args.insert(args.end(), extra);
    return args;
  };
  const std::vector<std::string> mhsa = {"bench", "mhsa", "--seq",    "4", "--embed",
                                         "8",     "--heads", "2", "--repeat", "1"};
  const std::vector<std::string> gemm = {"bench", "gemm", "--m", "8", "--n", "8", "--k", "8"};
  const std::vector<std::vector<std::string>> commands = {
      generate_args(),
      {"inspect", model_},
      {"inspect", model_, "--json"},
      perplexity,
      with(perplexity, {"--compare", "f32", "--json"}),
      mhsa,
      with(mhsa, {"--json"}),
      gemm,
      with(gemm, {"--json"}),
  };
  for (const auto& args : commands) {
    expect_clean_failure(args, {"stdout: write error: No space left on device"},
                         {{}, ">/dev/full"});
    expect_clean_failure(args, {"stdout: write error: Bad file descriptor"}, {{}, ">&-"});
  }
  // CLI11 writes help and version through std::cout with std::endl: the reason is gone by exit.
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--help"}, {"--version"}, {"generate", "--help"}}) {
    expect_clean_failure(args, {"stdout: write error"}, {{}, ">/dev/full"});
    expect_clean_failure(args, {"stdout: write error"}, {{}, ">&-"});
  }
}

TEST_F(CliBadInput, NonFiniteLogitsAreAnErrorNamingTheModel) {
  // Finite weights (the loaders accept them) whose final norm overflows float: inf/NaN logits.
  models::LlamaWeights<float> w = random_llama_weights(config_, 3);
  for (float& x : w.rms_final) x = 3e38f;
  ASSERT_TRUE(models::write_llama2c(bad_model_, config_, w, io::Llama2cFormat::legacy).is_ok());
  const std::string ids = dir_.file("ids.txt");
  Bytes().raw("1 5 7 9").write(ids);
  const std::vector<std::string> perplexity = {"perplexity", "--model", bad_model_, "--tokenizer",
                                               tokenizer_, "--ids", ids};
  for (const char* dtype : {"bf16", "f32"}) {
    const std::string at = std::string("the ") + dtype + " forward pass produced non-finite logits at position 0";
    expect_clean_failure({"generate", "--model", bad_model_, "--tokenizer", tokenizer_, "--dtype",
                          dtype, "-n", "8"},
                         {bad_model_, at});
    expect_clean_failure(with_value(perplexity, "--dtype", dtype), {bad_model_, at});
  }
  // --compare once printed "top-1 agreement 100 %" between two NaN argmaxes.
  expect_clean_failure(with_value(perplexity, "--compare", "f32"),
                       {bad_model_, "non-finite logits at position 0"});
  std::vector<std::string> json = with_value(perplexity, "--compare", "f32");
  json.push_back("--json");
  expect_clean_failure(json, {bad_model_, "non-finite logits"});
}

TEST_F(CliBadInput, UnderflowingTemperatureIsZero) {
  const CommandResult greedy = run_cli(generate_args({"--prompt", "t261"}));
  const CommandResult r = run_cli(generate_args({"--prompt", "t261", "--temperature", "1e-400"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, greedy.out);
}

TEST_F(CliBadInput, TinyTemperatureIsGreedy) {
  // logit / 1e-45 overflows: the T -> 0 limit (greedy), not NaN probabilities and garbage ids.
  const CommandResult greedy = run_cli(generate_args({"--prompt", "t261", "-n", "32"}));
  ASSERT_EQ(greedy.exit_code, 0) << greedy.err;
  for (const char* t : {"1e-45", "1e-38"}) {
    const CommandResult tiny =
        run_cli(generate_args({"--prompt", "t261", "-n", "32", "--temperature", t, "--seed", "7"}));
    ASSERT_EQ(tiny.exit_code, 0) << tiny.err;
    EXPECT_EQ(tiny.out, greedy.out) << t;
  }
}

TEST_F(CliBadInput, BadIdsFile) {
  const std::string ids = dir_.file("ids.txt");
  Bytes().raw("1 5 300").write(ids);
  expect_clean_failure({"perplexity", "--model", model_, "--tokenizer", tokenizer_, "--ids", ids},
                       {ids, "id 300 at index 2 is outside the vocabulary"});
  Bytes().raw("1 five").write(ids);
  expect_clean_failure({"perplexity", "--model", model_, "--tokenizer", tokenizer_, "--ids", ids},
                       {ids, "not a decimal integer"});
}

}  // namespace
}  // namespace bfedge::test
