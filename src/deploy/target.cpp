// Target descriptions (deploy/target.hpp): the default, validation, JSON in and out.
#include "bfedge/deploy/target.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "bfedge/core/byte_size.hpp"
#include "bfedge/io/file.hpp"

namespace bfedge::deploy {
namespace {

using nlohmann::json;

class Reader {
 public:
  explicit Reader(const std::string& source) : source_(source) {}

  Status error(const std::string& key, const std::string& problem) const {
    return format_error(source_ + ": " + key + ": " + problem);
  }
  Status size(const json& v, const std::string& key, std::int64_t& out) const {
    std::optional<std::int64_t> bytes;
    if (v.is_number_unsigned()) {
      if (v.get<std::uint64_t>() <= (std::uint64_t{1} << 62)) bytes = static_cast<std::int64_t>(v.get<std::uint64_t>());
    } else if (v.is_string()) {
      bytes = parse_byte_size(v.get<std::string>());
    }
    if (!bytes) return error(key, "expected a size (bytes, or a string such as \"128KiB\" or \"1.5MiB\")");
    out = *bytes;
    return Status::ok();
  }
  Status number(const json& v, const std::string& key, double& out) const {
    if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < 0) {
      return error(key, "expected a non-negative number");
    }
    out = v.get<double>();
    return Status::ok();
  }
  Status level(const json& v, const std::string& key, LevelSpec& out, bool has_stall) const {
    if (!v.is_object()) return error(key, "expected an object");
    for (const auto& [name, value] : v.items()) {
      const std::string where = key + "." + name;
      if (name == "bytes") {
        BFEDGE_RETURN_IF_ERROR(size(value, where, out.bytes));
      } else if (name == "reserved_bytes") {
        BFEDGE_RETURN_IF_ERROR(size(value, where, out.reserved_bytes));
      } else if (name == (has_stall ? "load_stall_cycles" : "access_cycles")) {
        BFEDGE_RETURN_IF_ERROR(number(value, where, out.access_cycles));
      } else {
        return error(where, std::string("unknown key (expected bytes, reserved_bytes, ") +
                                (has_stall ? "load_stall_cycles)" : "access_cycles)"));
      }
    }
    return Status::ok();
  }
  template <class Fields>
  Status section(const json& v, const std::string& key, const Fields& fields) const {
    if (!v.is_object()) return error(key, "expected an object");
    for (const auto& [name, value] : v.items()) {
      double* field = nullptr;
      std::string known;
      for (const auto& [field_name, target] : fields) {
        if (name == field_name) field = target;
        known += (known.empty() ? "" : ", ") + std::string(field_name);
      }
      if (field == nullptr) return error(key + "." + name, "unknown key (expected " + known + ")");
      BFEDGE_RETURN_IF_ERROR(number(value, key + "." + name, *field));
    }
    return Status::ok();
  }

 private:
  const std::string& source_;
};

constexpr std::string_view kIsas[] = {"rv32imafc"};

}  // namespace

McuTarget gap9_like_target() { return McuTarget{}; }

Status validate_target(const McuTarget& t, const std::string& source) {
  const auto bad = [&source](const std::string& problem) { return invalid_argument(source + ": " + problem); };
  if (t.name.empty()) return bad("name: empty");
  if (t.cores < 1 || t.cores > 64) return bad("cores: " + std::to_string(t.cores) + " is outside 1..64");
  if (!(t.clock_hz >= 1e3 && t.clock_hz <= 1e11)) return bad("clock_hz: outside 1 kHz..100 GHz");
  bool known_isa = false;
  for (std::string_view isa : kIsas) known_isa = known_isa || t.isa == isa;
  if (!known_isa) return bad("isa: '" + t.isa + "' is not supported (supported: rv32imafc)");
  const struct {
    const char* name;
    const LevelSpec& level;
  } levels[] = {{"l1", t.l1}, {"l2", t.l2}, {"l3", t.l3}};
  for (const auto& [name, level] : levels) {
    if (level.bytes <= 0) return bad(std::string(name) + ".bytes: must be positive");
    if (level.bytes > (std::int64_t{1} << 40)) return bad(std::string(name) + ".bytes: over 1 TiB");
    if (level.reserved_bytes >= level.bytes) {
      return bad(std::string(name) + ".reserved_bytes: " + binary_size_text(level.reserved_bytes) +
                 " leaves nothing of " + binary_size_text(level.bytes));
    }
    if (level.access_cycles > 1e6) return bad(std::string(name) + ": access cycles over 1e6");
  }
  if (t.l1.bytes > t.l2.bytes) return bad("l1.bytes: larger than l2.bytes");
  if (!(t.dma_bytes_per_cycle > 0)) return bad("dma.bytes_per_cycle: must be positive");
  for (double cycles : {t.dma_cycles_per_transfer, t.barrier_cycles, t.fork_join_cycles, t.taken_branch_cycles}) {
    if (cycles > 1e6) return bad("a cycle cost is over 1e6");
  }
  return Status::ok();
}

Result<McuTarget> parse_target_json(std::string_view text, const std::string& source) {
  const json root = json::parse(text, nullptr, false);
  if (root.is_discarded()) return format_error(source + ": not valid JSON");
  if (!root.is_object()) return format_error(source + ": expected a JSON object");
  const Reader read(source);
  McuTarget t = gap9_like_target();
  for (const auto& [key, v] : root.items()) {
    if (key == "name") {
      if (!v.is_string()) return read.error(key, "expected a string");
      t.name = v.get<std::string>();
    } else if (key == "description") {
      if (!v.is_string()) return read.error(key, "expected a string");
    } else if (key == "cores") {
      if (!v.is_number_integer() || v.get<std::int64_t>() < 1 || v.get<std::int64_t>() > 64) {
        return read.error(key, "expected an integer in 1..64");
      }
      t.cores = static_cast<int>(v.get<std::int64_t>());
    } else if (key == "clock_hz") {
      BFEDGE_RETURN_IF_ERROR(read.number(v, key, t.clock_hz));
    } else if (key == "isa") {
      if (!v.is_string()) return read.error(key, "expected a string");
      t.isa = v.get<std::string>();
    } else if (key == "l1") {
      BFEDGE_RETURN_IF_ERROR(read.level(v, key, t.l1, true));
    } else if (key == "l2") {
      BFEDGE_RETURN_IF_ERROR(read.level(v, key, t.l2, false));
    } else if (key == "l3") {
      BFEDGE_RETURN_IF_ERROR(read.level(v, key, t.l3, false));
    } else if (key == "dma") {
      const std::pair<const char*, double*> fields[] = {{"bytes_per_cycle", &t.dma_bytes_per_cycle},
                                                        {"cycles_per_transfer", &t.dma_cycles_per_transfer}};
      BFEDGE_RETURN_IF_ERROR(read.section(v, key, fields));
    } else if (key == "sync") {
      const std::pair<const char*, double*> fields[] = {{"barrier_cycles", &t.barrier_cycles},
                                                        {"fork_join_cycles", &t.fork_join_cycles},
                                                        {"taken_branch_cycles", &t.taken_branch_cycles}};
      BFEDGE_RETURN_IF_ERROR(read.section(v, key, fields));
    } else {
      return read.error(key, "unknown key (expected name, description, cores, clock_hz, isa, l1, l2, l3, dma, sync)");
    }
  }
  if (Status s = validate_target(t, source); !s.is_ok()) return format_error(s.message());  // the file is wrong
  return t;
}

Result<McuTarget> load_target(const std::string& path) {
  Result<std::vector<std::byte>> bytes = io::read_file(path, 64 * 1024);
  if (!bytes.is_ok()) return bytes.status();
  const auto& b = bytes.value();
  return parse_target_json(std::string_view(reinterpret_cast<const char*>(b.data()), b.size()), path);
}

std::string target_json(const McuTarget& t) {
  const auto level = [](const LevelSpec& l, const char* cost_key) {
    return json{{"bytes", l.bytes}, {"reserved_bytes", l.reserved_bytes}, {cost_key, l.access_cycles}};
  };
  json j;
  j["name"] = t.name;
  j["cores"] = t.cores;
  j["clock_hz"] = t.clock_hz;
  j["isa"] = t.isa;
  j["l1"] = level(t.l1, "load_stall_cycles");
  j["l2"] = level(t.l2, "access_cycles");
  j["l3"] = level(t.l3, "access_cycles");
  j["dma"] = {{"bytes_per_cycle", t.dma_bytes_per_cycle}, {"cycles_per_transfer", t.dma_cycles_per_transfer}};
  j["sync"] = {{"barrier_cycles", t.barrier_cycles}, {"fork_join_cycles", t.fork_join_cycles},
               {"taken_branch_cycles", t.taken_branch_cycles}};
  return j.dump(2) + "\n";
}

}  // namespace bfedge::deploy
