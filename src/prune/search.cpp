// The search strategies of prune/search.hpp. next_round() regenerates rounds deterministically and
// skips candidates already evaluated, so replaying a stored search's results fast-forwards it.
#include "bfedge/prune/search.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <set>

namespace bfedge::prune {
namespace {

constexpr int kMaxDraws = 64;  // tries for a point not proposed before

}  // namespace

std::string point_json(const SearchSpace& space, const Point& point) {
  std::string out = "{";
  for (std::size_t a = 0; a < space.size(); ++a) {
    char value[32];
    std::snprintf(value, sizeof value, "%.17g", space[a].values[static_cast<std::size_t>(point[a])]);
    out += (a ? ",\"" : "\"") + space[a].name + "\":" + value;
  }
  return out + "}";
}

double axis_value(const SearchSpace& space, const Point& point, const std::string& axis) {
  for (std::size_t a = 0; a < space.size(); ++a) {
    if (space[a].name == axis) return space[a].values[static_cast<std::size_t>(point[a])];
  }
  return 0.0;
}

Result<Strategy> parse_strategy(const std::string& name) {
  if (name == "greedy") return Strategy::greedy;
  if (name == "random") return Strategy::random;
  if (name == "evolve") return Strategy::evolve;
  return invalid_argument("--strategy: \"" + name + "\" is not greedy, random or evolve");
}

Search::Search(SearchSpace space, Constraints constraints, StrategyOptions options, double dense_accuracy)
    : space_(std::move(space)), constraints_(constraints), options_(options), dense_accuracy_(dense_accuracy),
      current_(space_.size(), 0), rng_(options.seed * 0x9E3779B97F4A7C15ull + 1) {}

std::uint64_t Search::next_random() {  // SplitMix64
  std::uint64_t z = (rng_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

Point Search::random_point() {
  Point p(space_.size());
  for (std::size_t a = 0; a < space_.size(); ++a) p[a] = static_cast<int>(next_random() % space_[a].values.size());
  return p;
}

bool Search::feasible(const Evaluation& e) const {
  return !e.failed && e.accuracy >= dense_accuracy_ - constraints_.max_drop &&
         (constraints_.budget_bytes <= 0 || e.total_bytes <= constraints_.budget_bytes);
}

std::vector<Point> Search::fresh(std::vector<Point> points) {
  std::vector<Point> out;
  std::set<Point> seen;
  for (Point& p : points) {
    if (evaluated_.count(p) == 0 && seen.insert(p).second) out.push_back(std::move(p));
  }
  return out;
}

void Search::record(const Point& point, const Evaluation& evaluation) { evaluated_[point] = evaluation; }

std::vector<Point> Search::next_round() {
  while (!done_) {
    std::vector<Point> round;
    switch (options_.strategy) {
      case Strategy::greedy: round = greedy_round(); break;
      case Strategy::random: round = random_round(); break;
      case Strategy::evolve: round = evolve_round(); break;
    }
    if (!round.empty()) return round;
  }
  return {};
}

bool Search::acceptable(const Evaluation& e) const {
  return !e.failed && e.accuracy >= dense_accuracy_ - constraints_.max_drop;
}

std::size_t Search::moved_axis(const Point& from, const Point& to) {
  for (std::size_t a = 0; a < from.size(); ++a) {
    if (from[a] != to[a]) return a;
  }
  return from.size();
}

std::vector<Point> Search::propose_steps(std::vector<Point> steps) {
  for (const Point& step : steps) parents_.emplace(step, current_);
  pending_ = std::move(steps);
  return fresh(pending_);
}

std::vector<Point> Search::greedy_round() {
  const Point dense(space_.size(), 0);
  if (evaluated_.count(dense) == 0) return {dense};
  if (frozen_.empty()) frozen_.assign(space_.size(), false);
  for (const Point& p : pending_) {
    if (evaluated_.count(p) == 0) return fresh(pending_);  // still waiting for this round
  }
  const auto movable = [&](std::size_t a) { return !frozen_[a] && current_[a] + 1 < static_cast<int>(space_[a].values.size()); };
  if (!surveyed_) {
    if (pending_.empty()) {  // the survey: one step down every axis from the dense point
      std::vector<Point> steps;
      for (std::size_t a = 0; a < space_.size(); ++a) {
        if (!movable(a)) continue;
        steps.push_back(current_);
        steps.back()[a] += 1;
      }
      if (steps.empty()) done_ = true;
      return propose_steps(std::move(steps));
    }
    // Rank the axes by bytes saved per point lost (losses under the floor count as the floor);
    // freeze those whose step was not acceptable.
    const Evaluation& now = evaluated_.at(current_);
    std::vector<std::pair<double, std::size_t>> ranked;
    for (const Point& p : pending_) {
      const std::size_t a = moved_axis(current_, p);
      const Evaluation& e = evaluated_.at(p);
      if (!acceptable(e)) {
        frozen_[a] = true;
        continue;
      }
      const double saved = static_cast<double>(now.total_bytes - e.total_bytes);
      ranked.emplace_back(-saved / std::max(options_.loss_floor, now.accuracy - e.accuracy), a);
    }
    std::stable_sort(ranked.begin(), ranked.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
    for (const auto& [score, a] : ranked) order_.push_back(a);
    surveyed_ = true;
    if (!order_.empty()) {  // the most redundant axis' first step is already done
      Point first = current_;
      first[order_.front()] += 1;
      current_ = first;
    }
    pending_.clear();
  } else if (!pending_.empty()) {  // the step down the current axis
    const Point& step = pending_.front();
    if (acceptable(evaluated_.at(step))) {
      current_ = step;
    } else {
      frozen_[moved_axis(current_, step)] = true;
    }
    pending_.clear();
  }
  // Walk down the axes in their order, one step at a time, as far as each stays acceptable.
  for (; next_axis_ < order_.size(); ++next_axis_) {
    const std::size_t a = order_[next_axis_];
    if (!movable(a)) continue;
    Point step = current_;
    step[a] += 1;
    return propose_steps({step});
  }
  done_ = true;
  return {};
}

int Search::remaining_bound() const {
  if (options_.strategy != Strategy::greedy) {
    int unevaluated = 0;
    for (const Point& p : proposed_points_) unevaluated += evaluated_.count(p) == 0 ? 1 : 0;
    return unevaluated + std::max(0, options_.trials - proposed_);
  }
  if (done_) return 0;
  const auto steps_left = [&](std::size_t a) {
    return (frozen_.empty() || !frozen_[a]) ? static_cast<int>(space_[a].values.size()) - 1 - current_[a] : 0;
  };
  int bound = 0;
  if (!surveyed_) {
    const bool dense_pending = evaluated_.count(Point(space_.size(), 0)) == 0;
    int walk = 0, movable = 0;
    for (std::size_t a = 0; a < space_.size(); ++a) walk += steps_left(a), movable += steps_left(a) > 0 ? 1 : 0;
    // The survey (one step per movable axis), then every further step down; the first axis' first
    // step is the survey's.
    bound = (dense_pending ? 1 : 0) + movable + std::max(0, walk - 1);
  } else {
    for (std::size_t k = next_axis_; k < order_.size(); ++k) bound += steps_left(order_[k]);
  }
  return bound;
}

std::vector<Point> Search::random_round() {
  if (proposed_ >= options_.trials) {
    done_ = true;
    return {};
  }
  std::vector<Point> round;
  for (int i = 0; i < options_.parallel && proposed_ < options_.trials; ++i, ++proposed_) {
    for (int draw = 0; draw < kMaxDraws; ++draw) {
      Point p = random_point();
      if (proposed_points_.insert(p).second) {
        round.push_back(std::move(p));
        break;
      }
    }
  }
  return fresh(std::move(round));
}

std::vector<Point> Search::evolve_round() {
  if (proposed_ >= options_.trials) {
    done_ = true;
    return {};
  }
  const int population = 2 * options_.parallel;
  if (proposed_ < population) return random_round();  // the first generation
  std::vector<Point> pool;  // the parents: what this search proposed and has results for
  for (const Point& p : proposed_points_) {
    if (evaluated_.count(p) != 0) pool.push_back(p);
  }
  if (pool.empty()) return random_round();
  // Better: feasible before infeasible; then smaller (feasible) or more accurate (infeasible).
  const auto better = [&](const Point& x, const Point& y) {
    const Evaluation &a = evaluated_.at(x), &b = evaluated_.at(y);
    if (feasible(a) != feasible(b)) return feasible(a);
    if (feasible(a)) return a.total_bytes < b.total_bytes;
    return a.accuracy > b.accuracy;
  };
  const auto tournament = [&] {
    const Point& x = pool[next_random() % pool.size()];
    const Point& y = pool[next_random() % pool.size()];
    return better(y, x) ? y : x;
  };
  std::vector<Point> round;
  for (int i = 0; i < options_.parallel && proposed_ < options_.trials; ++i, ++proposed_) {
    for (int draw = 0; draw < kMaxDraws; ++draw) {
      const Point mother = tournament(), father = tournament();
      Point child(space_.size());
      for (std::size_t a = 0; a < space_.size(); ++a) child[a] = (next_random() & 1) ? mother[a] : father[a];
      const std::size_t a = next_random() % space_.size();  // one step on one axis
      const int last = static_cast<int>(space_[a].values.size()) - 1;
      child[a] = std::clamp(child[a] + ((next_random() & 1) ? 1 : -1), 0, last);
      if (proposed_points_.insert(child).second) {
        round.push_back(std::move(child));
        break;
      }
    }
  }
  return fresh(std::move(round));
}

std::optional<Point> Search::parent(const Point& point) const {
  const auto it = parents_.find(point);
  if (it == parents_.end()) return std::nullopt;
  return it->second;
}

std::optional<Point> Search::best() const {
  std::optional<Point> best;
  for (const auto& [p, e] : evaluated_) {
    if (feasible(e) && (!best || e.total_bytes < evaluated_.at(*best).total_bytes)) best = p;
  }
  return best;
}

std::vector<Point> Search::pareto_front() const {
  std::vector<Point> front;
  for (const auto& [p, e] : evaluated_) {
    if (e.failed) continue;
    bool dominated = false;
    for (const auto& [q, f] : evaluated_) {
      if (f.failed || q == p) continue;
      if (f.total_bytes <= e.total_bytes && f.accuracy >= e.accuracy &&
          (f.total_bytes < e.total_bytes || f.accuracy > e.accuracy)) {
        dominated = true;
        break;
      }
    }
    if (!dominated) front.push_back(p);
  }
  std::sort(front.begin(), front.end(),
            [&](const Point& a, const Point& b) { return evaluated_.at(a).total_bytes < evaluated_.at(b).total_bytes; });
  return front;
}

}  // namespace bfedge::prune
