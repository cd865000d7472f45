#include "bfedge/io/sentence_dataset.hpp"

#include <algorithm>
#include <charconv>

#include "bfedge/io/file.hpp"
#include "bfedge/io/utf8.hpp"

namespace bfedge::io {
namespace {

constexpr std::string_view kTextColumns[] = {"sentence", "content", "text"};

// Splits `text` into lines ("\n", one "\r" before it dropped). A final "\n" ends the last line
// rather than starting an empty one.
std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t begin = 0;
  while (begin < text.size()) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(begin, end - begin);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    begin = end + 1;
  }
  return lines;
}

std::vector<std::string_view> split_tabs(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t begin = 0;
  while (true) {
    const std::size_t end = line.find('\t', begin);
    fields.push_back(line.substr(begin, end == std::string_view::npos ? std::string_view::npos : end - begin));
    if (end == std::string_view::npos) return fields;
    begin = end + 1;
  }
}

// Windows-1252 as WHATWG decodes it (the web's "latin1"): ISO-8859-1, except that 0x80-0x9F are
// typographic marks (0x85 "…", 0x96 "–", 0x92 "’"); the five bytes it leaves undefined stay C1.
constexpr char16_t kCp1252High[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

std::string windows1252_to_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    append_utf8(out, byte >= 0x80 && byte < 0xA0 ? kCp1252High[byte - 0x80] : byte);
  }
  return out;
}

std::string quoted(std::string_view s) {
  constexpr std::size_t kShown = 40;
  std::string out = "'";
  out += s.substr(0, kShown);
  if (s.size() > kShown) out += "...";
  return out + "'";
}

class LineErrors {
 public:
  explicit LineErrors(const std::string& name) : name_(name) {}
  Status at(std::size_t line, const std::string& problem) const {
    return format_error(name_ + ":" + std::to_string(line + 1) + ": " + problem);
  }

 private:
  const std::string& name_;
};

Result<int> parse_label(std::string_view field) {
  int label = -1;
  const auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), label);
  if (field.empty() || error != std::errc{} || end != field.data() + field.size()) {
    return invalid_argument("label " + quoted(field) + " is not an integer");
  }
  if (label < 0 || label >= kMaxSentenceLabels) {
    return invalid_argument("label " + std::to_string(label) + " is outside 0.." +
                            std::to_string(kMaxSentenceLabels - 1));
  }
  return label;
}

Status add_example(SentenceDataset& dataset, std::string_view label_field, std::string_view text,
                   std::size_t line, const LineErrors& errors) {
  auto label = parse_label(label_field);
  if (!label.is_ok()) return errors.at(line, label.status().message());
  if (text.empty()) return errors.at(line, "the text is empty");
  std::string utf8(text);
  if (find_invalid_utf8(text) != std::string_view::npos) {
    utf8 = windows1252_to_utf8(text);
    dataset.windows1252_lines.push_back(static_cast<int>(line + 1));
  }
  dataset.examples.push_back({std::move(utf8), label.value(), static_cast<int>(line + 1)});
  dataset.num_labels = std::max(dataset.num_labels, label.value() + 1);
  return Status::ok();
}

Status parse_tsv(const std::vector<std::string_view>& lines, SentenceDataset& dataset, const LineErrors& errors) {
  const auto header = split_tabs(lines[0]);
  const auto column = [&header](std::string_view name) -> std::ptrdiff_t {
    const auto it = std::find(header.begin(), header.end(), name);
    return it == header.end() ? -1 : it - header.begin();
  };
  const std::ptrdiff_t label_column = column("label");
  if (label_column < 0) return errors.at(0, "the header has no 'label' column");
  std::ptrdiff_t text_column = -1;
  for (const std::string_view name : kTextColumns) {
    if (text_column < 0) text_column = column(name);
  }
  if (text_column < 0) return errors.at(0, "the header has no 'sentence', 'content' or 'text' column");
  for (std::size_t i = 1; i < lines.size(); ++i) {
    if (lines[i].empty()) return errors.at(i, "empty line");
    const auto fields = split_tabs(lines[i]);
    if (fields.size() != header.size()) {
      return errors.at(i, std::to_string(fields.size()) + " tab-separated fields, the header has " +
                              std::to_string(header.size()));
    }
    BFEDGE_RETURN_IF_ERROR(add_example(dataset, fields[static_cast<std::size_t>(label_column)],
                                       fields[static_cast<std::size_t>(text_column)], i, errors));
  }
  return Status::ok();
}

Status parse_label_first(const std::vector<std::string_view>& lines, SentenceDataset& dataset,
                         const LineErrors& errors) {
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].empty()) return errors.at(i, "empty line");
    const std::size_t space = lines[i].find(' ');
    if (space == std::string_view::npos) return errors.at(i, "expected 'LABEL TEXT'");
    BFEDGE_RETURN_IF_ERROR(add_example(dataset, lines[i].substr(0, space), lines[i].substr(space + 1), i, errors));
  }
  return Status::ok();
}

}  // namespace

Result<SentenceDataset> parse_sentence_dataset(std::string_view text, const std::string& name) {
  SentenceDataset dataset;
  dataset.path = name;
  const LineErrors errors(name);
  const auto lines = split_lines(text);
  if (lines.empty()) return format_error(name + ": the dataset is empty");
  const bool tsv = lines[0].find('\t') != std::string_view::npos;
  BFEDGE_RETURN_IF_ERROR(tsv ? parse_tsv(lines, dataset, errors) : parse_label_first(lines, dataset, errors));
  if (dataset.examples.empty()) return format_error(name + ": the dataset has a header but no examples");
  return dataset;
}

std::string windows1252_note(const SentenceDataset& dataset) {
  if (dataset.windows1252_lines.empty()) return {};
  const std::size_t n = dataset.windows1252_lines.size();
  return dataset.path + ": " + std::to_string(n) + (n == 1 ? " line is" : " lines are") +
         " not valid UTF-8 and " + (n == 1 ? "was" : "were") + " read as Windows-1252 (line " +
         std::to_string(dataset.windows1252_lines.front()) + (n > 1 ? " first)" : ")");
}

Result<SentenceDataset> load_sentence_dataset(const std::string& path) {
  auto bytes = read_file(path, kMaxSentenceDatasetBytes);
  if (!bytes.is_ok()) return bytes.status();
  const auto& data = bytes.value();
  return parse_sentence_dataset(std::string_view(reinterpret_cast<const char*>(data.data()), data.size()), path);
}

}  // namespace bfedge::io
