/* The failure report (failure_report.h). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "failure_report.h"
#include "soc/bus.h"
#include "soc/cpu_ports.h"
#include "soc/log.h"

#define TAIL_LINES      20
#define SAMPLE_EVERY_S  1.0
#define MAX_DEVICES     8
#define RECENT_WARNINGS 5

struct failure_watch {
    double last_sample;
    uint64_t reads[2][BUS_MAX_REGIONS], writes[2][BUS_MAX_REGIONS];
    unsigned newest; /* which of the two samples is newer */
    unsigned samples;
    bool in_vectors[SOC_MAX_CORES]; /* the core's PC was in its vector table at the last sample */
};

/* The offset of pc in the vector table of the core's current EL, or -1. */
static int vector_offset(arm_cpu *cpu) {
    static const char *const names[] = {NULL, "VBAR_EL1", "VBAR_EL2", "VBAR_EL3"};
    unsigned el = cpu_get_el(cpu);
    uint64_t vbar, pc = cpu_get_pc(cpu);
    if (el < 1 || el > 3 || !cpu_read_sysreg(cpu, names[el], &vbar)) return -1;
    return pc >= vbar && pc - vbar < 0x800 ? (int)(pc - vbar) : -1;
}

failure_watch *failure_watch_new(void) {
    return calloc(1, sizeof(failure_watch));
}

void failure_watch_free(failure_watch *fw) {
    free(fw);
}

void failure_watch_sample(failure_watch *fw, machine *m, double host_now) {
    if (!fw || !m || (fw->samples && host_now - fw->last_sample < SAMPLE_EVERY_S)) return;
    bus *b = machine_bus(m);
    if (!b) return;
    unsigned slot = fw->samples ? 1 - fw->newest : 0;
    for (unsigned i = 0; i < b->n_regions; i++) {
        fw->reads[slot][i] = b->regions[i].reads;
        fw->writes[slot][i] = b->regions[i].writes;
    }
    fw->newest = slot;
    fw->samples++;
    cpu_cluster *cpus = machine_cpus(m);
    for (unsigned c = 0; cpus && c < cpu_cluster_size(cpus) && c < SOC_MAX_CORES; c++)
        fw->in_vectors[c] = vector_offset(cpu_cluster_core(cpus, c)) >= 0;
    fw->last_sample = host_now;
}

typedef struct activity {
    const char *name;
    uint64_t reads, writes;
} activity;

static int busiest_first(const void *a, const void *b) {
    const activity *x = a, *y = b;
    uint64_t nx = x->reads + x->writes, ny = y->reads + y->writes;
    return nx < ny ? 1 : nx > ny ? -1 : strcmp(x->name, y->name);
}

static void print_warnings(FILE *out) {
    unsigned warnings = soc_log_warning_count();
    fprintf(out, "socemu: warnings in the run (unmodelled registers, devices...): %u%s\n", warnings,
            warnings ? "; the last:" : "");
    for (unsigned i = RECENT_WARNINGS; i-- > 0;) {
        const char *w = soc_log_recent_warning(i);
        if (!w) continue;
        fputs("  ! ", out);
        soc_log_put_escaped(out, w);
        fputc('\n', out);
    }
}

static void print_devices(FILE *out, machine *m, const failure_watch *fw) {
    bus *b = machine_bus(m);
    if (!b) return;
    /* since the older of the two samples: one to two seconds of host time */
    unsigned base = fw && fw->samples >= 2 ? 1 - fw->newest : fw && fw->samples ? fw->newest : 0;
    bool have_base = fw && fw->samples;
    activity act[BUS_MAX_REGIONS];
    unsigned n = 0;
    for (unsigned i = 0; i < b->n_regions; i++) {
        const bus_region *r = &b->regions[i];
        if (r->kind != REGION_MMIO && r->kind != REGION_UNIMP) continue;
        uint64_t rd = r->reads - (have_base ? fw->reads[base][i] : 0);
        uint64_t wr = r->writes - (have_base ? fw->writes[base][i] : 0);
        if (rd + wr) act[n++] = (activity){r->name, rd, wr};
    }
    qsort(act, n, sizeof act[0], busiest_first);
    fprintf(out, "socemu: devices accessed %s:", have_base ? "in the last 1-2 s" : "in the run");
    if (!n) fputs(" none", out);
    for (unsigned i = 0; i < n && i < MAX_DEVICES; i++)
        fprintf(out, "%s %s (%" PRIu64 " reads, %" PRIu64 " writes)", i ? "," : "", act[i].name,
                act[i].reads, act[i].writes);
    if (n > MAX_DEVICES) fprintf(out, ", %u more", n - MAX_DEVICES);
    fputc('\n', out);

    unsigned unimp = 0;
    for (unsigned i = 0; i < b->n_regions; i++) {
        const bus_region *r = &b->regions[i];
        if (r->kind != REGION_UNIMP || !(r->reads + r->writes)) continue;
        fprintf(out, "%s %s (%" PRIu64 " reads, %" PRIu64 " writes)",
                unimp++ ? "," : "socemu: unimplemented blocks accessed in the run:", r->name,
                r->reads, r->writes);
    }
    if (b->unmapped_accesses)
        fprintf(out, "%s %" PRIu64 " accesses to unmapped addresses",
                unimp++ ? "," : "socemu: unimplemented blocks accessed in the run:",
                b->unmapped_accesses);
    if (unimp)
        fputs(" (each register is named once in the log: --log FILE)\n", out);
    else
        fputs("socemu: unimplemented blocks accessed: none\n", out);
}

static const char *const vector_names[] = {"sync", "irq", "fiq", "serror"};
static const char *const vector_from[] = {"current EL with SP0", "current EL with SPx",
                                          "a lower EL (AArch64)", "a lower EL (AArch32)"};

static void print_cores(FILE *out, machine *m, const failure_watch *fw, const symbols *syms,
                        const char **why_idle) {
    cpu_cluster *cpus = machine_cpus(m);
    unsigned n = cpus ? cpu_cluster_size(cpus) : 0;
    uint64_t now = machine_guest_ns(m);
    bool all_idle = n > 0, any_timer = false;
    for (unsigned c = 0; c < n; c++) {
        arm_cpu *cpu = cpu_cluster_core(cpus, c);
        uint64_t pc = cpu_get_pc(cpu);
        char sym[300];
        const char *name = symbols_lookup(syms, pc, sym, sizeof sym);
        const char *state = cpu_state_name(cpu);
        /* still in the vector table a second or more after the last sample: taking the same
         * exception over and over (or stopped in a handler that loops) */
        int vec = vector_offset(cpu);
        bool loop = vec >= 0 && fw && fw->samples && c < SOC_MAX_CORES && fw->in_vectors[c];
        if (loop && strcmp(state, "running") == 0) state = "exception-loop";
        fprintf(out, "socemu: cpu%u pc=0x%016" PRIx64 "%s%s%s el=%u state=%s", c, pc,
                name ? " (" : "", name ? name : "", name ? ")" : "", cpu_get_el(cpu), state);
        uint64_t next = cpu_next_timer_deadline(cpu);
        if (strcmp(state, "running") != 0 && strcmp(state, "exception-loop") != 0) {
            if (next == UINT64_MAX)
                fputs(" next-timer=none", out);
            else if (next <= now)
                fputs(" next-timer=due", out);
            else
                fprintf(out, " next-timer=+%.3f ms", (double)(next - now) / 1e6);
        } else {
            all_idle = false;
        }
        if (next != UINT64_MAX) any_timer = true;
        if (loop)
            fprintf(out, " (at VBAR_EL%u+0x%03x: %s from %s)", cpu_get_el(cpu), (unsigned)vec,
                    vector_names[(vec >> 7) & 3], vector_from[(vec >> 9) & 3]);
        fputc('\n', out);
    }
    *why_idle = all_idle && !any_timer ? "every core is idle and no core has a timer armed" : NULL;
}

void failure_report_print(FILE *out, machine *m, const failure_watch *fw, const console_log *cl,
                          const symbols *syms, const char *waiting) {
    if (!m) return;
    fputs("socemu: ---- failure report ----\n", out);
    const char *tail = console_log_tail(cl, TAIL_LINES);
    fprintf(out, "socemu: last %u console lines:\n", TAIL_LINES);
    if (!*tail) fputs("  (the guest printed nothing)\n", out);
    for (const char *p = tail; *p;) {
        size_t len = strcspn(p, "\n");
        char line[1024];
        snprintf(line, sizeof line, "%.*s", (int)(len < sizeof line - 1 ? len : sizeof line - 1),
                 p);
        fputs("  | ", out);
        soc_log_put_escaped(out, line);
        fputc('\n', out);
        p += len;
        if (*p) p++;
    }
    const char *why_idle = NULL;
    print_cores(out, m, fw, syms, &why_idle);
    print_devices(out, m, fw);
    print_warnings(out);
    if (waiting || why_idle)
        fprintf(out, "socemu: waiting for %s%s%s\n", waiting ? waiting : "nothing",
                why_idle ? "; " : "", why_idle ? why_idle : "");
    fputs("socemu: ---- end of failure report ----\n", out);
}
