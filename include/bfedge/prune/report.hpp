// The pruning search's report files: every evaluated candidate as CSV and JSON (spec, footprint,
// MACs, proxy and final accuracy, whether it is on the Pareto front and feasible), and the front as an SVG
// scatter plot the code writes itself (total bytes on a log x axis, accuracy on y, colour = MACs,
// the front joined by a line, the dense model and the chosen candidate labelled).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bfedge/core/status.hpp"

namespace bfedge::prune {

struct ReportRow {
  std::string spec_json;
  std::int64_t total_bytes = 0, weight_bytes = 0, activation_bytes = 0, macs = 0;
  double accuracy = 0;  // the proxy stage's (the search's evidence)
  bool on_front = false, feasible = false, dense = false, chosen = false;
  double final_accuracy = -1;  // after the final fine-tune; < 0: not fine-tuned
};

// "2.31 MB", "512.0 kB", "640 B": the plot's axis labels and the CLI's progress lines.
std::string human_bytes(double bytes);

std::string report_csv(const std::vector<ReportRow>& rows);
std::string report_json(const std::vector<ReportRow>& rows);
// `title` on top; rows without a footprint (total_bytes <= 0) are left out.
std::string report_svg(const std::vector<ReportRow>& rows, const std::string& title);

// Writes OUT/front.csv, OUT/front.json and OUT/front.svg atomically.
Status write_report(const std::string& out_dir, const std::vector<ReportRow>& rows, const std::string& title);

// The same plot as a PNG drawn by gnuplot (Debian's gnuplot-nox): OUT/front.dat (every candidate's
// bytes, accuracy and MACs, then the front's points by size) and OUT/front.gp are written, then `gnuplot front.gp` makes OUT/front.png. Errors:
// gnuplot missing (naming the package) or failing (its last output).
Status render_png_with_gnuplot(const std::string& out_dir, const std::vector<ReportRow>& rows, const std::string& title);

}  // namespace bfedge::prune
