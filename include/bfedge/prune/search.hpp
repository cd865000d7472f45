// The pruning search's strategies over a declarative space (docs/adr/0009), model-free: a space is
// a list of axes, each with its values from the dense one down; a candidate (Point) picks one value
// per axis. Strategies propose rounds of candidates and read back their evaluations (footprint,
// MACs, accuracy), so that a round can run in parallel (MPI workers) and a killed search can replay
// its stored results. Deterministic per seed.
//   greedy  staged, axis by axis, most redundant first: a survey round tries one step down every
//           axis from the dense point and ranks the axes by bytes saved per point of accuracy
//           lost; an axis whose step loses more than max_drop is frozen (further cuts elsewhere
//           only lose more). Then, from the most redundant axis on, it walks down each axis one
//           step at a time while the accuracy stays within max_drop of the dense model's, and
//           moves to the next axis at the first step that does not (one candidate per round
//           after the survey, so the rounds do not depend on how many workers train them).
//           About (axes + steps taken + axes) candidates, against axes × steps for re-ranking
//           every axis at every step. Each candidate's parent is the point it stepped from, so
//           a candidate can start from its parent's recovered weights (progressive pruning);
//   random  `trials` points drawn uniformly (distinct), in rounds of `parallel`;
//   evolve  a population seeded at random, then children by crossover and one-step mutations of
//           parents chosen by tournament (feasible and smaller first).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "bfedge/core/status.hpp"

namespace bfedge::prune {

struct Axis {
  std::string name;
  std::vector<double> values;  // values[0] is the dense model's
};
using SearchSpace = std::vector<Axis>;
using Point = std::vector<int>;  // an index into each axis' values

// {"axis": value, …} in axis order: the candidate's canonical spec (the results store's key).
std::string point_json(const SearchSpace& space, const Point& point);
double axis_value(const SearchSpace& space, const Point& point, const std::string& axis);

struct Evaluation {
  std::int64_t total_bytes = 0;  // weights + activation peak (deploy::FootprintModel)
  std::int64_t macs = 0;
  double accuracy = 0;  // percent
  bool failed = false;  // the candidate could not be built or trained
};

struct Constraints {
  std::int64_t budget_bytes = 0;  // 0: none
  double max_drop = 1.0;          // accuracy points below the dense model's
};

enum class Strategy { greedy, random, evolve };
Result<Strategy> parse_strategy(const std::string& name);  // "greedy", "random", "evolve"

struct StrategyOptions {
  Strategy strategy = Strategy::greedy;
  int trials = 32;    // random and evolve: candidates in all
  int parallel = 4;   // random and evolve: candidates per round
  std::uint64_t seed = 1;
  // greedy: an accuracy loss below this many points counts as this many when axes are ranked by
  // bytes saved per point lost. A proxy measured on a few thousand examples moves by about half a
  // point from noise alone; without a floor, a step that gained by chance would win whatever it saved.
  double loss_floor = 0.25;
};

class Search {
 public:
  Search(SearchSpace space, Constraints constraints, StrategyOptions options, double dense_accuracy);

  // The next round of candidates not yet evaluated; empty when the search is over.
  std::vector<Point> next_round();
  // Called after next_round: at most how many candidates, this round's included, the search
  // will still evaluate (random, evolve: exactly; greedy: every step it might still walk).
  int remaining_bound() const;
  // Records a candidate's evaluation (from this round or replayed from the store).
  void record(const Point& point, const Evaluation& evaluation);

  // Feasible: within max_drop of the dense model and the budget.
  bool feasible(const Evaluation& e) const;
  // The smallest feasible candidate evaluated so far.
  std::optional<Point> best() const;
  // Candidates no other beats on both total bytes (smaller) and accuracy (higher).
  std::vector<Point> pareto_front() const;
  const std::map<Point, Evaluation>& evaluated() const { return evaluated_; }
  // greedy: the accepted point `point` was proposed as a step from; nullopt for the dense point
  // and for random and evolve candidates (they start from the dense model).
  std::optional<Point> parent(const Point& point) const;

 private:
  std::vector<Point> greedy_round();
  bool acceptable(const Evaluation& e) const;             // greedy: built, trained, within max_drop
  static std::size_t moved_axis(const Point& from, const Point& to);
  std::vector<Point> propose_steps(std::vector<Point> steps);  // greedy: steps from current_
  std::vector<Point> random_round();
  std::vector<Point> evolve_round();
  Point random_point();
  std::uint64_t next_random();
  std::vector<Point> fresh(std::vector<Point> points);  // drops evaluated and repeated points

  SearchSpace space_;
  Constraints constraints_;
  StrategyOptions options_;
  double dense_accuracy_;
  std::map<Point, Evaluation> evaluated_;
  Point current_;  // greedy: the accepted point
  std::vector<bool> frozen_;          // greedy: axes whose step was rejected
  bool surveyed_ = false;             // greedy: the survey round is ranked
  std::vector<std::size_t> order_;    // greedy: the acceptable axes, most redundant first
  std::size_t next_axis_ = 0;         // greedy: the axis in order_ being walked down
  std::map<Point, Point> parents_;    // greedy: each step's point of departure
  std::vector<Point> pending_;  // greedy: the round being evaluated
  int proposed_ = 0;            // random/evolve: candidates proposed so far
  std::set<Point> proposed_points_;  // random/evolve: every point proposed (replays regenerate them)
  std::uint64_t rng_;
  bool done_ = false;
};

}  // namespace bfedge::prune
