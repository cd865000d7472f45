// run_prune: the stages of prune_run.hpp over the results store. Every stage goes the same way:
// add its candidates, claim and run them on the trainer's slots (finish or fail each; an
// interruption ends the run with its rows still running, requeued on resume), then read the stage
// back from the store, so that a resumed run and an uninterrupted one see the same rows.
#include "bfedge/prune/prune_run.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "bfedge/prune/search_spaces.hpp"
#include "bfedge/prune/search_store.hpp"

namespace bfedge::prune {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Adds `spec` to `stage` (an equal one stored already keeps its row); its id.
Result<std::int64_t> add_row(SearchStore& store, const std::string& stage, const std::string& spec,
                             std::vector<std::int64_t>& ids) {
  Result<std::int64_t> id = store.add(stage, spec);
  if (id.is_ok()) ids.push_back(id.value());
  return id;
}
Status added(const Result<std::int64_t>& id) { return id.is_ok() ? Status::ok() : id.status(); }

// One pass of run_pending: a thread per slot claims `ids` in order until none is left to claim,
// runs fn(record, slot) and stores its result (JSON) or failure. An interruption stops the
// claiming; the jobs running finish first.
template <typename Fn>
Status run_pass(SearchStore& store, std::mutex& lock, const std::vector<std::int64_t>& ids,
                const std::vector<int>& slots, const CandidateTrainer& trainer, const PruneRunOptions& o, Fn& fn) {
  std::size_t next = 0;
  Status stop = Status::ok();
  const auto work = [&](int slot) {
    for (;;) {
      std::optional<CandidateRecord> claimed;
      {
        const std::lock_guard<std::mutex> hold(lock);
        while (!claimed && stop.is_ok() && next < ids.size()) {
          Result<std::optional<CandidateRecord>> r = store.claim_id(ids[next], o.worker);
          if (!r.is_ok()) {
            stop = r.status();
          } else if (r.value()) {
            claimed = std::move(r.value());
          } else {
            ++next;  // done, failed, or no longer pending
          }
        }
        if (!claimed) return;
      }
      Result<std::string> result = fn(*claimed, slot);
      const std::lock_guard<std::mutex> hold(lock);
      Status stored = Status::ok();
      if (result.is_ok()) {
        stored = store.finish(claimed->id, result.value());
      } else if (result.status().code() == ErrorCode::interrupted) {
        stored = result.status();
      } else {
        stored = store.fail(claimed->id, result.status().message(), o.max_attempts);
      }
      if (!stored.is_ok() && stop.is_ok()) stop = stored;
      if (trainer.lost(slot)) return;  // its worker is gone: the others take the rest
    }
  };
  const std::size_t threads = std::max<std::size_t>(1, std::min(slots.size(), ids.size()));
  std::vector<std::thread> pool;
  for (std::size_t i = 1; i < threads; ++i) pool.emplace_back(work, slots[i]);
  work(slots[0]);
  for (std::thread& t : pool) t.join();
  return stop;
}

// Runs `fn` on every pending candidate of `ids`, on the trainer's slots, until none is pending: a
// failed attempt (under max_attempts) is pending again and runs in the next pass, on a slot that
// is not lost.
template <typename Fn>
Status run_pending(SearchStore& store, std::mutex& lock, const std::vector<std::int64_t>& ids,
                   const CandidateTrainer& trainer, const PruneRunOptions& o, Fn fn) {
  for (;;) {
    std::vector<int> slots;
    for (int slot = 0; slot < trainer.slots(); ++slot) {
      if (!trainer.lost(slot)) slots.push_back(slot);
    }
    std::vector<std::int64_t> pending;
    {
      const std::lock_guard<std::mutex> hold(lock);
      Result<std::vector<CandidateRecord>> rows = store.candidates();
      if (!rows.is_ok()) return rows.status();
      for (const CandidateRecord& r : rows.value()) {
        if (r.status == CandidateStatus::pending && std::find(ids.begin(), ids.end(), r.id) != ids.end()) {
          pending.push_back(r.id);
        }
      }
    }
    if (pending.empty()) return Status::ok();
    if (slots.empty()) {
      return io_error("every worker is lost; " + std::to_string(pending.size()) +
                         " candidate(s) still pending: run the same command again to resume");
    }
    BFEDGE_RETURN_IF_ERROR(run_pass(store, lock, pending, slots, trainer, o, fn));
  }
}

Result<std::map<std::string, CandidateRecord>> stage_rows(SearchStore& store, const std::string& stage) {
  Result<std::vector<CandidateRecord>> rows = store.candidates(stage);
  if (!rows.is_ok()) return rows.status();
  std::map<std::string, CandidateRecord> out;
  for (CandidateRecord& r : rows.value()) out.emplace(r.spec_json, std::move(r));
  return out;
}

// A result's sizes, as outcome_of reads them back.
json sizes_json(std::int64_t total_bytes, std::int64_t weight_bytes, std::int64_t activation_bytes, std::int64_t macs) {
  return {{"total_bytes", total_bytes},
          {"weight_bytes", weight_bytes},
          {"activation_bytes", activation_bytes},
          {"macs", macs}};
}

bool is_dense(const Point& p) {
  return std::all_of(p.begin(), p.end(), [](int i) { return i == 0; });
}

// A stored row as an outcome (a failed row: failed, with its last error).
CandidateOutcome outcome_of(const CandidateRecord& r, TrainStage stage, const Point& point) {
  CandidateOutcome o;
  o.id = r.id, o.stage = stage, o.point = point, o.spec_json = r.spec_json;
  if (r.status != CandidateStatus::done) {
    o.failed = true, o.error = r.error;
    return o;
  }
  const json j = json::parse(r.result_json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    o.failed = true, o.error = "unreadable result: " + r.result_json;
    return o;
  }
  o.total_bytes = j.value("total_bytes", std::int64_t{0});
  o.weight_bytes = j.value("weight_bytes", std::int64_t{0});
  o.activation_bytes = j.value("activation_bytes", std::int64_t{0});
  o.macs = j.value("macs", std::int64_t{0});
  o.accuracy = j.value("accuracy", 0.0);
  o.seconds = j.value("seconds", 0.0);
  o.slice_seconds = j.value("slice_seconds", 0.0);
  o.trained = j.value("trained", false);
  return o;
}

Evaluation evaluation_of(const CandidateOutcome& o) {
  return {o.total_bytes, o.macs, o.accuracy, o.failed};
}

bool within(const CandidateOutcome& o, const Constraints& c, double dense_accuracy) {
  return !o.failed && o.trained && (c.budget_bytes <= 0 || o.total_bytes <= c.budget_bytes) &&
         o.accuracy >= dense_accuracy - c.max_drop;
}

Constraints proxy_constraints(const PruneRunOptions& o) {
  return {o.constraints.budget_bytes, o.proxy_max_drop < 0 ? o.constraints.max_drop : o.proxy_max_drop};
}

std::string candidate_dir(const PruneRunOptions& o, std::int64_t proxy_id) {
  return (fs::path(o.out_dir) / "candidates" / std::to_string(proxy_id)).string();
}

// Bumped when what a candidate means or how it is trained changes: an older database is then
// refused rather than mixed with new results.
constexpr int kSearchVersion = 3;  // 2: greedy's loss floor; 3: greedy walks axis by axis

std::string fingerprint(const PruneModel& model, const PruneRunOptions& o) {
  json axes = json::array();
  for (const Axis& a : model.space()) axes.push_back({{"name", a.name}, {"values", a.values}});
  const char* strategy = o.strategy.strategy == Strategy::greedy ? "greedy"
                         : o.strategy.strategy == Strategy::random ? "random" : "evolve";
  const json j = {{"search_version", kSearchVersion},
                  {"family", model.family()},
                  {"space", axes},
                  {"budget_bytes", o.constraints.budget_bytes},
                  {"max_drop", o.constraints.max_drop},
                  {"proxy_max_drop", o.proxy_max_drop},
                  {"strategy", strategy},
                  {"trials", o.strategy.trials},
                  {"parallel", o.strategy.parallel},
                  {"seed", o.strategy.seed},
                  {"loss_floor", o.strategy.loss_floor},
                  {"final_candidates", o.final_candidates},
                  {"settings", json::parse(o.settings_json.empty() ? "{}" : o.settings_json, nullptr, false)}};
  return j.dump();
}

class Runner {
 public:
  Runner(const PruneModel& model, CandidateTrainer& trainer, const PruneRunOptions& o, const PruneProgress& progress,
         SearchStore& store)
      : model_(model), trainer_(trainer), o_(o), progress_(progress), store_(store) {}

  Status dense(PruneOutcome& out) {
    std::vector<std::int64_t> ids;
    for (const char* spec : {"{\"teacher\":\"proxy\"}", "{\"teacher\":\"final\"}"}) {
      BFEDGE_RETURN_IF_ERROR(added(add_row(store_, "dense", spec, ids)));
    }
    BFEDGE_RETURN_IF_ERROR(run_pending(store_, lock_, ids, trainer_, o_,
                                       [&](const CandidateRecord& r, int slot) -> Result<std::string> {
      const TrainStage stage = r.spec_json.find("final") != std::string::npos ? TrainStage::final_tune : TrainStage::proxy;
      note(std::string("evaluating the teacher on the ") + train_stage_name(stage) + " stage's data");
      const auto start = std::chrono::steady_clock::now();
      Result<double> accuracy = trainer_.teacher_accuracy(slot, stage);
      if (!accuracy.is_ok()) return accuracy.status();
      return json{{"accuracy", accuracy.value()},
                  {"seconds", std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()}}
          .dump();
    }));
    Result<std::map<std::string, CandidateRecord>> rows = stage_rows(store_, "dense");
    if (!rows.is_ok()) return rows.status();
    for (const auto& [spec, r] : rows.value()) {
      if (r.status != CandidateStatus::done) return invalid_argument("the teacher's evaluation failed: " + r.error);
      const json result = json::parse(r.result_json, nullptr, false);
      const double accuracy = result.value("accuracy", 0.0);
      out.teacher_seconds += result.value("seconds", 0.0);
      (spec.find("final") != std::string::npos ? out.dense_final_accuracy : out.dense_proxy_accuracy) = accuracy;
    }
    char line[128];
    std::snprintf(line, sizeof line, "teacher: %.2f %% on the proxy data, %.2f %% on the final data",
                  out.dense_proxy_accuracy, out.dense_final_accuracy);
    note(line);
    return Status::ok();
  }

  Status proxy(PruneOutcome& out) {
    Search search(model_.space(), proxy_constraints(o_), o_.strategy, out.dense_proxy_accuracy);
    for (std::vector<Point> round = search.next_round(); !round.empty(); round = search.next_round()) {
      const int total = static_cast<int>(out.proxy.size()) + search.remaining_bound();
      std::vector<std::int64_t> ids;
      for (const Point& p : round) {
        const std::string spec = point_json(model_.space(), p);
        points_.emplace(spec, p);
        parents_.emplace(spec, search.parent(p));
        Result<std::int64_t> id = add_row(store_, "proxy", spec, ids);
        if (!id.is_ok()) return id.status();
        proxy_ids_[spec] = id.value();
      }
      // Candidates a resumed search finished before: counted, and the smallest feasible one so far
      // (else the progress after a resume starts its count and its best from scratch).
      Result<std::map<std::string, CandidateRecord>> before = stage_rows(store_, "proxy");
      if (!before.is_ok()) return before.status();
      for (const Point& p : round) {
        const CandidateRecord& r = before.value().at(point_json(model_.space(), p));
        if (r.status != CandidateStatus::done) continue;
        remember_best(outcome_of(r, TrainStage::proxy, p), out.dense_proxy_accuracy);
        ++finished_in_round_;
      }
      BFEDGE_RETURN_IF_ERROR(run_pending(store_, lock_, ids, trainer_, o_,
                                         [&](const CandidateRecord& r, int slot) -> Result<std::string> {
        Result<std::string> result = train_proxy(r, slot, out.dense_proxy_accuracy);
        if (result.is_ok()) report(out, r, result.value(), total);  // a failure shows once its attempts are spent
        return result;
      }));
      finished_in_round_ = 0;
      Result<std::map<std::string, CandidateRecord>> rows = stage_rows(store_, "proxy");
      if (!rows.is_ok()) return rows.status();
      for (const Point& p : round) {
        const CandidateRecord& r = rows.value().at(point_json(model_.space(), p));
        CandidateOutcome o = outcome_of(r, TrainStage::proxy, p);
        if (o.failed) note("candidate " + std::to_string(o.id) + " " + o.spec_json + " failed: " + o.error);
        search.record(p, evaluation_of(o));
        out.proxy.push_back(o);
        remember_best(o, out.dense_proxy_accuracy);
      }
    }
    front_ = search.pareto_front();
    return Status::ok();
  }

  // Fine-tunes the feasible front smallest first, one at a time, until one meets the final
  // constraints or final_candidates have been tried.
  Status finals(PruneOutcome& out) {
    std::vector<const CandidateOutcome*> queue;  // front, feasible by the proxy, smallest first
    for (const CandidateOutcome& c : out.proxy) {
      if (std::find(front_.begin(), front_.end(), c.point) != front_.end() &&
          within(c, proxy_constraints(o_), out.dense_proxy_accuracy)) {
        queue.push_back(&c);
      }
    }
    std::sort(queue.begin(), queue.end(),
              [](const CandidateOutcome* a, const CandidateOutcome* b) { return a->total_bytes < b->total_bytes; });
    if (queue.size() > static_cast<std::size_t>(o_.final_candidates)) queue.resize(static_cast<std::size_t>(o_.final_candidates));
    if (queue.empty()) note("no candidate is feasible after the proxy stage: nothing to fine-tune");
    int done = 0;
    for (const CandidateOutcome* c : queue) {
      std::vector<std::int64_t> ids;
      BFEDGE_RETURN_IF_ERROR(added(add_row(store_, "final", c->spec_json, ids)));
      BFEDGE_RETURN_IF_ERROR(run_pending(store_, lock_, ids, trainer_, o_,
                                         [&](const CandidateRecord&, int slot) { return train_final(*c, slot); }));
      Result<std::map<std::string, CandidateRecord>> rows = stage_rows(store_, "final");
      if (!rows.is_ok()) return rows.status();
      CandidateOutcome f = outcome_of(rows.value().at(c->spec_json), TrainStage::final_tune, c->point);
      f.id = c->id;  // the candidate's folder
      out.finals.push_back(f);
      if (progress_.candidate) progress_.candidate(f, ++done, static_cast<int>(queue.size()), nullptr);
      if (!f.failed && (o_.constraints.budget_bytes <= 0 || f.total_bytes <= o_.constraints.budget_bytes) &&
          (!out.best_in_budget || f.accuracy > out.best_in_budget->accuracy)) {
        out.best_in_budget = f;
      }
      if (within(f, o_.constraints, out.dense_final_accuracy)) {
        out.chosen = f;
        break;
      }
    }
    return Status::ok();
  }

  const std::vector<Point>& front() const { return front_; }

 private:

  Result<std::string> train_final(const CandidateOutcome& p, int slot) {
    const std::string dir = candidate_dir(o_, p.id);
    note("fine-tuning candidate " + std::to_string(p.id) + " " + p.spec_json);
    const auto start = std::chrono::steady_clock::now();
    Result<double> accuracy =
        trainer_.train(slot, TrainStage::final_tune, proxy_dir(p.point), (fs::path(dir) / "final").string());
    if (!accuracy.is_ok()) return accuracy.status();
    json j = sizes_json(p.total_bytes, p.weight_bytes, p.activation_bytes, p.macs);
    j["accuracy"] = accuracy.value();
    j["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    j["trained"] = true;
    return j.dump();
  }

  // The folder a candidate's proxy weights are in: the teacher's for the dense point.
  std::string proxy_dir(const Point& p) const {
    if (is_dense(p)) return model_.teacher_dir();
    return (fs::path(candidate_dir(o_, proxy_ids_.at(point_json(model_.space(), p)))) / "proxy").string();
  }

  Result<std::string> train_proxy(const CandidateRecord& r, int slot, double dense_accuracy) {
    const auto it = points_.find(r.spec_json);
    if (it == points_.end()) return invalid_argument("a candidate this search did not propose: " + r.spec_json);
    const Point& p = it->second;
    Result<deploy::Footprint> f = model_.footprint(p);
    if (!f.is_ok()) return f.status();
    const deploy::Footprint& fp = f.value();
    json j = sizes_json(fp.total_bytes(), fp.weight_bytes, fp.activation_peak_bytes, fp.macs);
    const std::int64_t budget = o_.constraints.budget_bytes;
    if (is_dense(p)) {  // the teacher itself
      j["accuracy"] = dense_accuracy, j["seconds"] = 0.0, j["trained"] = true;
      return j.dump();
    }
    if (o_.strategy.strategy != Strategy::greedy && budget > 0 && f.value().total_bytes() > budget) {
      j["accuracy"] = 0.0, j["seconds"] = 0.0, j["trained"] = false;
      return j.dump();
    }
    // Sliced from the parent's recovered weights (greedy), else from the teacher.
    const std::optional<Point>& parent = parents_.at(r.spec_json);
    const std::string source = parent ? proxy_dir(*parent) : model_.teacher_dir();
    const fs::path dir = candidate_dir(o_, r.id);
    note("candidate " + std::to_string(r.id) + " " + r.spec_json + ": " + std::to_string(f.value().total_bytes()) +
         " bytes, from " + source);
    const auto start = std::chrono::steady_clock::now();
    BFEDGE_RETURN_IF_ERROR(model_.write_student(p, source, (dir / "student").string()));
    j["slice_seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    Result<double> accuracy = trainer_.train(slot, TrainStage::proxy, (dir / "student").string(), (dir / "proxy").string());
    if (!accuracy.is_ok()) return accuracy.status();
    j["accuracy"] = accuracy.value();
    j["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    j["trained"] = true;
    j["from"] = source;
    return j.dump();
  }

  // The smallest candidate feasible by the proxy's constraints so far.
  void remember_best(const CandidateOutcome& o, double dense_accuracy) {
    if (within(o, proxy_constraints(o_), dense_accuracy) && (!best_ || o.total_bytes < best_->total_bytes)) best_ = o;
  }

  // One finished proxy candidate to the progress callback, as it finishes.
  void report(PruneOutcome& out, const CandidateRecord& r, const std::string& result_json, int total) {
    const std::lock_guard<std::mutex> hold(progress_lock_);
    CandidateRecord done = r;
    done.status = CandidateStatus::done, done.result_json = result_json;
    const CandidateOutcome o = outcome_of(done, TrainStage::proxy, points_.at(r.spec_json));
    remember_best(o, out.dense_proxy_accuracy);
    if (progress_.candidate) {
      progress_.candidate(o, static_cast<int>(out.proxy.size()) + ++finished_in_round_, total, best_ ? &*best_ : nullptr);
    }
  }

  void note(const std::string& line) const {
    const std::lock_guard<std::mutex> hold(progress_lock_);
    if (progress_.note) progress_.note(line);
  }

  const PruneModel& model_;
  CandidateTrainer& trainer_;
  const PruneRunOptions& o_;
  const PruneProgress& progress_;
  SearchStore& store_;
  std::mutex lock_;                    // the store, between the training threads
  mutable std::mutex progress_lock_;   // the progress callbacks and what they read
  std::map<std::string, Point> points_;  // every point proposed, by spec
  std::map<std::string, std::optional<Point>> parents_;  // greedy: the point each one steps from
  std::map<std::string, std::int64_t> proxy_ids_;        // every point's proxy row
  std::optional<CandidateOutcome> best_;
  int finished_in_round_ = 0;
  std::vector<Point> front_;
};

std::vector<ReportRow> report_rows(const PruneOutcome& out, const std::vector<Point>& front, const PruneRunOptions& o) {
  std::vector<ReportRow> rows;
  ReportRow dense;
  dense.spec_json = "{\"dense\":true}";
  dense.total_bytes = out.dense.total_bytes(), dense.weight_bytes = out.dense.weight_bytes;
  dense.activation_bytes = out.dense.activation_peak_bytes, dense.macs = out.dense.macs;
  dense.accuracy = out.dense_proxy_accuracy, dense.final_accuracy = out.dense_final_accuracy, dense.dense = true;
  rows.push_back(dense);
  for (const CandidateOutcome& c : out.proxy) {
    if (c.failed || !c.trained) continue;
    ReportRow r;
    r.spec_json = c.spec_json;
    r.total_bytes = c.total_bytes, r.weight_bytes = c.weight_bytes, r.activation_bytes = c.activation_bytes;
    r.macs = c.macs, r.accuracy = c.accuracy;
    r.on_front = std::find(front.begin(), front.end(), c.point) != front.end();
    r.feasible = within(c, proxy_constraints(o), out.dense_proxy_accuracy);
    for (const CandidateOutcome& f : out.finals) {
      if (f.spec_json == c.spec_json && !f.failed) r.final_accuracy = f.accuracy;
    }
    r.chosen = out.chosen && out.chosen->spec_json == c.spec_json;
    rows.push_back(r);
  }
  return rows;
}

}  // namespace

const char* train_stage_name(TrainStage stage) { return stage == TrainStage::proxy ? "proxy" : "final"; }

Status check_budget(const PruneModel& model, std::int64_t budget_bytes) {
  Result<deploy::Footprint> smallest = model.footprint(smallest_point(model.space()));
  if (!smallest.is_ok()) return smallest.status();
  return check_budget_reachable(model.space(), budget_bytes, smallest.value());
}

Result<PruneOutcome> run_prune(const PruneModel& model, CandidateTrainer& trainer, const PruneRunOptions& o,
                               const PruneProgress& progress) {
  PruneOutcome out;
  Result<deploy::Footprint> dense = model.footprint(Point(model.space().size(), 0));
  if (!dense.is_ok()) return dense.status();
  out.dense = dense.value();
  BFEDGE_RETURN_IF_ERROR(check_budget(model, o.constraints.budget_bytes));

  std::error_code ec;
  fs::create_directories(o.out_dir, ec);
  if (ec) return io_error(o.out_dir + ": cannot create the folder (" + ec.message() + ")");
  Result<SearchStore> store = SearchStore::open((fs::path(o.out_dir) / "search.sqlite").string(), fingerprint(model, o));
  if (!store.is_ok()) return store.status();
  Result<int> requeued = store.value().requeue_running();
  if (!requeued.is_ok()) return requeued.status();
  if (requeued.value() > 0 && progress.note) {
    progress.note("resuming: " + std::to_string(requeued.value()) + " interrupted candidate(s) run again");
  }

  Runner runner(model, trainer, o, progress, store.value());
  BFEDGE_RETURN_IF_ERROR(runner.dense(out));
  BFEDGE_RETURN_IF_ERROR(runner.proxy(out));
  BFEDGE_RETURN_IF_ERROR(runner.finals(out));
  out.report = report_rows(out, runner.front(), o);
  const std::string title = std::string(model.family()) + " pruning search: accuracy (proxy) vs total bytes";
  BFEDGE_RETURN_IF_ERROR(write_report(o.out_dir, out.report, title));
  return out;
}

}  // namespace bfedge::prune
