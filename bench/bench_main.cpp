// Runs the registered benchmarks, then prints each variant's speedup over its op's reference
// measured in the same run (the only kind of speed claim these noisy machines support).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <string>

namespace {

// Collects real time per benchmark name while the console reporter prints as usual.
class SpeedupReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.run_type == Run::RT_Iteration && run.iterations > 0) {
        times_[run.benchmark_name()] = run.GetAdjustedRealTime();
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }
  // Names look like "op/variant/shape"; the reference variant's name ends in "__ref".
  void PrintSpeedups() const {
    std::printf("\nSpeedup over the reference variant (same run):\n");
    for (const auto& [name, time] : times_) {
      const auto first = name.find('/'), second = name.find('/', first + 1);
      if (first == std::string::npos || second == std::string::npos) continue;
      const std::string op = name.substr(0, first), shape = name.substr(second + 1);
      const auto ref = times_.find(op + "/" + op + "__ref/" + shape);
      if (ref == times_.end() || ref->first == name) continue;
      std::printf("  %-60s %8.1fx\n", name.c_str(), ref->second / time);
    }
  }

 private:
  std::map<std::string, double> times_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  SpeedupReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.PrintSpeedups();
  benchmark::Shutdown();
  return 0;
}
