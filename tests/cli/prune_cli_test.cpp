// bfedge prune tinyvit end to end on a TinyViT trained here for a few steps on Fashion-MNIST (a
// random search of two proxy candidates and one fine-tune, small subsets): the report files, the
// chosen model exported and readable by eval in BF16, `prune report`, a rerun that resumes the
// finished search without training again; and bad input, each one line and a non-zero exit.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/types.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "bfedge/io/image_dataset.hpp"
#include "bfedge/process/subprocess.hpp"
#include "support/test_support.hpp"

namespace bfedge::test {
namespace {

namespace fs = std::filesystem;

bool one_line(const CommandResult& r) {
  return r.err.size() > 1 && r.err.find('\n') == r.err.size() - 1 && r.err.rfind("bfedge: error: ", 0) == 0;
}

class PruneCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!fs::exists(fs::path(BFEDGE_CLI_PATH).parent_path() / "libbfedge_torch.so")) {
      skip_ = "libbfedge_torch.so absent (built without libtorch)";
      return;
    }
    if (!fs::exists(fs::path(io::kFashionMnistDir) / "t10k-images-idx3-ubyte.gz")) {
      skip_ = std::string(io::kFashionMnistDir) + " absent (install dataset-fashion-mnist)";
      return;
    }
    dir_ = new TempDir();
    const CommandResult r = run_cli({"train", "tinyvit", "--dataset", "fashion-mnist", "--out", teacher(), "--epochs",
                                     "1", "--limit", "128", "--limit-test", "64", "--batch", "64"});
    if (r.exit_code != 0) skip_ = "teacher training failed: " + r.err;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    if (!skip_.empty()) GTEST_SKIP() << skip_ << ": skipped";
  }
  static std::string teacher() { return dir_->file("teacher"); }
  static std::vector<std::string> search(const std::string& out) {
    return {"prune", "tinyvit", "--teacher", teacher(), "--dataset", "fashion-mnist", "--out", out, "--strategy",
            "random", "--trials", "2", "--parallel", "2", "--seed", "3", "--proxy-limit", "64", "--proxy-limit-test",
            "32", "--final-candidates", "1", "--final-epochs", "1", "--final-limit", "64", "--final-limit-test", "32",
            "--max-drop", "100", "--batch", "32"};
  }
  static TempDir* dir_;
  static std::string skip_;
};
TempDir* PruneCli::dir_ = nullptr;
std::string PruneCli::skip_;

TEST_F(PruneCli, SearchReportsExportsTheChosenModelAndResumesWhenRunAgain) {
  const std::string out = dir_->file("search");
  const CommandResult r = run_cli(search(out));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* f : {"front.csv", "front.json", "front.svg", "summary.json", "prune.log", "search.sqlite",
                        "best/config.json", "best/model.safetensors"}) {
    EXPECT_TRUE(fs::exists(fs::path(out) / f)) << f;
  }
  EXPECT_NE(r.out.find("dense (teacher)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("chosen: " + out + "/best"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("[proxy 2/2] candidate"), std::string::npos) << r.err;
  std::ifstream in(fs::path(out) / "summary.json");
  const nlohmann::json summary = nlohmann::json::parse(in);
  ASSERT_FALSE(summary["chosen"].is_null());
  EXPECT_LT(summary["chosen"]["footprint"]["total_bytes"].get<long long>(),
            summary["dense"]["footprint"]["total_bytes"].get<long long>());
  // The time profile: its parts add up to the total, and every part that ran took time.
  const nlohmann::json& profile = summary["profile"];
  double parts = profile["teacher_evaluation_seconds"].get<double>();
  EXPECT_GT(parts, 0);
  for (const char* stage : {"proxy", "final"}) {
    const nlohmann::json& s = profile[stage];
    EXPECT_EQ(s["candidates"], std::string(stage) == "proxy" ? 2 : 1);
    for (const char* part : {"slicing_seconds", "startup_seconds", "training_seconds", "evaluation_seconds"}) {
      if (std::string(stage) == "final" && std::string(part) == "slicing_seconds") continue;  // not sliced again
      EXPECT_GT(s[part].get<double>(), 0) << stage << " " << part;
      parts += s[part].get<double>();
    }
  }
  EXPECT_NEAR(parts, profile["seconds"].get<double>(), 1e-6);
  EXPECT_NE(r.out.find("where the time went"), std::string::npos) << r.out;

  const CommandResult eval = run_cli({"eval", out + "/best", "--data", "fashion-mnist", "--limit", "16", "--dtype",
                                      "bf16", "--compare", "f32", "--json"});
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  EXPECT_EQ(nlohmann::json::parse(eval.out)["examples"], 16);

  const CommandResult report = run_cli({"prune", "report", out});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  EXPECT_EQ(report.out, r.out);

  const CommandResult again = run_cli(search(out));  // everything is in the database: nothing trains
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out, r.out);
  EXPECT_EQ(again.err.find("running: "), std::string::npos) << again.err;
}

// Runs the search under mpirun with `ranks` ranks (and extra mpirun options); skips the test when
// mpirun or MPI support is absent.
std::optional<process::SubprocessResult> run_mpirun(int ranks, const std::vector<std::string>& mpirun_options,
                                                    const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"/usr/bin/mpirun", "--oversubscribe"};
  argv.insert(argv.end(), mpirun_options.begin(), mpirun_options.end());
  argv.insert(argv.end(), {"-np", std::to_string(ranks), BFEDGE_CLI_PATH});
  argv.insert(argv.end(), args.begin(), args.end());
  process::SubprocessOptions o;
  o.argv = argv;
  o.timeout_seconds = 170;
  o.output_tail_bytes = 6000;
  setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);  // CI runs as root
  setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
  const Result<process::SubprocessResult> r = process::run_subprocess(o);
  EXPECT_TRUE(r.is_ok()) << r.status().message();
  if (!r.is_ok()) return std::nullopt;
  return r.value();
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// mpirun with rank 0 searching and one worker rank training: the same report as one process.
TEST_F(PruneCli, MpiRanksGiveTheSameReportAsOneProcess) {
  if (!fs::exists("/usr/bin/mpirun")) GTEST_SKIP() << "mpirun absent (install openmpi-bin): skipped";
  const std::string single = dir_->file("single"), ranks = dir_->file("ranks");
  const std::optional<process::SubprocessResult> r = run_mpirun(2, {}, search(ranks));
  ASSERT_TRUE(r.has_value());
  if (r->output_tail.find("built without MPI") != std::string::npos) GTEST_SKIP() << "bfedge built without MPI: skipped";
  ASSERT_TRUE(r->succeeded()) << r->how_it_ended() << "\n" << r->output_tail;
  EXPECT_NE(r->output_tail.find("MPI: 1 worker rank(s) train the candidates"), std::string::npos);
  const CommandResult one = run_cli(search(single));
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(read_text(ranks + "/front.csv"), read_text(single + "/front.csv"));
  EXPECT_TRUE(fs::exists(fs::path(ranks) / "best" / "model.safetensors"));
}

// The pid of the process whose environment says it is MPI rank `rank` and which has a child
// training a candidate (`bfedge train`), or 0.
pid_t training_rank(int rank) {
  const std::string want = "OMPI_COMM_WORLD_RANK=" + std::to_string(rank);
  std::set<pid_t> parents;
  for (const fs::directory_entry& e : fs::directory_iterator("/proc", std::filesystem::directory_options::skip_permission_denied)) {
    std::ifstream stat(e.path() / "stat");
    std::string line;
    if (!std::getline(stat, line) || line.rfind(')') == std::string::npos) continue;
    std::istringstream rest(line.substr(line.rfind(')') + 2));
    char state = 0;
    pid_t parent = 0;
    rest >> state >> parent;
    std::string cmd = read_text((e.path() / "cmdline").string());
    std::replace(cmd.begin(), cmd.end(), '\0', ' ');
    if (cmd.find(" train tinyvit ") != std::string::npos) parents.insert(parent);
  }
  for (const pid_t pid : parents) {
    if (pid <= 1) continue;
    const std::string env = read_text("/proc/" + std::to_string(pid) + "/environ");
    const std::string cmd = read_text("/proc/" + std::to_string(pid) + "/cmdline");
    std::size_t at = env.find(want);
    const bool is_rank = at != std::string::npos && (at == 0 || env[at - 1] == '\0') &&
                         (at + want.size() == env.size() || env[at + want.size()] == '\0');
    if (is_rank && cmd.find("prune") != std::string::npos) return pid;
  }
  return 0;
}

// A worker rank killed while it trains a candidate (mpirun --enable-recovery keeps the job going):
// rank 0 hears no heartbeat for --worker-timeout, gives the candidate to the other worker, and
// the search ends with the report of a run where nothing died.
TEST_F(PruneCli, AWorkerRankThatDiesLosesOnlyItsCandidate) {
  if (!fs::exists("/usr/bin/mpirun")) GTEST_SKIP() << "mpirun absent (install openmpi-bin): skipped";
  const std::string single = dir_->file("single-for-death"), ranks = dir_->file("death");
  std::atomic<bool> done = false;
  std::atomic<pid_t> killed = 0;
  std::thread killer([&] {
    while (!done && killed == 0) {
      if (const pid_t pid = training_rank(1); pid > 0 && ::kill(pid, SIGKILL) == 0) killed = pid;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  std::vector<std::string> args = search(ranks);
  args.insert(args.end(), {"--worker-timeout", "4"});
  const std::optional<process::SubprocessResult> r = run_mpirun(3, {"--enable-recovery"}, args);
  done = true;
  killer.join();
  ASSERT_TRUE(r.has_value());
  if (r->output_tail.find("built without MPI") != std::string::npos) GTEST_SKIP() << "bfedge built without MPI: skipped";
  ASSERT_NE(killed.load(), 0) << "rank 1 was never seen training\n" << r->output_tail;
  ASSERT_TRUE(r->succeeded()) << r->how_it_ended() << "\n" << r->output_tail;
  EXPECT_NE(r->output_tail.find("rank 1 stopped answering (no heartbeat for 4 s)"), std::string::npos) << r->output_tail;
  EXPECT_NE(read_text(ranks + "/prune.log").find("rank 1 stopped answering"), std::string::npos);
  const CommandResult one = run_cli(search(single));
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(read_text(ranks + "/front.csv"), read_text(single + "/front.csv"));
  EXPECT_NE(read_text(ranks + "/front.csv"), "");
}

// --emit-sbatch writes the same search as a Slurm script (mpirun over the ranks) and trains nothing.
TEST_F(PruneCli, EmitSbatchWritesTheSameSearchAsASlurmJob) {
  const std::string out = dir_->file("slurm"), script = dir_->file("job.sh");
  std::vector<std::string> args = search(out);
  args.insert(args.end(), {"--emit-sbatch", script, "--ranks", "3"});
  const CommandResult r = run_cli(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "bfedge: wrote " + script + ": submit it with sbatch " + script + " (3 rank(s))\n");
  std::ifstream in(script);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text.rfind("#!/bin/bash\n", 0), 0u);
  EXPECT_NE(text.find("#SBATCH --ntasks=3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("#SBATCH --output=" + out + "/slurm-%j.log\n"), std::string::npos) << text;
  EXPECT_NE(text.find("mpirun --enable-recovery -np 3 '" + std::string(BFEDGE_CLI_PATH) + "' 'prune' 'tinyvit' '--teacher'"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("'--max-drop' '100' '--batch' '32'\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("emit-sbatch"), text.find("emit-sbatch: sbatch"));  // only in the comment
  EXPECT_FALSE(fs::exists(fs::path(out) / "search.sqlite"));
}

TEST_F(PruneCli, BadInputIsOneLineAndNonZero) {
  std::vector<std::string> args = search(dir_->file("bad"));
  args.insert(args.end(), {"--budget-bytes", "2kB"});
  CommandResult r = run_cli(args);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(one_line(r)) << r.err;
  EXPECT_NE(r.err.find("smallest"), std::string::npos) << r.err;

  args = search(dir_->file("bad"));
  args.insert(args.end(), {"--budget-bytes", "lots"});
  r = run_cli(args);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "bfedge: error: --budget-bytes 'lots' is not a size (bytes, or with kB, MB, KiB, MiB)\n");

  args = search(dir_->file("bad"));
  args[5] = "cifar10";  // --dataset: not the teacher's
  r = run_cli(args);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(one_line(r)) << r.err;
  EXPECT_NE(r.err.find("the teacher takes 28x28x1 images and 10 classes, cifar10 has 32x32x3"), std::string::npos)
      << r.err;

  const std::string corrupt = dir_->file("corrupt");
  fs::create_directories(corrupt);
  std::ofstream(fs::path(corrupt) / "search.sqlite") << "not a database, just text that is long enough to be read";
  r = run_cli(search(corrupt));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(one_line(r)) << r.err;
  EXPECT_NE(r.err.find(corrupt + "/search.sqlite"), std::string::npos) << r.err;

  r = run_cli({"prune", "tinyvit", "--teacher", dir_->file("absent"), "--out", dir_->file("x")});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(one_line(r)) << r.err;
  EXPECT_NE(r.err.find(dir_->file("absent") + "/config.json"), std::string::npos) << r.err;

  r = run_cli({"prune", "report", dir_->file("absent")});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(one_line(r)) << r.err;
}

// bfedge prune mobilebert end to end on a 2-layer MobileBERT trained here for a few steps on the
// first SST-2 sentences: every candidate keeps only the task's pieces, the chosen model's vocab.txt
// is that task vocabulary, and eval reads the exported model in BF16.
TEST(PruneMobileBertCli, SearchExportsAStudentWithTheTaskVocabulary) {
  const fs::path sst2 = fs::path(BFEDGE_SOURCE_DIR) / ".." / "shared" / "data" / "sst2-glue";
  const fs::path vocab = fs::path(BFEDGE_SOURCE_DIR) / ".." / "shared" / "models" / "bert-base-uncased-vocab.txt";
  if (!fs::exists(fs::path(BFEDGE_CLI_PATH).parent_path() / "libbfedge_torch.so")) {
    GTEST_SKIP() << "libbfedge_torch.so absent (built without libtorch): skipped";
  }
  if (!fs::exists(sst2 / "train.tsv") || !fs::exists(vocab)) GTEST_SKIP() << "../shared absent: skipped";
  TempDir dir;
  fs::create_directories(dir.path() / "task");
  for (const auto& [name, lines] : {std::pair<const char*, int>{"train.tsv", 96}, {"dev.tsv", 48}}) {
    std::ifstream in(sst2 / name);
    std::ofstream out(dir.path() / "task" / name);
    std::string line;
    for (int i = 0; i <= lines && std::getline(in, line); ++i) out << line << "\n";  // the header, then lines
  }
  const std::string task = (dir.path() / "task").string(), teacher = dir.file("teacher"), out = dir.file("search");
  const CommandResult train = run_cli({"train", "mobilebert", "--data", task, "--vocab", vocab.string(), "--out", teacher,
                                       "--epochs", "1", "--set", "num_hidden_layers=2", "--max-length", "32"});
  ASSERT_EQ(train.exit_code, 0) << train.err;
  const CommandResult r = run_cli({"prune", "mobilebert", "--teacher", teacher, "--data", task, "--max-length", "32",
                                   "--out", out, "--strategy", "random", "--trials", "2", "--parallel", "2", "--seed",
                                   "3", "--proxy-limit", "64", "--final-candidates", "1", "--final-epochs", "1",
                                   "--max-drop", "100"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("mobilebert pruning search: 2 proxy candidates"), std::string::npos) << r.out;
  ASSERT_TRUE(fs::exists(fs::path(out) / "best" / "vocab.txt")) << r.out;
  const auto lines = [](const fs::path& p) {
    std::ifstream in(p);
    int n = 0;
    for (std::string line; std::getline(in, line);) ++n;
    return n;
  };
  EXPECT_LT(lines(fs::path(out) / "best" / "vocab.txt"), lines(fs::path(teacher) / "vocab.txt") / 10);
  const CommandResult eval = run_cli({"eval", out + "/best", "--data", task + "/dev.tsv", "--dtype", "bf16", "--json"});
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  EXPECT_EQ(nlohmann::json::parse(eval.out)["examples"], 48);

  // A teacher that does not match the data (6 classes against its 2): refused before the search's
  // folder exists, naming the file, the line and the teacher.
  const std::string six = dir.file("six.all"), refused = dir.file("refused");
  std::ofstream(six) << "0 what is it ?\n5 how many ?\n";
  const CommandResult mismatch = run_cli({"prune", "mobilebert", "--teacher", teacher, "--data", six, "--dev", six,
                                          "--out", refused});
  EXPECT_EQ(mismatch.exit_code, 2);
  EXPECT_EQ(mismatch.err, "bfedge: error: " + six + ":2: label 5 is outside the teacher's (" + teacher +
                              ") labels 0..1\n");
  EXPECT_FALSE(fs::exists(refused));
}

}  // namespace
}  // namespace bfedge::test
