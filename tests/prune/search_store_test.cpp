// SearchStore: the candidate life cycle, retries, a resume after a kill (running rows back to
// pending, finished ones kept), and the files it must refuse with one line naming them.
#include <gtest/gtest.h>

#include <fstream>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bfedge/prune/search_store.hpp"
#include "support/test_support.hpp"

namespace bfedge::prune {
namespace {

TEST(SearchStore, CandidatesGoFromPendingToDoneOncePerStageAndSpec) {
  test::TempDir dir;
  SearchStore store = SearchStore::open(dir.file("search.db"), "fp").value();
  const std::int64_t a = store.add("proxy", R"({"layers":4})").value();
  const std::int64_t b = store.add("proxy", R"({"layers":8})").value();
  EXPECT_EQ(store.add("proxy", R"({"layers":4})").value(), a);  // the same candidate
  EXPECT_NE(store.add("final", R"({"layers":4})").value(), a);  // another stage: another row
  const auto first = store.claim("rank 1", "proxy").value();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->id, a);
  EXPECT_EQ(first->status, CandidateStatus::running);
  EXPECT_EQ(first->attempts, 1);
  EXPECT_EQ(store.claim("rank 2", "proxy").value()->id, b);
  EXPECT_FALSE(store.claim("rank 3", "proxy").value().has_value());
  ASSERT_TRUE(store.finish(a, R"({"accuracy":80.1})").is_ok());
  const auto all = store.candidates("proxy").value();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].status, CandidateStatus::done);
  EXPECT_EQ(all[0].result_json, R"({"accuracy":80.1})");
  EXPECT_EQ(all[0].worker, "rank 1");
  EXPECT_EQ(all[1].status, CandidateStatus::running);
  EXPECT_EQ(store.candidates().value().size(), 3u);
}

// claim_id takes the named candidate only while it is pending (what run_prune hands out by round).
TEST(SearchStore, ClaimIdTakesThatCandidateOnlyWhilePending) {
  test::TempDir dir;
  SearchStore store = SearchStore::open(dir.file("search.db"), "fp").value();
  const std::int64_t a = store.add("proxy", R"({"layers":4})").value();
  const std::int64_t b = store.add("proxy", R"({"layers":8})").value();
  const auto second = store.claim_id(b, "rank 2").value();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->id, b);  // not the oldest pending one
  EXPECT_EQ(second->attempts, 1);
  EXPECT_EQ(second->worker, "rank 2");
  EXPECT_FALSE(store.claim_id(b, "rank 3").value().has_value());  // running already
  ASSERT_TRUE(store.finish(b, "{}").is_ok());
  EXPECT_FALSE(store.claim_id(b, "rank 3").value().has_value());  // done
  EXPECT_FALSE(store.claim_id(b + 100, "rank 3").value().has_value());  // no such row
  EXPECT_EQ(store.claim("rank 1", "proxy").value()->id, a);
}

TEST(SearchStore, AFailedCandidateIsRetriedUntilItsAttemptsRunOut) {
  test::TempDir dir;
  SearchStore store = SearchStore::open(dir.file("search.db"), "fp").value();
  const std::int64_t id = store.add("proxy", "{}").value();
  for (int attempt = 1; attempt <= 2; ++attempt) {
    const auto c = store.claim("w").value();
    ASSERT_TRUE(c.has_value());
    EXPECT_EQ(c->attempts, attempt);
    ASSERT_TRUE(store.fail(id, "worker died", 2).is_ok());
  }
  EXPECT_FALSE(store.claim("w").value().has_value());
  const CandidateRecord r = store.candidates().value().front();
  EXPECT_EQ(r.status, CandidateStatus::failed);
  EXPECT_EQ(r.error, "worker died");
}

TEST(SearchStore, ReopeningAfterAKillKeepsResultsAndRequeuesRunningCandidates) {
  test::TempDir dir;
  const std::string path = dir.file("search.db");
  {
    SearchStore store = SearchStore::open(path, "fp").value();
    for (int i = 0; i < 3; ++i) store.add("proxy", "{\"i\":" + std::to_string(i) + "}").value();
    const auto done = store.claim("w").value();
    ASSERT_TRUE(store.finish(done->id, "{\"acc\":1}").is_ok());
    ASSERT_TRUE(store.claim("w").value().has_value());  // running when the search is killed
  }
  SearchStore store = SearchStore::open(path, "fp").value();
  EXPECT_EQ(store.requeue_running().value(), 1);
  const auto all = store.candidates().value();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].status, CandidateStatus::done);
  EXPECT_EQ(all[1].status, CandidateStatus::pending);
  EXPECT_EQ(all[1].attempts, 1);
  EXPECT_EQ(store.claim("w").value()->id, all[1].id);
}

TEST(SearchStore, AProcessKilledMidSearchLosesNothingFinished) {
  test::TempDir dir;
  const std::string path = dir.file("search.db");
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {  // a search that finishes one candidate, starts another, and is killed
    SearchStore store = SearchStore::open(path, "fp").value();
    const std::int64_t a = store.add("proxy", "{\"a\":1}").value();
    store.add("proxy", "{\"b\":2}").value();
    if (!store.claim("w").value().has_value() || !store.finish(a, "{\"acc\":2}").is_ok()) _exit(3);
    if (!store.claim("w").value().has_value()) _exit(4);
    raise(SIGKILL);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exit " << WEXITSTATUS(status);
  SearchStore store = SearchStore::open(path, "fp").value();
  EXPECT_EQ(store.requeue_running().value(), 1);
  const auto all = store.candidates().value();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].status, CandidateStatus::done);
  EXPECT_EQ(all[0].result_json, "{\"acc\":2}");
  EXPECT_EQ(all[1].status, CandidateStatus::pending);
}

TEST(SearchStore, RefusesAnotherSearchsDatabaseAndFilesThatAreNotOne) {
  test::TempDir dir;
  const std::string path = dir.file("search.db");
  ASSERT_TRUE(SearchStore::open(path, "fp").is_ok());
  const Result<SearchStore> other = SearchStore::open(path, "other settings");
  ASSERT_FALSE(other.is_ok());
  EXPECT_EQ(other.status().message().rfind(path + ": this search database belongs to a search with other settings", 0), 0u)
      << other.status().message();
  const std::string garbage = dir.file("garbage.db");
  {
    std::ofstream out(garbage, std::ios::binary);
    out << std::string(4096, 'x');
  }
  const Result<SearchStore> corrupt = SearchStore::open(garbage, "fp");
  ASSERT_FALSE(corrupt.is_ok());
  EXPECT_NE(corrupt.status().message().find(garbage + ": "), std::string::npos);
  EXPECT_NE(corrupt.status().message().find("not a database"), std::string::npos) << corrupt.status().message();
  EXPECT_EQ(corrupt.status().message().find('\n'), std::string::npos);
  const Result<SearchStore> missing_dir = SearchStore::open(dir.file("no/such/dir/search.db"), "fp");
  ASSERT_FALSE(missing_dir.is_ok());
  EXPECT_NE(missing_dir.status().message().find("cannot open the search database"), std::string::npos);
}

}  // namespace
}  // namespace bfedge::prune
