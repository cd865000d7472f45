/* bfedge_counters: a QEMU TCG plugin (API v1, QEMU 7.2) that counts, per vCPU (hart):
 *   - executed instructions;
 *   - instructions inside named code ranges       (pc=NAME:LO:HI, hex, HI exclusive);
 *   - loads and stores per named memory region     (mem=NAME:LO:HI, physical addresses).
 * At exit it writes one JSON object to out=PATH (or to QEMU's log): {"harts":[{"insns":N,
 * "ranges":{NAME:N,...},"regions":{NAME:{"loads":N,"stores":N},...}},...]}.
 * Counts are updated from translation-block and memory callbacks; each vCPU writes only its own
 * slot, so the counts are exact under MTTCG. The header qemu-plugin.h comes from Debian's qemu
 * source package (scripts fetch it); it is not part of this repository. */
#include <inttypes.h>
#include <stdarg.h>
#include <qemu-plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define MAX_VCPUS 16
#define MAX_NAMED 16

typedef struct {
  char name[32];
  uint64_t lo, hi;
} Named;

typedef struct {
  uint64_t insns;
  uint64_t in_range[MAX_NAMED];
  uint64_t loads[MAX_NAMED];
  uint64_t stores[MAX_NAMED];
} HartCounts;

typedef struct {
  uint64_t insns;
  uint64_t in_range[MAX_NAMED];
} TbCounts;

static Named ranges[MAX_NAMED], regions[MAX_NAMED];
static int n_ranges, n_regions;
static HartCounts harts[MAX_VCPUS];
static char out_path[512];

static int parse_named(const char* spec, Named* n) {
  char name[32];
  uint64_t lo, hi;
  if (sscanf(spec, "%31[^:]:%" SCNx64 ":%" SCNx64, name, &lo, &hi) != 3 || hi <= lo) return 0;
  snprintf(n->name, sizeof n->name, "%s", name);
  n->lo = lo;
  n->hi = hi;
  return 1;
}

static void tb_exec(unsigned int vcpu, void* udata) {
  const TbCounts* tb = udata;
  if (vcpu >= MAX_VCPUS) return;
  harts[vcpu].insns += tb->insns;
  for (int r = 0; r < n_ranges; ++r) harts[vcpu].in_range[r] += tb->in_range[r];
}

static void mem_access(unsigned int vcpu, qemu_plugin_meminfo_t info, uint64_t vaddr, void* udata) {
  (void)udata;
  if (vcpu >= MAX_VCPUS) return;
  struct qemu_plugin_hwaddr* hw = qemu_plugin_get_hwaddr(info, vaddr);
  const uint64_t addr = hw != NULL ? qemu_plugin_hwaddr_phys_addr(hw) : vaddr;
  for (int r = 0; r < n_regions; ++r) {
    if (addr >= regions[r].lo && addr < regions[r].hi) {
      if (qemu_plugin_mem_is_store(info)) {
        harts[vcpu].stores[r]++;
      } else {
        harts[vcpu].loads[r]++;
      }
    }
  }
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb* tb) {
  (void)id;
  TbCounts* counts = calloc(1, sizeof *counts);  /* lives as long as the translation: never freed */
  if (counts == NULL) return;
  const size_t n = qemu_plugin_tb_n_insns(tb);
  counts->insns = n;
  for (size_t i = 0; i < n; ++i) {
    struct qemu_plugin_insn* insn = qemu_plugin_tb_get_insn(tb, i);
    const uint64_t pc = qemu_plugin_insn_vaddr(insn);
    for (int r = 0; r < n_ranges; ++r) {
      if (pc >= ranges[r].lo && pc < ranges[r].hi) counts->in_range[r]++;
    }
    if (n_regions > 0) {
      qemu_plugin_register_vcpu_mem_cb(insn, mem_access, QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_MEM_RW, NULL);
    }
  }
  qemu_plugin_register_vcpu_tb_exec_cb(tb, tb_exec, QEMU_PLUGIN_CB_NO_REGS, counts);
}

/* Appends formatted text to a fixed buffer (truncation is impossible for MAX_VCPUS × MAX_NAMED). */
static char json[65536];
static size_t json_len;
static void put(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
static void put(const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  const int n = vsnprintf(json + json_len, sizeof json - json_len, fmt, args);
  va_end(args);
  if (n > 0) json_len += (size_t)n < sizeof json - json_len ? (size_t)n : sizeof json - json_len - 1;
}

static void at_exit(qemu_plugin_id_t id, void* udata) {
  (void)id;
  (void)udata;
  int last = 0;
  for (int v = 0; v < MAX_VCPUS; ++v) {
    if (harts[v].insns != 0) last = v;
  }
  put("{\"harts\":[");
  for (int v = 0; v <= last; ++v) {
    put("%s{\"hart\":%d,\"insns\":%" PRIu64 ",\"ranges\":{", v ? "," : "", v, harts[v].insns);
    for (int r = 0; r < n_ranges; ++r) put("%s\"%s\":%" PRIu64, r ? "," : "", ranges[r].name, harts[v].in_range[r]);
    put("},\"regions\":{");
    for (int r = 0; r < n_regions; ++r) {
      put("%s\"%s\":{\"loads\":%" PRIu64 ",\"stores\":%" PRIu64 "}", r ? "," : "", regions[r].name,
          harts[v].loads[r], harts[v].stores[r]);
    }
    put("}}");
  }
  put("]}\n");
  if (out_path[0] != '\0') {
    FILE* f = fopen(out_path, "w");
    if (f != NULL) {
      fputs(json, f);
      fclose(f);
    }
  } else {
    qemu_plugin_outs(json);
  }
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t* info, int argc,
                                           char** argv) {
  (void)info;
  for (int i = 0; i < argc; ++i) {
    if (strncmp(argv[i], "pc=", 3) == 0 && n_ranges < MAX_NAMED && parse_named(argv[i] + 3, &ranges[n_ranges])) {
      n_ranges++;
    } else if (strncmp(argv[i], "mem=", 4) == 0 && n_regions < MAX_NAMED &&
               parse_named(argv[i] + 4, &regions[n_regions])) {
      n_regions++;
    } else if (strncmp(argv[i], "out=", 4) == 0) {
      snprintf(out_path, sizeof out_path, "%s", argv[i] + 4);
    } else {
      fprintf(stderr, "bfedge_counters: bad argument '%s' (pc=NAME:LO:HI, mem=NAME:LO:HI, out=PATH)\n", argv[i]);
      return -1;
    }
  }
  qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
  qemu_plugin_register_atexit_cb(id, at_exit, NULL);
  return 0;
}
