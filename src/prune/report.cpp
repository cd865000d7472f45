// CSV/JSON/SVG of the evaluated candidates. The SVG is drawn in a fixed 800×500 frame: x is
// log10(total bytes) over the rows' range, y the accuracy range padded by a point; MACs map to a
// blue → red ramp on a log scale.
#include "bfedge/prune/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "bfedge/io/file.hpp"
#include "bfedge/process/subprocess.hpp"

namespace bfedge::prune {
namespace {

// CSV field: quoted, quotes doubled.
std::string csv_field(const std::string& s) {
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string format(const char* fmt, double a, double b = 0, double c = 0, double d = 0) {
  char text[160];
  std::snprintf(text, sizeof text, fmt, a, b, c, d);
  return text;
}

// Inside gnuplot's single-quoted strings a quote is doubled.
std::string gnuplot_quoted(const std::string& text) {
  std::string out;
  for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out;
}

}  // namespace

std::string human_bytes(double bytes) {
  if (bytes >= 1e6) return format("%.2f MB", bytes / 1e6);
  if (bytes >= 1e3) return format("%.1f kB", bytes / 1e3);
  return format("%.0f B", bytes);
}

std::string report_csv(const std::vector<ReportRow>& rows) {
  std::string out =
      "spec,total_bytes,weight_bytes,activation_bytes,macs,accuracy,final_accuracy,on_front,feasible,dense,chosen\n";
  for (const ReportRow& r : rows) {
    out += csv_field(r.spec_json) + "," + std::to_string(r.total_bytes) + "," + std::to_string(r.weight_bytes) + "," +
           std::to_string(r.activation_bytes) + "," + std::to_string(r.macs) + "," + format("%.4f", r.accuracy) + "," +
           (r.final_accuracy < 0 ? std::string() : format("%.4f", r.final_accuracy)) + "," + (r.on_front ? "1" : "0") + "," + (r.feasible ? "1" : "0") + "," + (r.dense ? "1" : "0") + "," +
           (r.chosen ? "1" : "0") + "\n";
  }
  return out;
}

std::string report_json(const std::vector<ReportRow>& rows) {
  std::string out = "[\n";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const ReportRow& r = rows[i];
    out += "  {\"spec\": " + r.spec_json + ", \"total_bytes\": " + std::to_string(r.total_bytes) +
           ", \"weight_bytes\": " + std::to_string(r.weight_bytes) + ", \"activation_bytes\": " +
           std::to_string(r.activation_bytes) + ", \"macs\": " + std::to_string(r.macs) + ", \"accuracy\": " +
           format("%.4f", r.accuracy) + ", \"final_accuracy\": " +
           (r.final_accuracy < 0 ? std::string("null") : format("%.4f", r.final_accuracy)) + ", \"on_front\": " + (r.on_front ? "true" : "false") + ", \"feasible\": " +
           (r.feasible ? "true" : "false") + ", \"dense\": " + (r.dense ? "true" : "false") + ", \"chosen\": " +
           (r.chosen ? "true" : "false") + "}" + (i + 1 < rows.size() ? ",\n" : "\n");
  }
  return out + "]\n";
}

std::string report_svg(const std::vector<ReportRow>& all, const std::string& title) {
  std::vector<ReportRow> rows;
  for (const ReportRow& r : all) {
    if (r.total_bytes > 0) rows.push_back(r);
  }
  const double width = 800, height = 500, left = 90, right = 40, top = 50, bottom = 70;
  std::string svg = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"800\" "
                    "height=\"500\" viewBox=\"0 0 800 500\" font-family=\"sans-serif\" font-size=\"12\">\n"
                    "<rect width=\"800\" height=\"500\" fill=\"white\"/>\n";
  svg += "<text x=\"400\" y=\"28\" text-anchor=\"middle\" font-size=\"16\">" + xml_escape(title) + "</text>\n";
  if (rows.empty()) return svg + "<text x=\"400\" y=\"250\" text-anchor=\"middle\">no candidates</text>\n</svg>\n";
  double x_lo = 1e300, x_hi = -1e300, y_lo = 1e300, y_hi = -1e300, m_lo = 1e300, m_hi = -1e300;
  for (const ReportRow& r : rows) {
    x_lo = std::min(x_lo, std::log10(static_cast<double>(r.total_bytes)));
    x_hi = std::max(x_hi, std::log10(static_cast<double>(r.total_bytes)));
    y_lo = std::min(y_lo, r.accuracy), y_hi = std::max(y_hi, r.accuracy);
    const double m = std::log10(std::max<double>(1.0, static_cast<double>(r.macs)));
    m_lo = std::min(m_lo, m), m_hi = std::max(m_hi, m);
  }
  x_lo = std::floor(x_lo * 4) / 4 - 0.05, x_hi = std::ceil(x_hi * 4) / 4 + 0.05;
  y_lo -= 1, y_hi += 1;
  const auto px = [&](double bytes) { return left + (std::log10(bytes) - x_lo) / (x_hi - x_lo) * (width - left - right); };
  const auto py = [&](double acc) { return height - bottom - (acc - y_lo) / (y_hi - y_lo) * (height - top - bottom); };
  // Axes, ticks at each power of ten (and its halves on the log scale), accuracy every few points.
  svg += format("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>\n", left, height - bottom,
                width - right, height - bottom);
  svg += format("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>\n", left, top, left, height - bottom);
  for (double e = std::ceil(x_lo * 2) / 2; e <= x_hi; e += 0.5) {
    const double x = px(std::pow(10.0, e));
    svg += format("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", x, top, x, height - bottom);
    svg += "<text x=\"" + format("%.1f", x) + "\" y=\"" + format("%.1f", height - bottom + 18) +
           "\" text-anchor=\"middle\">" + human_bytes(std::pow(10.0, e)) + "</text>\n";
  }
  const double step = y_hi - y_lo > 20 ? 5 : (y_hi - y_lo > 8 ? 2 : 1);
  for (double a = std::ceil(y_lo / step) * step; a <= y_hi; a += step) {
    svg += format("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", left, py(a), width - right, py(a));
    svg += format("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.0f %%</text>\n", left - 8, py(a) + 4, a);
  }
  svg += format("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", (left + width - right) / 2, height - 20) +
         "BF16 memory: weights + activation peak (log scale)</text>\n";
  svg += format("<text x=\"20\" y=\"%.1f\" text-anchor=\"middle\" transform=\"rotate(-90 20 %.1f)\">accuracy</text>\n",
                (top + height - bottom) / 2, (top + height - bottom) / 2);
  // The front as a line, then every candidate coloured by MACs.
  std::vector<ReportRow> front;
  for (const ReportRow& r : rows) {
    if (r.on_front) front.push_back(r);
  }
  std::sort(front.begin(), front.end(), [](const ReportRow& a, const ReportRow& b) { return a.total_bytes < b.total_bytes; });
  if (front.size() > 1) {
    svg += "<polyline fill=\"none\" stroke=\"#444\" stroke-dasharray=\"4 3\" points=\"";
    for (const ReportRow& r : front) svg += format("%.1f,%.1f ", px(static_cast<double>(r.total_bytes)), py(r.accuracy));
    svg += "\"/>\n";
  }
  for (const ReportRow& r : rows) {
    const double m = std::log10(std::max<double>(1.0, static_cast<double>(r.macs)));
    const double t = m_hi > m_lo ? (m - m_lo) / (m_hi - m_lo) : 0.5;
    const int red = static_cast<int>(40 + 200 * t), blue = static_cast<int>(240 - 200 * t);
    svg += format("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.0f\" ", px(static_cast<double>(r.total_bytes)), py(r.accuracy),
                  r.on_front ? 6 : 4) +
           "fill=\"rgb(" + std::to_string(red) + ",60," + std::to_string(blue) + ")\" stroke=\"" +
           (r.on_front ? "black" : "none") + "\"><title>" + xml_escape(r.spec_json) + "</title></circle>\n";
    if (r.dense || r.chosen) {
      svg += format("<text x=\"%.1f\" y=\"%.1f\">", px(static_cast<double>(r.total_bytes)) + 8, py(r.accuracy) - 8) +
             (r.dense ? "dense" : "chosen") + "</text>\n";
    }
  }
  svg += format("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" fill=\"rgb(40,60,240)\">", width - right, top - 6) +
         "blue: fewer MACs</text>\n";
  svg += format("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" fill=\"rgb(240,60,40)\">", width - right, top + 8) +
         "red: more MACs</text>\n";
  return svg + "</svg>\n";
}

Status write_report(const std::string& out_dir, const std::vector<ReportRow>& rows, const std::string& title) {
  const std::filesystem::path out(out_dir);
  for (const auto& [name, text] : {std::pair<const char*, std::string>{"front.csv", report_csv(rows)},
                                   {"front.json", report_json(rows)},
                                   {"front.svg", report_svg(rows, title)}}) {
    BFEDGE_RETURN_IF_ERROR(io::write_file_atomically((out / name).string(), text.data(), text.size()));
  }
  return Status::ok();
}

Status render_png_with_gnuplot(const std::string& out_dir, const std::vector<ReportRow>& rows, const std::string& title) {
  const std::filesystem::path out(out_dir);
  // Block 0: every candidate; block 1: the front by size (gnuplot's `index`).
  std::string data = "# total_bytes accuracy macs\n", front_block = "\n\n# the Pareto front, by size\n";
  std::vector<const ReportRow*> front;
  for (const ReportRow& r : rows) {
    if (r.total_bytes <= 0) continue;
    data += std::to_string(r.total_bytes) + " " + format("%.4f", r.accuracy) + " " +
            std::to_string(std::max<std::int64_t>(1, r.macs)) + "\n";
    if (r.on_front) front.push_back(&r);
  }
  std::sort(front.begin(), front.end(), [](const ReportRow* a, const ReportRow* b) { return a->total_bytes < b->total_bytes; });
  for (const ReportRow* r : front) front_block += std::to_string(r->total_bytes) + " " + format("%.4f", r->accuracy) + "\n";
  data += front_block;
  const std::string safe_title = gnuplot_quoted(title);
  const std::string script =
      "set terminal png size 800,500\n"
      "set output 'front.png'\n"
      "set title '" + safe_title + "'\n"
      "set logscale x\nset logscale cb\n"
      "set xlabel 'BF16 memory: weights + activation peak (bytes)'\nset ylabel 'accuracy (%)'\n"
      "set cblabel 'MACs'\nset palette defined (0 'blue', 1 'red')\nset grid\nset key bottom right\n"
      "plot 'front.dat' index 0 using 1:2:3 with points pt 7 ps 1.2 lc palette title 'candidates', \\\n"
      "     'front.dat' index 1 using 1:2 with linespoints lc 'black' dt 2 pt 6 ps 2 title 'Pareto front'\n";
  BFEDGE_RETURN_IF_ERROR(io::write_file_atomically((out / "front.dat").string(), data.data(), data.size()));
  BFEDGE_RETURN_IF_ERROR(io::write_file_atomically((out / "front.gp").string(), script.data(), script.size()));
  process::SubprocessOptions run;
  const std::string gnuplot = std::filesystem::exists("/usr/bin/gnuplot") ? "/usr/bin/gnuplot" : "gnuplot";
  run.argv = {gnuplot, "-e", "cd '" + gnuplot_quoted(out.string()) + "'", "front.gp"};  // front.gp names its files from there
  run.timeout_seconds = 60;
  Result<process::SubprocessResult> ran = process::run_subprocess(run);
  if (!ran.is_ok()) {
    return io_error("gnuplot: cannot run it (" + ran.status().message() + "); install Debian's gnuplot-nox");
  }
  if (!ran.value().succeeded()) {
    return io_error((out / "front.gp").string() + ": gnuplot " + ran.value().how_it_ended() + ": " + ran.value().output_tail);
  }
  return Status::ok();
}

}  // namespace bfedge::prune
