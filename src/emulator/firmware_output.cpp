#include "bfedge/emulator/firmware_output.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <map>
#include <utility>

#include <nlohmann/json.hpp>

namespace bfedge::emulator {
namespace {

// Splits off the next whitespace-separated field of `line`.
std::string_view next_field(std::string_view& line) {
  std::size_t begin = 0;
  while (begin < line.size() && (line[begin] == ' ' || line[begin] == '\t')) ++begin;
  std::size_t end = begin;
  while (end < line.size() && line[end] != ' ' && line[end] != '\t') ++end;
  const std::string_view field = line.substr(begin, end - begin);
  line.remove_prefix(end);
  return field;
}

template <class T>
bool parse_number(std::string_view field, T& out, int base = 10) {
  if (field.empty()) return false;
  const auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), out, base);
  return error == std::errc() && end == field.data() + field.size();
}

// Reads `count` numbers from the rest of `line`; false if any is missing or malformed, or if
// anything follows them.
template <class T, std::size_t N>
bool parse_fields(std::string_view line, T (&out)[N]) {
  for (T& value : out) {
    if (!parse_number(next_field(line), value)) return false;
  }
  return next_field(line).empty();
}

class Lines {
 public:
  explicit Lines(std::string_view text) : rest_(text) {}
  bool next(std::string_view& line) {
    if (rest_.empty()) return false;
    const std::size_t end = rest_.find('\n');
    line = rest_.substr(0, end);
    rest_.remove_prefix(end == std::string_view::npos ? rest_.size() : end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    ++number_;
    return true;
  }
  std::string where() const { return "the firmware's UART output, line " + std::to_string(number_); }

 private:
  std::string_view rest_;
  std::size_t number_ = 0;
};

Status read_out_words(Lines& lines, std::string_view header, FirmwareResult& result) {
  std::uint64_t count[1] = {0};
  if (!parse_fields(header, count)) return format_error(lines.where() + ": OUT needs one word count");
  if (count[0] > kMaxOutWords) {
    return format_error(lines.where() + ": OUT announces " + std::to_string(count[0]) + " words, more than " +
                        std::to_string(kMaxOutWords));
  }
  // Blocks add up: a firmware may print several (one per inference or output).
  const std::size_t first = result.out.size();
  std::string_view line;
  while (result.out.size() - first < count[0] && lines.next(line)) {
    for (std::string_view word = next_field(line); !word.empty(); word = next_field(line)) {
      std::uint32_t value = 0;
      if (!parse_number(word, value, 16)) return format_error(lines.where() + ": a result word is not 32-bit hex");
      if (result.out.size() - first == count[0]) return format_error(lines.where() + ": more result words than announced");
      result.out.push_back(value);
    }
  }
  if (result.out.size() - first != count[0]) {
    return format_error("the firmware printed " + std::to_string(result.out.size() - first) + " result words, announced " +
                        std::to_string(count[0]));
  }
  if (result.out.size() > kMaxOutWords) return format_error(lines.where() + ": more than " + std::to_string(kMaxOutWords) + " result words in all");
  return Status::ok();
}

// A mark or a counter: nlohmann's get<int>/get<uint64_t> convert floats and negative numbers
// unchecked (1e300 to int is undefined behaviour, found by tests/fuzz), so only non-negative
// integers are read; anything else is a layout error.
struct NotACount {};
std::uint64_t count_value(const nlohmann::json& value) {
  if (!value.is_number_unsigned()) throw NotACount{};
  return value.get<std::uint64_t>();
}

Status parse_counts_json(const nlohmann::json& json, const std::string& name, int workers, FirmwareResult& result) {
  if (!json.is_object() || !json.contains("harts") || !json["harts"].is_array()) {
    return format_error(name + ": the plugin's counts have no \"harts\" array");
  }
  const auto& harts = json["harts"];
  if (workers < 1 || harts.size() < static_cast<std::size_t>(workers)) {
    return format_error(name + ": the plugin counted " + std::to_string(harts.size()) + " harts, fewer than the " +
                        std::to_string(workers) + " workers");
  }
  if (json.value("regions", nlohmann::json()) != nlohmann::json{"L1", "L2", "L3"} ||
      json.value("marks", nlohmann::json()) != nlohmann::json{"fork", "barrier", "join"}) {
    return format_error(name + ": the plugin did not count the regions L1, L2, L3 and the marks fork, barrier, join");
  }
  // Worker 0 takes part in every phase; a worker outside a fork's team marks only its fork and
  // join, and counts as idle for the phases in between.
  const auto& reference = harts[0].at("phases");
  if (reference.size() > kMaxPhases) {
    return format_error(name + ": " + std::to_string(reference.size()) + " phases, more than " +
                        std::to_string(kMaxPhases));
  }
  result.phases.assign(reference.size(), Phase{});
  for (std::size_t k = 0; k < reference.size(); ++k) {
    const std::uint64_t mark = count_value(reference[k].at(0));
    if (mark > 2) return format_error(name + ": phase " + std::to_string(k) + " ends at an unknown mark");
    result.phases[k].end = static_cast<PhaseEnd>(mark);
  }
  constexpr std::size_t kCounters = 9;  // INSNS IDLE TAKEN, then loads and stores of L1, L2, L3
  for (int h = 0; h < workers; ++h) {
    const auto& snaps = harts[static_cast<std::size_t>(h)].at("phases");
    if (!snaps.is_array()) return format_error(name + ": hart " + std::to_string(h) + " has no phase list");
    std::uint64_t previous[kCounters] = {};
    std::size_t j = 0;
    for (std::size_t k = 0; k < reference.size(); ++k) {
      CoreCounts c;
      if (j < snaps.size() && count_value(snaps[j].at(0)) == count_value(reference[k].at(0))) {
        std::uint64_t now[kCounters] = {};
        for (std::size_t w = 0; w < kCounters && w + 1 < snaps[j].size(); ++w) {
          now[w] = count_value(snaps[j][w + 1]);
          if (now[w] < previous[w]) {
            return format_error(name + ": hart " + std::to_string(h) + "'s counters decrease at phase " +
                                std::to_string(k));
          }
        }
        c.instructions = now[0] - previous[0];
        c.idle = now[1] - previous[1];
        c.taken = now[2] - previous[2];
        for (int r = 0; r < 3; ++r) {
          c.loads[r] = now[3 + 2 * r] - previous[3 + 2 * r];
          c.stores[r] = now[4 + 2 * r] - previous[4 + 2 * r];
        }
        std::copy(now, now + kCounters, previous);
        ++j;
      }
      result.phases[k].cores.push_back(c);
    }
    if (j != snaps.size()) return format_error(name + ": worker " + std::to_string(h) + "'s phase marks do not follow worker 0's");
  }
  return Status::ok();
}

}  // namespace

Status parse_plugin_counts(std::string_view json_text, const std::string& name, int workers, FirmwareResult& result) {
  const nlohmann::json json = nlohmann::json::parse(json_text.begin(), json_text.end(), nullptr, false);
  if (json.is_discarded()) return format_error(name + ": the plugin's counts are not JSON");
  try {
    return parse_counts_json(json, name, workers, result);
  } catch (const nlohmann::json::exception&) {  // a field of the wrong type or a missing index
    return format_error(name + ": the plugin's counts do not have the expected layout");
  } catch (const NotACount&) {
    return format_error(name + ": the plugin's counts do not have the expected layout");
  }
}

Status parse_uart_text(std::string_view text, FirmwareResult& result) {
  Lines lines(text);
  std::map<std::uint64_t, std::pair<std::uint64_t, std::uint64_t>> dma;
  std::string_view line;
  while (lines.next(line)) {
    std::string_view rest = line;
    const std::string_view tag = next_field(rest);
    if (tag == "OUT") {
      BFEDGE_RETURN_IF_ERROR(read_out_words(lines, rest, result));
    } else if (tag == "MEASURE") {
      std::uint32_t fields[2] = {};
      if (!parse_fields(rest, fields) || fields[0] > fields[1]) {
        return format_error(lines.where() + ": MEASURE needs two snapshot indices, first <= last");
      }
      if (fields[1] >= result.phases.size()) {
        return format_error(lines.where() + ": MEASURE ends at snapshot " + std::to_string(fields[1]) +
                            ", after the last phase mark");
      }
      result.windows.push_back(Window{fields[0], fields[1]});
    } else if (tag == "DMA") {
      std::uint64_t fields[3] = {};
      if (!parse_fields(rest, fields) || fields[1] > UINT32_MAX || fields[2] > UINT32_MAX) {
        return format_error(lines.where() + ": DMA needs a phase, bytes and rows (32-bit)");
      }
      if (fields[0] >= result.phases.size()) {
        return format_error(lines.where() + ": a DMA transfer was logged in phase " + std::to_string(fields[0]) +
                            ", after the last phase mark");
      }
      auto& totals = dma[fields[0]];
      totals.first += fields[1];
      totals.second += fields[2];
    } else {
      result.lines.emplace_back(line);
    }
  }
  for (const auto& [phase, totals] : dma) {
    result.phases[phase].dma_bytes += totals.first;
    result.phases[phase].dma_rows += totals.second;
  }
  return Status::ok();
}

std::string firmware_failure_in(std::string_view text) {
  Lines lines(text);
  std::string_view line;
  while (lines.next(line)) {
    if (line.rfind("FAIL", 0) == 0) return line.size() > 5 ? std::string(line.substr(5)) : "(no reason given)";
  }
  return {};
}

std::string firmware_failure(const FirmwareResult& result) {
  for (const std::string& line : result.lines) {
    if (line.rfind("FAIL", 0) == 0) return line.size() > 5 ? line.substr(5) : "(no reason given)";
  }
  return {};
}

}  // namespace bfedge::emulator
