// The pruning search's results on disk (SQLite, Debian's libsqlite3): one row per candidate and
// stage, pending → running → done (or failed after its attempts), each change one transaction, so
// that a killed search resumes where it stopped: finished candidates are kept, the ones that were
// running go back to pending and run again. A search's settings are stored once (its
// fingerprint); opening the database with other settings is an error rather than a mix. Rows carry
// the candidate's spec and result as JSON text, so the store knows no model.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "bfedge/core/status.hpp"

struct sqlite3;

namespace bfedge::prune {

enum class CandidateStatus { pending, running, done, failed };
const char* candidate_status_name(CandidateStatus status);

struct CandidateRecord {
  std::int64_t id = 0;
  std::string stage;      // "proxy", "final", …
  std::string spec_json;  // what to run (canonical JSON: equal specs are one candidate per stage)
  CandidateStatus status = CandidateStatus::pending;
  int attempts = 0;
  std::string worker;       // who ran it last
  std::string result_json;  // when done
  std::string error;        // the last failure
};

class SearchStore {
 public:
  // Creates `path` with the schema, or opens it and checks that it was made for `fingerprint`.
  // Errors name the file: not a database, another schema version, other search settings.
  static Result<SearchStore> open(const std::string& path, const std::string& fingerprint);

  SearchStore(SearchStore&&) noexcept;
  SearchStore& operator=(SearchStore&&) noexcept;
  ~SearchStore();

  // The candidate's id; an equal (stage, spec) already stored keeps its row and state.
  Result<std::int64_t> add(const std::string& stage, const std::string& spec_json);
  // The oldest pending candidate (of `stage`, or any when empty), now running under `worker` with
  // one more attempt; nullopt when none is pending.
  Result<std::optional<CandidateRecord>> claim(const std::string& worker, const std::string& stage = "");
  // Candidate `id` now running under `worker` with one more attempt, if it is pending; nullopt
  // when it is not (done, failed, running elsewhere) or does not exist.
  Result<std::optional<CandidateRecord>> claim_id(std::int64_t id, const std::string& worker);
  Status finish(std::int64_t id, const std::string& result_json);
  // Pending again while attempts < max_attempts, failed otherwise.
  Status fail(std::int64_t id, const std::string& error, int max_attempts);
  // After a restart: every running candidate back to pending; returns how many.
  Result<int> requeue_running();
  Result<std::vector<CandidateRecord>> candidates(const std::string& stage = "");

  const std::string& path() const { return path_; }

 private:
  SearchStore(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  // The first pending row WHERE `where` (?1 bound to `key`), now running under `worker`.
  Result<std::optional<CandidateRecord>> claim_first(const char* where, const std::variant<std::string, std::int64_t>& key,
                                                     const std::string& worker);
  Status exec(const std::string& sql);
  Status rollback(Status failure);  // ends the open transaction, returns `failure`
  Status sqlite_error(const std::string& doing) const;

  sqlite3* db_ = nullptr;
  std::string path_;
};

}  // namespace bfedge::prune
