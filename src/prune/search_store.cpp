// SearchStore over SQLite: prepared statements per call (the search does a few per candidate),
// WAL journal with synchronous=FULL, a schema version and the search's fingerprint in `meta`.
#include "bfedge/prune/search_store.hpp"

#include <variant>

#include <sqlite3.h>

#include <utility>

namespace bfedge::prune {
namespace {

constexpr int kSchemaVersion = 1;

const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS candidates (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  stage TEXT NOT NULL,
  spec TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'done', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  worker TEXT NOT NULL DEFAULT '',
  result TEXT NOT NULL DEFAULT '',
  error TEXT NOT NULL DEFAULT '',
  UNIQUE (stage, spec));
)sql";

// One prepared statement, finalized on scope exit.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) { rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr); }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool ok() const { return rc_ == SQLITE_OK; }
  Statement& bind(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  int step() { return sqlite3_step(stmt_); }
  std::string text(int column) const {
    const unsigned char* p = sqlite3_column_text(stmt_, column);
    return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p));
  }
  std::int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int rc_ = SQLITE_ERROR;
};

CandidateStatus status_from(const std::string& s) {
  if (s == "running") return CandidateStatus::running;
  if (s == "done") return CandidateStatus::done;
  if (s == "failed") return CandidateStatus::failed;
  return CandidateStatus::pending;
}

constexpr const char* kColumns = "id, stage, spec, status, attempts, worker, result, error";

CandidateRecord record_of(const Statement& s) {
  CandidateRecord r;
  r.id = s.integer(0), r.stage = s.text(1), r.spec_json = s.text(2), r.status = status_from(s.text(3));
  r.attempts = static_cast<int>(s.integer(4)), r.worker = s.text(5), r.result_json = s.text(6), r.error = s.text(7);
  return r;
}

}  // namespace

const char* candidate_status_name(CandidateStatus status) {
  switch (status) {
    case CandidateStatus::pending: return "pending";
    case CandidateStatus::running: return "running";
    case CandidateStatus::done: return "done";
    case CandidateStatus::failed: return "failed";
  }
  return "?";
}

Result<SearchStore> SearchStore::open(const std::string& path, const std::string& fingerprint) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    const std::string why = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return io_error(path + ": cannot open the search database (" + why + ")");
  }
  SearchStore store(db, path);
  sqlite3_busy_timeout(db, 10000);
  if (Status s = store.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"); !s.is_ok()) return s;
  if (Status s = store.exec(kSchema); !s.is_ok()) return s;
  std::string version, stored;
  {
    Statement q(db, "SELECT key, value FROM meta");
    if (!q.ok()) return store.sqlite_error("reading its settings");
    for (int rc = q.step(); rc == SQLITE_ROW; rc = q.step()) {
      const std::string key = q.text(0);
      if (key == "schema_version") version = q.text(1);
      if (key == "fingerprint") stored = q.text(1);
    }
  }
  if (version.empty()) {
    Statement put(db, "INSERT INTO meta (key, value) VALUES ('schema_version', ?1), ('fingerprint', ?2)");
    if (!put.ok() || put.bind(1, std::to_string(kSchemaVersion)).bind(2, fingerprint).step() != SQLITE_DONE) {
      return store.sqlite_error("writing its settings");
    }
  } else if (version != std::to_string(kSchemaVersion)) {
    return format_error(path + ": search database schema version " + version + ", this bfedge reads " +
                        std::to_string(kSchemaVersion));
  } else if (stored != fingerprint) {
    return invalid_argument(path + ": this search database belongs to a search with other settings "
                                   "(model, data, space or strategy); use another --out or the same settings");
  }
  return store;
}

SearchStore::SearchStore(SearchStore&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), path_(std::move(other.path_)) {}

SearchStore& SearchStore::operator=(SearchStore&& other) noexcept {
  if (this != &other) {
    sqlite3_close(db_);
    db_ = std::exchange(other.db_, nullptr);
    path_ = std::move(other.path_);
  }
  return *this;
}

SearchStore::~SearchStore() { sqlite3_close(db_); }

Status SearchStore::sqlite_error(const std::string& doing) const {
  const int code = sqlite3_errcode(db_);
  const std::string message = path_ + ": " + doing + ": " + sqlite3_errmsg(db_);
  return code == SQLITE_NOTADB || code == SQLITE_CORRUPT ? format_error(message) : io_error(message);
}

Status SearchStore::rollback(Status failure) {
  sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);  // the failure is what to report
  return failure;
}

Status SearchStore::exec(const std::string& sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) == SQLITE_OK) return Status::ok();
  sqlite3_free(message);
  return sqlite_error("not a usable search database");
}

Result<std::int64_t> SearchStore::add(const std::string& stage, const std::string& spec_json) {
  Statement insert(db_, "INSERT OR IGNORE INTO candidates (stage, spec) VALUES (?1, ?2)");
  if (!insert.ok() || insert.bind(1, stage).bind(2, spec_json).step() != SQLITE_DONE) return sqlite_error("adding a candidate");
  Statement find(db_, "SELECT id FROM candidates WHERE stage = ?1 AND spec = ?2");
  if (!find.ok() || find.bind(1, stage).bind(2, spec_json).step() != SQLITE_ROW) return sqlite_error("adding a candidate");
  return find.integer(0);
}

Result<std::optional<CandidateRecord>> SearchStore::claim(const std::string& worker, const std::string& stage) {
  return claim_first("(?1 = '' OR stage = ?1) ORDER BY id LIMIT 1", stage, worker);
}

Result<std::optional<CandidateRecord>> SearchStore::claim_id(std::int64_t id, const std::string& worker) {
  return claim_first("id = ?1", id, worker);
}

Result<std::optional<CandidateRecord>> SearchStore::claim_first(const char* where,
                                                                const std::variant<std::string, std::int64_t>& key,
                                                                const std::string& worker) {
  if (Status s = exec("BEGIN IMMEDIATE"); !s.is_ok()) return s;
  const std::string select = std::string("SELECT ") + kColumns + " FROM candidates WHERE status = 'pending' AND " + where;
  Statement next(db_, select.c_str());
  if (!next.ok()) return rollback(sqlite_error("claiming a candidate"));
  std::visit([&](const auto& k) { next.bind(1, k); }, key);
  const int rc = next.step();
  if (rc == SQLITE_DONE) {
    if (Status s = exec("COMMIT"); !s.is_ok()) return s;
    return std::optional<CandidateRecord>();
  }
  if (rc != SQLITE_ROW) return rollback(sqlite_error("claiming a candidate"));
  CandidateRecord r = record_of(next);
  Statement take(db_, "UPDATE candidates SET status = 'running', attempts = attempts + 1, worker = ?2 WHERE id = ?1");
  if (!take.ok() || take.bind(1, r.id).bind(2, worker).step() != SQLITE_DONE) {
    return rollback(sqlite_error("claiming a candidate"));
  }
  if (Status s = exec("COMMIT"); !s.is_ok()) return s;
  r.status = CandidateStatus::running, r.attempts += 1, r.worker = worker;
  return std::optional<CandidateRecord>(std::move(r));
}

Status SearchStore::finish(std::int64_t id, const std::string& result_json) {
  Statement done(db_, "UPDATE candidates SET status = 'done', result = ?2, error = '' WHERE id = ?1");
  if (!done.ok() || done.bind(1, id).bind(2, result_json).step() != SQLITE_DONE) return sqlite_error("storing a result");
  return Status::ok();
}

Status SearchStore::fail(std::int64_t id, const std::string& error, int max_attempts) {
  Statement failed(db_,
                   "UPDATE candidates SET error = ?2, "
                   "status = CASE WHEN attempts < ?3 THEN 'pending' ELSE 'failed' END WHERE id = ?1");
  if (!failed.ok() || failed.bind(1, id).bind(2, error).bind(3, std::int64_t{max_attempts}).step() != SQLITE_DONE) {
    return sqlite_error("storing a failure");
  }
  return Status::ok();
}

Result<int> SearchStore::requeue_running() {
  if (Status s = exec("UPDATE candidates SET status = 'pending' WHERE status = 'running'"); !s.is_ok()) return s;
  return sqlite3_changes(db_);
}

Result<std::vector<CandidateRecord>> SearchStore::candidates(const std::string& stage) {
  const std::string select = std::string("SELECT ") + kColumns + " FROM candidates WHERE ?1 = '' OR stage = ?1 ORDER BY id";
  Statement all(db_, select.c_str());
  if (!all.ok()) return sqlite_error("reading the candidates");
  all.bind(1, stage);
  std::vector<CandidateRecord> out;
  int rc = all.step();
  for (; rc == SQLITE_ROW; rc = all.step()) out.push_back(record_of(all));
  if (rc != SQLITE_DONE) return sqlite_error("reading the candidates");
  return out;
}

}  // namespace bfedge::prune
