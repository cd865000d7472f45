/* bfedge_counters: a QEMU TCG plugin (API v1, QEMU 7.2) that counts, per vCPU (hart):
 *   - executed instructions, and those inside an idle range           (idle=LO:HI, hex, HI exclusive);
 *   - taken control transfers: a block that does not start where the previous one ended;
 *   - instructions inside named code ranges                            (pc=NAME:LO:HI);
 *   - loads and stores per named memory region, outside the idle range (mem=NAME:LO:HI, physical);
 *   - phase snapshots: whenever a hart enters a mark function          (mark=NAME:ADDR), a copy of
 *     its cumulative counters, tagged with the mark's index.
 * At exit it writes one JSON object to out=PATH (or to QEMU's log):
 *   {"regions":[NAME,...],"marks":[NAME,...],"harts":[{"hart":H,"insns":N,"idle":N,"taken":N,
 *    "ranges":{NAME:N,...},"regions":{NAME:{"loads":N,"stores":N},...},
 *    "phases":[[MARK,INSNS,IDLE,TAKEN,LOADS_0,STORES_0,LOADS_1,...],...]},...]}
 * Counts are updated from translation-block and memory callbacks; each vCPU writes only its own
 * slot, so the counts are exact under MTTCG. The header qemu-plugin.h comes from Debian's qemu
 * source package (scripts fetch it); it is not part of this repository. */
#include <inttypes.h>
#include <qemu-plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define MAX_VCPUS 16
#define MAX_NAMED 16
#define SNAPSHOT_WORDS (4 + 2 * MAX_NAMED)

typedef struct {
  char name[32];
  uint64_t lo, hi;
} Named;

typedef struct {
  uint64_t insns, idle, taken, next_pc;
  uint64_t in_range[MAX_NAMED];
  uint64_t loads[MAX_NAMED];
  uint64_t stores[MAX_NAMED];
  uint64_t* snapshots; /* n_snapshots × (4 + 2 n_regions) words */
  size_t n_snapshots, cap_snapshots;
} HartCounts;

typedef struct {
  uint64_t insns, idle, start_pc, end_pc;
  int mark; /* index of the mark whose address starts this block, or -1 */
  uint64_t in_range[MAX_NAMED];
} TbCounts;

static Named ranges[MAX_NAMED], regions[MAX_NAMED], marks[MAX_NAMED], idle;
static int n_ranges, n_regions, n_marks, has_idle;
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

static int parse_mark(const char* spec, Named* n) {
  char name[32];
  uint64_t at;
  if (sscanf(spec, "%31[^:]:%" SCNx64, name, &at) != 2) return 0;
  snprintf(n->name, sizeof n->name, "%s", name);
  n->lo = at;
  n->hi = at + 1;
  return 1;
}

static void snapshot(HartCounts* h, int mark) {
  const size_t words = 4 + 2 * (size_t)n_regions;
  if (h->n_snapshots == h->cap_snapshots) {
    const size_t cap = h->cap_snapshots ? 2 * h->cap_snapshots : 1024;
    uint64_t* grown = realloc(h->snapshots, cap * words * sizeof *grown);
    if (grown == NULL) return;
    h->snapshots = grown;
    h->cap_snapshots = cap;
  }
  uint64_t* s = h->snapshots + h->n_snapshots++ * words;
  s[0] = (uint64_t)mark;
  s[1] = h->insns;
  s[2] = h->idle;
  s[3] = h->taken;
  for (int r = 0; r < n_regions; ++r) {
    s[4 + 2 * r] = h->loads[r];
    s[5 + 2 * r] = h->stores[r];
  }
}

static void tb_exec(unsigned int vcpu, void* udata) {
  const TbCounts* tb = udata;
  if (vcpu >= MAX_VCPUS) return;
  HartCounts* h = &harts[vcpu];
  if (h->next_pc != 0 && tb->start_pc != h->next_pc && tb->idle < tb->insns) h->taken++;
  h->next_pc = tb->end_pc;
  if (tb->mark >= 0) snapshot(h, tb->mark);
  h->insns += tb->insns;
  h->idle += tb->idle;
  for (int r = 0; r < n_ranges; ++r) h->in_range[r] += tb->in_range[r];
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
  TbCounts* counts = calloc(1, sizeof *counts); /* lives as long as the translation: never freed */
  if (counts == NULL) return;
  const size_t n = qemu_plugin_tb_n_insns(tb);
  counts->insns = n;
  counts->mark = -1;
  counts->start_pc = qemu_plugin_tb_vaddr(tb);
  for (size_t i = 0; i < n; ++i) {
    struct qemu_plugin_insn* insn = qemu_plugin_tb_get_insn(tb, i);
    const uint64_t pc = qemu_plugin_insn_vaddr(insn);
    counts->end_pc = pc + qemu_plugin_insn_size(insn);
    for (int r = 0; r < n_ranges; ++r) {
      if (pc >= ranges[r].lo && pc < ranges[r].hi) counts->in_range[r]++;
    }
    for (int m = 0; i == 0 && m < n_marks; ++m) {
      if (pc == marks[m].lo) counts->mark = m;
    }
    const int is_idle = has_idle && pc >= idle.lo && pc < idle.hi;
    if (is_idle) {
      counts->idle++;
    } else if (n_regions > 0) {
      qemu_plugin_register_vcpu_mem_cb(insn, mem_access, QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_MEM_RW, NULL);
    }
  }
  qemu_plugin_register_vcpu_tb_exec_cb(tb, tb_exec, QEMU_PLUGIN_CB_NO_REGS, counts);
}

static void write_names(FILE* f, const char* key, const Named* names, int n) {
  fprintf(f, "\"%s\":[", key);
  for (int i = 0; i < n; ++i) fprintf(f, "%s\"%s\"", i ? "," : "", names[i].name);
  fprintf(f, "],");
}

static void write_json(FILE* f) {
  int last = 0;
  for (int v = 0; v < MAX_VCPUS; ++v) {
    if (harts[v].insns != 0) last = v;
  }
  fprintf(f, "{");
  write_names(f, "regions", regions, n_regions);
  write_names(f, "marks", marks, n_marks);
  fprintf(f, "\"harts\":[");
  for (int v = 0; v <= last; ++v) {
    const HartCounts* h = &harts[v];
    fprintf(f, "%s{\"hart\":%d,\"insns\":%" PRIu64 ",\"idle\":%" PRIu64 ",\"taken\":%" PRIu64 ",\"ranges\":{",
            v ? "," : "", v, h->insns, h->idle, h->taken);
    for (int r = 0; r < n_ranges; ++r) fprintf(f, "%s\"%s\":%" PRIu64, r ? "," : "", ranges[r].name, h->in_range[r]);
    fprintf(f, "},\"regions\":{");
    for (int r = 0; r < n_regions; ++r) {
      fprintf(f, "%s\"%s\":{\"loads\":%" PRIu64 ",\"stores\":%" PRIu64 "}", r ? "," : "", regions[r].name,
              h->loads[r], h->stores[r]);
    }
    fprintf(f, "},\"phases\":[");
    const size_t words = 4 + 2 * (size_t)n_regions;
    for (size_t s = 0; s < h->n_snapshots; ++s) {
      fprintf(f, "%s[", s ? "," : "");
      for (size_t w = 0; w < words; ++w) fprintf(f, "%s%" PRIu64, w ? "," : "", h->snapshots[s * words + w]);
      fprintf(f, "]");
    }
    fprintf(f, "]}");
  }
  fprintf(f, "]}\n");
}

static void at_exit(qemu_plugin_id_t id, void* udata) {
  (void)id;
  (void)udata;
  if (out_path[0] != '\0') {
    FILE* f = fopen(out_path, "w");
    if (f != NULL) {
      write_json(f);
      fclose(f);
    }
    return;
  }
  char* text = NULL;
  size_t size = 0;
  FILE* f = open_memstream(&text, &size);
  if (f == NULL) return;
  write_json(f);
  fclose(f);
  qemu_plugin_outs(text);
  free(text);
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
    } else if (strncmp(argv[i], "mark=", 5) == 0 && n_marks < MAX_NAMED && parse_mark(argv[i] + 5, &marks[n_marks])) {
      n_marks++;
    } else if (strncmp(argv[i], "idle=", 5) == 0) {
      char spec[64];
      snprintf(spec, sizeof spec, "idle:%s", argv[i] + 5);
      if (!parse_named(spec, &idle)) {
        fprintf(stderr, "bfedge_counters: bad argument '%s' (idle=LO:HI)\n", argv[i]);
        return -1;
      }
      has_idle = 1;
    } else if (strncmp(argv[i], "out=", 4) == 0) {
      snprintf(out_path, sizeof out_path, "%s", argv[i] + 4);
    } else {
      fprintf(stderr,
              "bfedge_counters: bad argument '%s' (pc=NAME:LO:HI, mem=NAME:LO:HI, mark=NAME:ADDR, idle=LO:HI, out=PATH)\n",
              argv[i]);
      return -1;
    }
  }
  qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
  qemu_plugin_register_atexit_cb(id, at_exit, NULL);
  return 0;
}
