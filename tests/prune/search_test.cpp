// The search strategies on a synthetic model whose bytes and accuracy are formulas of the axes:
// greedy takes the free axis first and stops at the accuracy limit, every strategy is deterministic
// per seed, a search replayed from stored results after a "kill" ends with the same evaluations and
// front as one that was not interrupted, and best()/pareto_front() on a hand-checked set.
#include <gtest/gtest.h>

#include <cmath>

#include "bfedge/prune/search.hpp"

namespace bfedge::prune {
namespace {

SearchSpace space() {
  return {{"layers", {8, 6, 4, 2}}, {"width", {64, 48, 32, 16}}, {"ffns", {4, 2, 1}}};
}

// Bytes ∝ layers · width · (ffns + 1); accuracy loses 1 point per 2 layers, 0.5 per 16 channels
// removed, nothing for FFNs (the redundant axis).
Evaluation synthetic(const SearchSpace& s, const Point& p) {
  const double layers = axis_value(s, p, "layers"), width = axis_value(s, p, "width"), ffns = axis_value(s, p, "ffns");
  Evaluation e;
  e.total_bytes = static_cast<std::int64_t>(layers * width * (ffns + 1) * 100);
  e.macs = e.total_bytes * 10;
  e.accuracy = 90.0 - (8 - layers) / 2.0 - (64 - width) / 32.0;
  return e;
}

// Runs a search to the end (or for `rounds` rounds), evaluating each round in full.
void run(Search& search, int rounds = 1 << 30) {
  for (int r = 0; r < rounds; ++r) {
    const std::vector<Point> round = search.next_round();
    if (round.empty()) return;
    for (const Point& p : round) search.record(p, synthetic(space(), p));
  }
}

TEST(PruneSearch, GreedyTakesTheFreeAxisFirstAndStopsAtTheAccuracyLimit) {
  Search search(space(), {0, 1.0}, {Strategy::greedy, 0, 0, 1}, 90.0);
  run(search);
  const std::optional<Point> best = search.best();
  ASSERT_TRUE(best.has_value());
  // By hand: FFNs 4 → 2 → 1 cost nothing (taken first); then width 64 → 48 saves as many bytes as
  // 8 → 6 layers for half the accuracy; 48 → 32 brings accuracy to 89.0, the limit; every further
  // step falls below it.
  EXPECT_EQ(*best, (Point{0, 2, 2}));
  EXPECT_EQ(search.evaluated().at(*best).total_bytes, 8 * 32 * 2 * 100);
  EXPECT_DOUBLE_EQ(search.evaluated().at(*best).accuracy, 89.0);
  EXPECT_EQ(point_json(space(), *best), "{\"layers\":8,\"width\":32,\"ffns\":1}");
}

// After the survey (one step down every axis), greedy walks one axis at a time, most redundant
// first, one candidate per round: FFNs to the end, then width until a step loses too much, then
// layers (its step from the accepted point now loses too much).
TEST(PruneSearch, GreedyWalksTheAxesOneAtATimeMostRedundantFirst) {
  Search search(space(), {0, 1.0}, {Strategy::greedy, 0, 0, 1}, 90.0);
  std::vector<std::vector<Point>> rounds;
  for (std::vector<Point> round = search.next_round(); !round.empty(); round = search.next_round()) {
    for (const Point& p : round) search.record(p, synthetic(space(), p));
    rounds.push_back(round);
  }
  const std::vector<std::vector<Point>> want = {
      {{0, 0, 0}},                         // dense
      {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}},  // the survey
      {{0, 0, 2}},                         // FFNs 2 → 1 (free)
      {{0, 1, 2}}, {{0, 2, 2}},            // width 64 → 48 → 32 (89.0, the limit)
      {{0, 3, 2}},                         // width 16: 88.5, rejected
      {{1, 2, 2}}};                        // layers 6: 88.0, rejected
  EXPECT_EQ(rounds, want);
  EXPECT_EQ(*search.parent(Point{0, 1, 2}), (Point{0, 0, 2}));
}

// Layers 8 → 6 costs a point, more than the 0.75 allowed: rejected in the first round of steps,
// layers is never proposed again; every step names the accepted point it left.
TEST(PruneSearch, GreedyFreezesARejectedAxisAndNamesEachStepsParent) {
  Search search(space(), {0, 0.75}, {Strategy::greedy, 0, 0, 1}, 90.0);
  int rounds_with_layers = 0, rounds = 0;
  for (std::vector<Point> round = search.next_round(); !round.empty(); round = search.next_round(), ++rounds) {
    bool layers = false;
    for (const Point& p : round) {
      if (p != Point{0, 0, 0}) {
        const std::optional<Point> parent = search.parent(p);
        ASSERT_TRUE(parent.has_value());
        int diff = 0;
        for (std::size_t a = 0; a < p.size(); ++a) diff += p[a] - (*parent)[a];
        EXPECT_EQ(diff, 1);  // one step down on one axis
        layers = layers || p[0] != (*parent)[0];
      }
      search.record(p, synthetic(space(), p));
    }
    rounds_with_layers += layers ? 1 : 0;
  }
  EXPECT_FALSE(search.parent(Point{0, 0, 0}).has_value());
  // Layers is tried in the first round of steps only (1 point lost > 0.75), width until 48 -> 32.
  EXPECT_EQ(rounds_with_layers, 1);
  EXPECT_EQ(*search.best(), (Point{0, 1, 2}));
}

// A step that "gains" a little by noise does not beat a step that saves far more for a small loss:
// losses under the floor count as the floor. Here width costs 0.2 points per step but saves as much
// as layers; an FFN step that gains 0.1 point saves a quarter as much.
TEST(PruneSearch, GreedyRanksANoisyGainByItsSavingNotAboveEveryLoss) {
  const SearchSpace s = {{"width", {64, 48}}, {"ffns", {4, 3}}};
  const auto eval = [&](const Point& p) {
    Evaluation e;
    e.total_bytes = static_cast<std::int64_t>(axis_value(s, p, "width") * (axis_value(s, p, "ffns") + 12) * 100);
    e.accuracy = 90.0 - (p[0] == 1 ? 0.2 : 0.0) + (p[1] == 1 ? 0.1 : 0.0);
    return e;
  };
  for (const auto& [floor, want] : {std::pair<double, Point>{0.25, Point{1, 0}}, {1e-3, Point{0, 1}}}) {
    Search search(s, {0, 1.0}, {Strategy::greedy, 0, 0, 1, floor}, 90.0);
    std::vector<Point> round = search.next_round();  // the dense point
    for (const Point& p : round) search.record(p, eval(p));
    round = search.next_round();  // both steps
    for (const Point& p : round) search.record(p, eval(p));
    round = search.next_round();  // steps from the one taken
    ASSERT_FALSE(round.empty());
    EXPECT_EQ(*search.parent(round.front()), want) << "floor " << floor;
  }
}

// The progress total: exact for random and evolve, an upper bound for greedy that never falls
// below what is left (a walk may stop at its next step), and 0 once the search is over.
TEST(PruneSearch, RemainingBoundIsExactForRandomAndAnUpperBoundForGreedy) {
  for (Strategy strategy : {Strategy::greedy, Strategy::random, Strategy::evolve}) {
    Search search(space(), {0, 1.0}, {strategy, 10, 3, 5}, 90.0);
    std::vector<int> bounds, evaluated_before;
    for (std::vector<Point> round = search.next_round(); !round.empty(); round = search.next_round()) {
      bounds.push_back(search.remaining_bound());
      evaluated_before.push_back(static_cast<int>(search.evaluated().size()));
      for (const Point& p : round) search.record(p, synthetic(space(), p));
    }
    const int total = static_cast<int>(search.evaluated().size());
    ASSERT_FALSE(bounds.empty());
    for (std::size_t i = 0; i < bounds.size(); ++i) {
      const int left = total - evaluated_before[i];
      if (strategy == Strategy::greedy) {
        EXPECT_GE(bounds[i], left) << "round " << i;
      } else {
        EXPECT_EQ(bounds[i], left) << "round " << i;
      }
    }
    EXPECT_EQ(search.remaining_bound(), 0);
  }
}

TEST(PruneSearch, EveryStrategyIsDeterministicPerSeed) {
  for (Strategy strategy : {Strategy::greedy, Strategy::random, Strategy::evolve}) {
    Search a(space(), {0, 2.0}, {strategy, 20, 4, 7}, 90.0), b(space(), {0, 2.0}, {strategy, 20, 4, 7}, 90.0);
    run(a), run(b);
    ASSERT_EQ(a.evaluated().size(), b.evaluated().size());
    EXPECT_TRUE(std::equal(a.evaluated().begin(), a.evaluated().end(), b.evaluated().begin(),
                           [](const auto& x, const auto& y) { return x.first == y.first; }));
    if (strategy != Strategy::greedy) {
      EXPECT_EQ(a.evaluated().size(), 20u);
    }
  }
  Search c(space(), {0, 2.0}, {Strategy::random, 20, 4, 8}, 90.0), d(space(), {0, 2.0}, {Strategy::random, 20, 4, 9}, 90.0);
  run(c), run(d);
  EXPECT_FALSE(std::equal(c.evaluated().begin(), c.evaluated().end(), d.evaluated().begin(),
                          [](const auto& x, const auto& y) { return x.first == y.first; }));
}

TEST(PruneSearch, AReplayedSearchEndsWithTheSameFront) {
  for (Strategy strategy : {Strategy::greedy, Strategy::random, Strategy::evolve}) {
    const StrategyOptions options{strategy, 24, 4, 3};
    Search straight(space(), {0, 1.5}, options, 90.0);
    run(straight);
    Search killed(space(), {0, 1.5}, options, 90.0);
    run(killed, 3);  // then the process dies: only the stored evaluations remain
    std::vector<Point> stored;
    for (const auto& [p, e] : killed.evaluated()) stored.push_back(p);
    stored.pop_back();  // one candidate was still running
    Search resumed(space(), {0, 1.5}, options, 90.0);
    for (const Point& p : stored) resumed.record(p, synthetic(space(), p));
    run(resumed);
    EXPECT_EQ(resumed.pareto_front(), straight.pareto_front()) << static_cast<int>(strategy);
    EXPECT_EQ(resumed.evaluated().size(), straight.evaluated().size()) << static_cast<int>(strategy);
    EXPECT_EQ(resumed.best(), straight.best());
  }
}

TEST(PruneSearch, BestIsTheSmallestFeasibleAndTheFrontIsUndominated) {
  const SearchSpace s = {{"a", {3, 2, 1, 0}}};
  Search search(s, {250, 1.0}, {Strategy::random, 0, 0, 1}, 80.0);
  const auto eval = [](std::int64_t bytes, double accuracy, bool failed = false) {
    Evaluation e;
    e.total_bytes = bytes, e.accuracy = accuracy, e.failed = failed;
    return e;
  };
  search.record({0}, eval(400, 80.0));  // over the budget
  search.record({1}, eval(200, 79.5));  // feasible
  search.record({2}, eval(100, 78.0));  // too inaccurate
  search.record({3}, eval(50, 90.0, true));  // failed: never best, not on the front
  EXPECT_EQ(search.best(), (Point{1}));
  EXPECT_EQ(search.pareto_front(), (std::vector<Point>{{2}, {1}, {0}}));
  search.record({1}, eval(200, 81.0));  // now dominates the dense point
  EXPECT_EQ(search.pareto_front(), (std::vector<Point>{{2}, {1}}));
  EXPECT_FALSE(parse_strategy("annealing").is_ok());
  EXPECT_EQ(parse_strategy("evolve").value(), Strategy::evolve);
}

}  // namespace
}  // namespace bfedge::prune
