/* Assembling a machine from a board descriptor, top to bottom like a schematic: bus and memory,
 * device instances and their registers, interrupt wiring, realize and reset, the CPU cluster,
 * then the boot images. And the run loop around the scheduler. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include "machine_internal.h"
#include "peripherals/rpi_firmware.h"
#include "soc/log.h"

#define MIN_RAM_BYTES (1ull << 20)

static void cpu_pin_changed(void *opaque, int n, bool level) {
    machine *m = opaque;
    arm_cpu *cpu = cpu_cluster_core(m->cpus, (unsigned)n / 2);
    if (!cpu) return;
    if (n % 2)
        cpu_set_fiq(cpu, level);
    else
        cpu_set_irq(cpu, level);
}

void machine_device_request(void *opaque, machine_request req, const char *why) {
    machine *m = opaque;
    /* The first request of a run wins: a panic reported during power-off stays a power-off. */
    if (!m->request_pending) {
        m->request_pending = true;
        m->request = req;
        snprintf(m->request_why, sizeof m->request_why, "%s", why ? why : "");
    }
    if (m->sched_ready) scheduler_request_stop(&m->sched);
}

/* --memory applies to the first RAM region, within its max-size. */
static int size_ram(machine *m, char *err, size_t errlen) {
    for (unsigned i = 0; i < m->desc->n_memories && !m->ram; i++)
        if (!m->desc->memories[i].rom) m->ram = &m->desc->memories[i];
    if (!m->ram) {
        snprintf(err, errlen, "%s: the board has no RAM region", m->desc->path);
        return -1;
    }
    m->ram_size = m->ram->size;
    uint64_t want = m->opts.memory_bytes;
    if (!want) return 0;
    if (want > m->ram->max_size) {
        snprintf(err, errlen,
                 "memory size %" PRIu64 "M too large: board '%s' has room for at most %" PRIu64
                 "M of RAM ('%s' at %s:%d)",
                 want >> 20, m->desc->name, m->ram->max_size >> 20, m->ram->name, m->ram->loc.file,
                 m->ram->loc.line);
        return -1;
    }
    if (want < MIN_RAM_BYTES || want % 4096) {
        snprintf(err, errlen,
                 "memory size %" PRIu64 " bytes: must be at least 1M and a multiple of 4K", want);
        return -1;
    }
    m->ram_size = want;
    return 0;
}

static int map_memory(machine *m, char *err, size_t errlen) {
    char msg[8192]; /* a path (PATH_MAX) and the reason */
    for (unsigned i = 0; i < m->desc->n_memories; i++) {
        const board_memory *mem = &m->desc->memories[i];
        uint64_t size = mem == m->ram ? m->ram_size : mem->size;
        int rc = mem->rom ? bus_add_rom(&m->bus, mem->name, mem->base, size, NULL, msg, sizeof msg)
                          : bus_add_ram(&m->bus, mem->name, mem->base, size, NULL, msg, sizeof msg);
        if (rc < 0) {
            snprintf(err, errlen, "%s:%d: %s", mem->loc.file, mem->loc.line, msg);
            return -1;
        }
    }
    return 0;
}

/* Instances, their register regions and their interrupt inputs (which must exist before any
 * output is pointed at them). */
static int create_devices(machine *m, char *err, size_t errlen) {
    char msg[8192]; /* a path (PATH_MAX) and the reason */
    m->devices = calloc(m->desc->n_devices + 1, sizeof *m->devices);
    if (!m->devices) goto oom;
    for (unsigned i = 0; i < m->desc->n_devices; i++) {
        const board_device *bd = &m->desc->devices[i];
        machine_device *md = &m->devices[i];
        md->bd = bd;
        if (!bd->type) {
            if (bus_add_unimp(&m->bus, bd->name, bd->reg_base[0], bd->reg_size[0], msg,
                              sizeof msg) < 0) {
                snprintf(err, errlen, "%s:%d: %s", bd->reg_loc[0].file, bd->reg_loc[0].line, msg);
                return -1;
            }
            continue;
        }
        const dev_type *t = bd->type;
        md->state = calloc(1, t->state_size ? t->state_size : 1);
        if (!md->state) goto oom;
        dev_ctx *ctx = &md->ctx;
        ctx->type = t;
        ctx->name = bd->name;
        ctx->bus = &m->bus;
        ctx->clock = &m->clock;
        ctx->request = machine_device_request;
        ctx->machine = m;
        for (unsigned p = 0; p < t->n_props; p++) {
            ctx->prop_values[p] = bd->prop_values[p];
            /* --sd: the card image goes to the device(s) with an "sd-image" property. */
            if (m->opts.sd_image && strcmp(t->props[p].name, "sd-image") == 0)
                ctx->prop_values[p] = m->opts.sd_image;
            if (m->opts.sd_write && strcmp(t->props[p].name, "sd-write") == 0)
                ctx->prop_values[p] = "true";
            /* --seed: devices with a "seed" property (RNG models) follow it, so the same seed
             * gives the same run. */
            if (m->opts.seed && strcmp(t->props[p].name, "seed") == 0) {
                snprintf(m->seed_str, sizeof m->seed_str, "%llu", (unsigned long long)m->opts.seed);
                ctx->prop_values[p] = m->seed_str;
            }
        }
        for (unsigned n = 0; n < t->n_irq_inputs && n < DEV_MAX_IRQ_IN; n++)
            irq_line_init(&ctx->irq_in[n], bd->name, t->irq_input, md->state, (int)n);
        for (unsigned r = 0; r < bd->n_regs; r++) {
            char *region_name = (char *)bd->name; /* the device name is what logs should show */
            if (bus_add_mmio(&m->bus, region_name, bd->reg_base[r], bd->reg_size[r],
                             &t->regions[r].ops, md->state, msg, sizeof msg) < 0) {
                snprintf(err, errlen, "%s:%d: %s", bd->reg_loc[r].file, bd->reg_loc[r].line, msg);
                return -1;
            }
        }
    }
    return 0;
oom:
    snprintf(err, errlen, "out of memory creating devices");
    return -1;
}

static irq_line *wire_sink(machine *m, const board_irq_target *t, unsigned core) {
    if (t->device < 0) return &m->cpu_pins[t->cpu][t->pin == BOARD_PIN_FIQ];
    return &m->devices[t->device].ctx.irq_in[t->line + t->core_stride * core];
}

/* One wire: the slot a source drives through, and the input it reaches. */
typedef struct wire {
    irq_line **slot;
    irq_line *sink;
    board_loc loc;
} wire;

/* Points every output at its input; inputs with several sources get an OR gate. */
static int wire_irqs(machine *m, char *err, size_t errlen) {
    const board_desc *d = m->desc;
    unsigned cap = m->n_cores * d->n_timer_wires + 1;
    for (unsigned i = 0; i < d->n_devices; i++)
        cap += d->devices[i].n_wires;
    wire *w = calloc(cap, sizeof *w);
    if (!w) return -1;
    unsigned n = 0;
    for (unsigned i = 0; i < d->n_devices; i++) {
        const board_device *bd = &d->devices[i];
        for (unsigned k = 0; k < bd->n_wires; k++) {
            const board_irq_wire *bw = &bd->wires[k];
            /* --smp below the board's core count: pins of absent cores stay unconnected. */
            if (bw->target.device < 0 && bw->target.cpu >= m->n_cores) continue;
            w[n++] = (wire){&m->devices[i].ctx.irq_out[bw->output], wire_sink(m, &bw->target, 0),
                            bw->loc};
        }
    }
    for (unsigned i = 0; i < d->n_timer_wires; i++) {
        const board_timer_wire *tw = &d->timer_wires[i];
        const dev_type *ct = d->devices[tw->target.device].type;
        for (unsigned core = 0; core < m->n_cores; core++) {
            if (tw->target.line + tw->target.core_stride * core >= ct->n_irq_inputs) {
                snprintf(err, errlen, "%s:%d: core %u's timer input is out of range for '%s'",
                         tw->loc.file, tw->loc.line, core, d->devices[tw->target.device].name);
                free(w);
                return -1;
            }
            w[n++] = (wire){&m->ports.timer_lines[core][tw->timer], wire_sink(m, &tw->target, core),
                            tw->loc};
        }
    }
    for (unsigned i = 0; i < n; i++) {
        if (!w[i].slot) continue; /* already handled as part of a gate */
        unsigned sharing = 0;
        for (unsigned j = i; j < n; j++)
            sharing += w[j].sink == w[i].sink;
        if (sharing == 1) {
            *w[i].slot = w[i].sink;
            continue;
        }
        if (sharing > IRQ_OR_MAX_INPUTS) {
            snprintf(err, errlen, "%s:%d: more than %d sources share one interrupt input",
                     w[i].loc.file, w[i].loc.line, IRQ_OR_MAX_INPUTS);
            free(w);
            return -1;
        }
        irq_or *g = calloc(1, sizeof *g);
        irq_or **gates = realloc(m->gates, (m->n_gates + 1) * sizeof *gates);
        if (!g || !gates) {
            free(g);
            free(w);
            return -1;
        }
        m->gates = gates;
        m->gates[m->n_gates++] = g;
        irq_or_init(g, w[i].sink->name, sharing, w[i].sink);
        irq_line *sink = w[i].sink;
        for (unsigned j = i, in = 0; j < n; j++) {
            if (w[j].sink != sink || !w[j].slot) continue;
            *w[j].slot = &g->in[in++];
            w[j].slot = NULL;
        }
    }
    free(w);
    return 0;
}

static void assign_serials(machine *m) {
    for (unsigned i = 0; i < m->desc->n_serial; i++) {
        unsigned idx = m->desc->serial[i];
        chardev *chr = i < MACHINE_MAX_SERIALS ? m->opts.serial[i] : NULL;
        if (!chr && (int)idx == m->desc->console) chr = m->opts.console_chr;
        m->devices[idx].ctx.chr = chr;
    }
    for (unsigned i = 0; i < m->desc->n_devices; i++)
        if (m->devices[i].bd->type && m->devices[i].bd->type->net_port)
            m->devices[i].ctx.net = m->opts.net;
}

static int realize_devices(machine *m, char *err, size_t errlen) {
    char msg[8192]; /* a path (PATH_MAX) and the reason */
    for (unsigned i = 0; i < m->desc->n_devices; i++) {
        machine_device *md = &m->devices[i];
        const dev_type *t = md->bd->type;
        if (!t) continue;
        if (t->realize && t->realize(md->state, &md->ctx, msg, sizeof msg) < 0) {
            snprintf(err, errlen, "%s:%d: %s: %s", md->bd->loc.file, md->bd->loc.line, md->bd->name,
                     msg);
            return -1;
        }
        md->realized = true;
    }
    /* One SD card per board: the SD host that opened it (the sdhost, from --sd) shares it with
     * the others; their pin-mux inputs decide which one reaches it. */
    struct sd_card *card = NULL;
    for (unsigned i = 0; i < m->desc->n_devices && !card; i++)
        if (m->devices[i].bd->type && m->devices[i].bd->type->sd_host)
            card = m->devices[i].ctx.sd_card;
    for (unsigned i = 0; i < m->desc->n_devices; i++)
        if (m->devices[i].bd->type && m->devices[i].bd->type->sd_host && !m->devices[i].ctx.sd_card)
            m->devices[i].ctx.sd_card = card;
    return 0;
}

static void reset_devices(machine *m) {
    for (unsigned i = 0; i < m->desc->n_devices; i++) {
        machine_device *md = &m->devices[i];
        if (md->realized && md->bd->type->reset) md->bd->type->reset(md->state);
    }
}

static void invalidate_code(void *opaque, uint64_t addr, uint64_t len) {
    machine *m = opaque;
    if (m->cpus) cpu_cluster_invalidate_code(m->cpus, addr, len);
}

static int create_cpus(machine *m, char *err, size_t errlen) {
    cpu_config cfg = {
        .model = m->desc->cpu_model,
        .n_cores = m->n_cores,
        .ns_per_insn = 1,
        .trace_mask = m->opts.trace_mask,
    };
    char msg[8192]; /* a path (PATH_MAX) and the reason */
    m->cpus = cpu_cluster_new(&cfg, &m->ports.ports, msg, sizeof msg);
    if (!m->cpus) {
        snprintf(err, errlen, "%s: %s", m->desc->path, msg);
        return -1;
    }
    bus_set_ram_write_hook(&m->bus, invalidate_code, m);
    return 0;
}

static void create_scheduler(machine *m) {
    scheduler_config sc = {
        .ns_per_insn = 1, .realtime = m->opts.realtime, .live_input = m->opts.live_input};
    scheduler_init(&m->sched, &sc, m->cpus, &m->clock, &m->ports);
    m->sched_ready = true;
}

machine *machine_create(const machine_options *opts, char *err, size_t errlen) {
    machine *m = calloc(1, sizeof *m);
    if (!m) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    m->opts = *opts;
    soc_trace_mask |= opts->trace_mask;
    board_type_list extra = {opts->extra_device_types, opts->n_extra_device_types};
    m->desc = board_desc_load(opts->board ? opts->board : "rpi3", &extra, err, errlen);
    if (!m->desc) {
        free(m);
        return NULL;
    }
    bus_init(&m->bus, m->desc->unmapped);
    if (opts->sd_image) {
        m->sd_hold = host_image_open(opts->sd_image, opts->sd_write, err, errlen);
        if (!m->sd_hold) goto fail;
    }
    m->n_cores = opts->smp ? opts->smp : m->desc->cores;
    if (m->n_cores < 1 || m->n_cores > SOC_MAX_CORES) {
        snprintf(err, errlen, "%u cores requested: board '%s' supports 1..%d", m->n_cores,
                 m->desc->name, SOC_MAX_CORES);
        goto fail;
    }
    vclock_init(&m->clock);
    soc_cpu_ports_init(&m->ports, &m->bus, &m->clock);
    for (unsigned c = 0; c < SOC_MAX_CORES; c++) {
        irq_line_init(&m->cpu_pins[c][0], "cpu-irq", cpu_pin_changed, m, (int)(2 * c));
        irq_line_init(&m->cpu_pins[c][1], "cpu-fiq", cpu_pin_changed, m, (int)(2 * c + 1));
    }
    if (size_ram(m, err, errlen) < 0 || map_memory(m, err, errlen) < 0 ||
        create_devices(m, err, errlen) < 0 || create_cpus(m, err, errlen) < 0)
        goto fail;
    if (wire_irqs(m, err, errlen) < 0) {
        if (!*err) snprintf(err, errlen, "out of memory wiring interrupts");
        goto fail;
    }
    assign_serials(m);
    if (realize_devices(m, err, errlen) < 0) goto fail;
    reset_devices(m);
    create_scheduler(m);
    if (machine_boot_prepare(m, err, errlen) < 0 || machine_boot_apply(m, err, errlen) < 0)
        goto fail;
    return m;
fail:
    machine_free(m);
    return NULL;
}

void machine_free(machine *m) {
    if (!m) return;
    if (m->sched_ready) scheduler_destroy(&m->sched);
    const char *stats = getenv("SOCEMU_STATS");
    if (m->desc && stats && *stats && strcmp(stats, "0") != 0) bus_report_stats(&m->bus, stderr);
    if (m->devices) {
        for (unsigned i = m->desc->n_devices; i-- > 0;) {
            machine_device *md = &m->devices[i];
            if (md->realized && md->bd->type->unrealize) md->bd->type->unrealize(md->state);
            free(md->state);
        }
        free(m->devices);
    }
    for (unsigned i = 0; i < m->n_gates; i++)
        free(m->gates[i]);
    free(m->gates);
    if (m->cpus) cpu_cluster_free(m->cpus);
    host_image_close(m->sd_hold);
    machine_boot_free(m);
    if (m->desc) {
        /* bus_init ran only after the descriptor loaded. */
        bus_destroy(&m->bus);
        board_desc_free(m->desc);
    }
    free(m);
}

/* A guest reboot: devices back to reset, the boot images placed again, cores at their entry. */
static int reboot(machine *m) {
    reset_devices(m);
    char msg[8192];
    if (machine_boot_reload(m, msg, sizeof msg) < 0) {
        /* What the guest left on the card does not boot: the real firmware stops there (its
         * LED blinks the error). A guest failure, not the emulator's. */
        m->request = MACHINE_REQ_PANIC;
        m->request_pending = true;
        snprintf(m->request_why, sizeof m->request_why,
                 "after the guest's reboot the firmware cannot boot the card: %s", msg);
        return 1;
    }
    if (machine_boot_apply(m, msg, sizeof msg) < 0) {
        snprintf(m->fault, sizeof m->fault, "reboot failed: %s", msg);
        return -1;
    }
    return 0;
}

machine_run_result machine_run(machine *m, void (*poll)(void *opaque), void *opaque) {
    m->sched.cfg.poll = poll;
    m->sched.cfg.poll_opaque = opaque;
    m->stop_requested = false;
    for (;;) {
        /* A halt asked for before the run (-S) or between runs takes effect here. */
        if ((m->debug.halted || machine_debug_take_halt(m)) && !machine_debug_wait(m, poll, opaque))
            return MACHINE_RUN_STOPPED;
        m->request_pending = false;
        m->sched.stop_requested = 0;
        sched_exit why = scheduler_run(&m->sched, VCLOCK_NEVER, 0);
        if (m->fault[0]) return MACHINE_RUN_FAULT;
        if (m->request_pending) {
            switch (m->request) {
            case MACHINE_REQ_POWEROFF: return MACHINE_RUN_POWEROFF;
            case MACHINE_REQ_PANIC: return MACHINE_RUN_PANIC;
            case MACHINE_REQ_RESET:
                if (m->opts.no_reboot) return MACHINE_RUN_REBOOT;
                m->resets++;
                int rc = reboot(m);
                if (rc < 0) return MACHINE_RUN_FAULT;
                if (rc > 0) return MACHINE_RUN_PANIC;
                continue;
            }
        }
        if (why == SCHED_STOPPED && machine_debug_take_halt(m)) continue;
        switch (why) {
        case SCHED_HUNG: return MACHINE_RUN_HUNG;
        case SCHED_STOPPED: return MACHINE_RUN_STOPPED;
        case SCHED_TIME_LIMIT:
        case SCHED_INSN_LIMIT: return MACHINE_RUN_STOPPED; /* no limits are given: not reached */
        }
    }
}

void machine_stop(machine *m) {
    m->stop_requested = true;
    if (m->sched_ready) scheduler_request_stop(&m->sched);
}

const char *machine_fault_reason(const machine *m) {
    if (m->fault[0]) return m->fault;
    if (m->request_pending && m->request_why[0]) return m->request_why;
    return "";
}

uint64_t machine_guest_ns(const machine *m) {
    return vclock_now(&m->clock);
}

unsigned machine_reset_count(const machine *m) {
    return m->resets;
}

uint64_t machine_instructions(const machine *m) {
    return m->sched_ready ? m->sched.stats.instructions : 0;
}

unsigned machine_serial_names(const machine *m, const char **names, unsigned max) {
    unsigned n = 0;
    for (; n < m->desc->n_serial && n < max; n++)
        names[n] = m->desc->devices[m->desc->serial[n]].name;
    return m->desc->n_serial;
}

bus *machine_bus(machine *m) {
    return &m->bus;
}
vclock *machine_clock(machine *m) {
    return &m->clock;
}
cpu_cluster *machine_cpus(machine *m) {
    return m->cpus;
}
const char *machine_board_name(const machine *m) {
    return m->desc->name;
}

dev_ctx *machine_device_ctx(machine *m, const char *name) {
    int idx = board_desc_find_device(m->desc, name);
    return idx >= 0 && m->devices[idx].bd->type ? &m->devices[idx].ctx : NULL;
}

void *machine_device_state(machine *m, const char *name) {
    int idx = board_desc_find_device(m->desc, name);
    return idx >= 0 ? m->devices[idx].state : NULL;
}

bool machine_cpu_pin_level(const machine *m, unsigned core, bool fiq) {
    return core < SOC_MAX_CORES && m->cpu_pins[core][fiq].level;
}

const char *board_builtin_name(unsigned i) {
    for (unsigned k = 0, listed = 0; k < board_builtin_file_count; k++)
        if (board_builtin_files[k].board_name && listed++ == i)
            return board_builtin_files[k].board_name;
    return NULL;
}

const char *board_builtin_description(unsigned i) {
    for (unsigned k = 0, listed = 0; k < board_builtin_file_count; k++)
        if (board_builtin_files[k].board_name && listed++ == i)
            return board_builtin_files[k].description;
    return NULL;
}

/* ---- the guest's framebuffer (display and screenshot code) ---- */

static unsigned fb_bytes_per_pixel(machine_fb_format f) {
    return f == MACHINE_FB_R5G6B5 ? 2 : f == MACHINE_FB_R8G8B8 ? 3 : 4;
}

/* What the guest negotiated through the firmware's framebuffer tags, if it did. */
static bool fb_from_mailbox(machine *m, machine_fb *fb) {
    for (unsigned i = 0; i < m->desc->n_devices; i++) {
        machine_device *md = &m->devices[i];
        if (!md->realized || !md->bd->type || strcmp(md->bd->type->name, "bcm2835-mailbox") != 0)
            continue;
        const rpi_fb_state *s = rpi_firmware_fb(md->state);
        if (!s->allocated || s->depth < 16) return false; /* 8 bpp palettes: not shown */
        fb->format = s->depth == 16   ? MACHINE_FB_R5G6B5
                     : s->depth == 24 ? MACHINE_FB_R8G8B8
                     : s->pixel_order ? MACHINE_FB_X8B8G8R8
                                      : MACHINE_FB_X8R8G8B8;
        fb->width = s->phys_width, fb->height = s->phys_height, fb->stride = s->pitch;
        fb->base = s->base + (uint64_t)s->y_offset * s->pitch +
                   (uint64_t)s->x_offset * fb_bytes_per_pixel(fb->format);
        return true;
    }
    return false;
}

/* The simple-framebuffer node the firmware flow put under /chosen. */
static bool fb_from_dtb(machine *m, machine_fb *fb) {
    const void *dtb = m->boot.dtb;
    int chosen = dtb ? fdt_path_offset(dtb, "/chosen") : -1;
    if (chosen < 0) return false;
    int node;
    fdt_for_each_subnode(node, dtb, chosen) {
        if (fdt_node_check_compatible(dtb, node, "simple-framebuffer") != 0) continue;
        int ac = fdt_address_cells(dtb, chosen), len = 0;
        const fdt32_t *reg = fdt_getprop(dtb, node, "reg", &len);
        const fdt32_t *w = fdt_getprop(dtb, node, "width", NULL);
        const fdt32_t *h = fdt_getprop(dtb, node, "height", NULL);
        const fdt32_t *stride = fdt_getprop(dtb, node, "stride", NULL);
        const char *format = fdt_getprop(dtb, node, "format", NULL);
        if (!reg || ac < 1 || ac > 2 || len < 4 * ac || !w || !h || !stride || !format) continue;
        fb->base = fdt32_to_cpu(reg[0]);
        if (ac == 2) fb->base = (fb->base << 32) | fdt32_to_cpu(reg[1]);
        fb->width = fdt32_to_cpu(*w), fb->height = fdt32_to_cpu(*h);
        fb->stride = fdt32_to_cpu(*stride);
        static const struct {
            const char *name;
            machine_fb_format format;
        } formats[] = {{"r5g6b5", MACHINE_FB_R5G6B5},     {"r8g8b8", MACHINE_FB_R8G8B8},
                       {"a8r8g8b8", MACHINE_FB_X8R8G8B8}, {"x8r8g8b8", MACHINE_FB_X8R8G8B8},
                       {"a8b8g8r8", MACHINE_FB_X8B8G8R8}, {"x8b8g8r8", MACHINE_FB_X8B8G8R8}};
        for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
            if (strcmp(format, formats[i].name) != 0) continue;
            fb->format = formats[i].format;
            return true;
        }
    }
    return false;
}

bool machine_framebuffer(machine *m, machine_fb *fb) {
    memset(fb, 0, sizeof *fb);
    if (!fb_from_mailbox(m, fb) && !fb_from_dtb(m, fb)) return false;
    uint64_t row = (uint64_t)fb->width * fb_bytes_per_pixel(fb->format);
    const bus_region *r = bus_find(&m->bus, fb->base);
    if (!fb->width || !fb->height || fb->stride < row || !r || !r->host ||
        (r->kind != REGION_RAM && r->kind != REGION_ROM))
        return false;
    uint64_t end = fb->base + (uint64_t)fb->stride * (fb->height - 1) + row;
    if (end > r->base + r->size) return false;
    fb->pixels = r->host + (fb->base - r->base);
    return true;
}
