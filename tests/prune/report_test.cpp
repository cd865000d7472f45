// The report files: CSV quoting and one row per candidate, JSON with the spec embedded as JSON,
// and an SVG that is well-formed (every element closed, in order), has a circle per candidate,
// the front's line through its points in size order, and escapes what it prints.
#include <gtest/gtest.h>

#include <filesystem>

#include <sstream>

#include "bfedge/io/file.hpp"
#include "bfedge/prune/report.hpp"
#include "support/test_support.hpp"

namespace bfedge::prune {
namespace {

std::vector<ReportRow> rows() {
  std::vector<ReportRow> r(4);
  r[0] = {R"({"layers":24})", 50'000'000, 49'500'000, 500'000, 2'700'000'000, 80.5, true, true, true, false};
  r[1] = {R"({"layers":4})", 2'000'000, 1'900'000, 100'000, 90'000'000, 79.9, true, true, false, true};
  r[2] = {R"({"layers":8})", 9'000'000, 8'800'000, 200'000, 500'000'000, 79.0, false, true, false, false};
  r[3] = {R"({"layers":1,"note":"<&>"})", 300'000, 250'000, 50'000, 10'000'000, 70.0, true, false, false, false};
  return r;
}

// Tags open and close in order (a small check of well-formedness). Scanned by hand: GCC 12 warns
// inside std::regex under the sanitizers.
bool balanced(const std::string& svg) {
  std::vector<std::string> open;
  for (std::size_t at = svg.find('<'); at != std::string::npos; at = svg.find('<', at + 1)) {
    const std::size_t end = svg.find('>', at);
    if (end == std::string::npos) return false;
    const std::string tag = svg.substr(at + 1, end - at - 1);
    if (tag.empty() || tag[0] == '?' || tag.back() == '/') continue;  // declaration, self-closed
    const bool closing = tag[0] == '/';
    const std::string name = tag.substr(closing ? 1 : 0, tag.find_first_of(" \n", closing ? 1 : 0) - (closing ? 1 : 0));
    if (!closing) {
      open.push_back(name);
    } else if (open.empty() || open.back() != name) {
      return false;
    } else {
      open.pop_back();
    }
  }
  return open.empty();
}

TEST(PruneReport, CsvJsonAndSvgDescribeEveryCandidate) {
  const std::string csv = report_csv(rows());
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 5);
  EXPECT_NE(csv.find(R"("{""layers"":4}",2000000,1900000,100000,90000000,79.9000,,1,1,0,1)"), std::string::npos) << csv;
  std::vector<ReportRow> tuned = rows();  // a fine-tuned candidate carries its final accuracy
  for (ReportRow& r : tuned) {
    if (r.spec_json == R"({"layers":4})") r.final_accuracy = 80.25;
  }
  EXPECT_NE(report_csv(tuned).find("79.9000,80.2500,1,1,0,1"), std::string::npos) << report_csv(tuned);
  EXPECT_NE(report_json(tuned).find(R"("final_accuracy": 80.2500)"), std::string::npos) << report_json(tuned);
  EXPECT_NE(report_json(rows()).find(R"("final_accuracy": null)"), std::string::npos);
  const std::string json = report_json(rows());
  EXPECT_NE(json.find(R"({"spec": {"layers":24}, "total_bytes": 50000000)"), std::string::npos) << json;
  const std::string svg = report_svg(rows(), "MobileBERT <SST-2>");
  EXPECT_TRUE(balanced(svg.substr(svg.find("<svg")))) << svg;
  EXPECT_EQ(std::count(svg.begin(), svg.end(), '\n') > 10, true);
  std::size_t circles = 0;
  for (std::size_t at = svg.find("<circle"); at != std::string::npos; at = svg.find("<circle", at + 1)) ++circles;
  EXPECT_EQ(circles, 4u);
  EXPECT_NE(svg.find("MobileBERT &lt;SST-2&gt;"), std::string::npos);
  EXPECT_NE(svg.find("&lt;&amp;&gt;"), std::string::npos);
  EXPECT_NE(svg.find(">dense<"), std::string::npos);
  EXPECT_NE(svg.find(">chosen<"), std::string::npos);
  // The front's line visits its three points from the smallest: 300 kB, 2 MB, 50 MB.
  const std::size_t polyline = svg.find("<polyline");
  ASSERT_NE(polyline, std::string::npos);
  const std::size_t from = svg.find("points=\"", polyline) + 8;
  std::istringstream points(svg.substr(from, svg.find('"', from) - from));
  std::vector<double> xs;
  double x = 0, y = 0;
  char comma = 0;
  while (points >> x >> comma >> y) xs.push_back(x);
  ASSERT_EQ(xs.size(), 3u);
  EXPECT_TRUE(xs[0] < xs[1] && xs[1] < xs[2]);
  EXPECT_TRUE(balanced(report_svg({}, "empty").substr(report_svg({}, "empty").find("<svg"))));

  test::TempDir dir;
  ASSERT_TRUE(write_report(dir.path().string(), rows(), "t").is_ok());
  EXPECT_EQ(io::read_file(dir.file("front.csv")).value().size(), csv.size());
  EXPECT_FALSE(write_report(dir.file("missing/dir"), rows(), "t").is_ok());
}

TEST(PruneReport, GnuplotDrawsThePng) {
  test::TempDir dir;
  const Status drawn = render_png_with_gnuplot(dir.path().string(), rows(), "MobileBERT's 'front'");
  ASSERT_TRUE(drawn.is_ok()) << drawn.message();
  const auto png = io::read_file(dir.file("front.png"));
  ASSERT_TRUE(png.is_ok()) << png.status().message();
  ASSERT_GT(png.value().size(), 1000u);
  EXPECT_EQ(static_cast<unsigned char>(png.value()[1]), 'P');  // \x89 P N G
  EXPECT_EQ(static_cast<unsigned char>(png.value()[2]), 'N');
  const auto dat = io::read_file(dir.file("front.dat"));
  ASSERT_TRUE(dat.is_ok());
  const std::string text(reinterpret_cast<const char*>(dat.value().data()), dat.value().size());
  EXPECT_NE(text.find("# the Pareto front, by size\n300000 70.0000\n2000000 79.9000\n50000000 80.5000\n"),
            std::string::npos) << text;
  EXPECT_FALSE(render_png_with_gnuplot(dir.file("missing"), rows(), "t").is_ok());
}

// A relative folder (bfedge prune --out search) and one with a quote in its name.
TEST(PruneReport, GnuplotDrawsThePngInARelativeOrQuotedFolder) {
  test::TempDir dir;
  const std::filesystem::path before = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  std::filesystem::create_directories("search");
  const Status relative = render_png_with_gnuplot("search", rows(), "t");
  std::filesystem::create_directories("it's");
  const Status quoted = render_png_with_gnuplot("it's", rows(), "t");
  std::filesystem::current_path(before);
  EXPECT_TRUE(relative.is_ok()) << relative.message();
  EXPECT_TRUE(quoted.is_ok()) << quoted.message();
  EXPECT_TRUE(std::filesystem::exists(dir.file("search/front.png")));
  EXPECT_TRUE(std::filesystem::exists(dir.file("it's/front.png")));
}

}  // namespace
}  // namespace bfedge::prune
