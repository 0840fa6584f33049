/* A stand-in for the machine, linked with the real tools/cli/main.c into socemu_fake, so every
 * way a run can end (expect, fail, panic, power-off, hang, timeout, fault, signals) is tested
 * without a CPU. The "kernel" is a script, one command per line:
 *   out SLOT TEXT   the UART in board slot SLOT transmits TEXT and CR LF ("outn": no CR LF)
 *   echo SLOT       copies what the host sends to that UART back to it, until stopped
 *   reset           the guest resets (counted; with --no-reboot the run ends as a reboot)
 *   poweroff | reboot | hang | spin | panic WHY | fault WHY
 *   warn TEXT       a machine warning (soc_warn: to --log or stderr)
 * The fake board "rpi3" has two UARTs, uart0 and aux (the console), like the real one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "boards/descriptor.h"
#include "boards/machine.h"
#include "soc/log.h"

#define SCRIPT_MAGIC "#!socemu-fake\n"

struct machine {
    machine_options opts;
    char *script;
    bool stop;
    uint64_t guest_ns, insns;
    unsigned resets;
    bool halted; /* -S, a monitor's stop: the script waits, time stands still */
    int request; /* machine_device_request (system_reset from a monitor): -1 none */
    char reason[256];
    uint8_t echo_buf[64];
    size_t echo_len;
};

const char *board_builtin_name(unsigned i) {
    return i == 0 ? "rpi3" : NULL;
}
const char *board_builtin_description(unsigned i) {
    return i == 0 ? "Raspberry Pi 3 Model B (fake machine for CLI tests)" : NULL;
}

board_desc *board_desc_load(const char *board, const board_type_list *extra, char *err,
                            size_t errlen) {
    if (strcmp(board, "rpi3") != 0) {
        snprintf(err, errlen, "%s: the fake machine knows only rpi3", board);
        return NULL;
    }
    board_desc *d = calloc(1, sizeof *d);
    d->n_devices = 2;
    d->devices = calloc(2, sizeof *d->devices);
    d->devices[0].name = "uart0";
    d->devices[1].name = "aux";
    d->n_serial = 2;
    d->serial = calloc(2, sizeof *d->serial);
    d->serial[0] = 0;
    d->serial[1] = 1;
    d->console = 1;
    return d;
}

void board_desc_free(board_desc *d) {
    free(d->devices);
    free(d->serial);
    free(d);
}

machine *machine_create(const machine_options *opts, char *err, size_t errlen) {
    const char *path = opts->kernel ? opts->kernel : opts->sd_image;
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open", path);
        return NULL;
    }
    machine *m = calloc(1, sizeof *m);
    m->opts = *opts;
    m->request = -1;
    m->script = calloc(1, 1 << 16);
    size_t n = fread(m->script, 1, (1 << 16) - 1, f);
    fclose(f);
    if (n < strlen(SCRIPT_MAGIC) || memcmp(m->script, SCRIPT_MAGIC, strlen(SCRIPT_MAGIC)) != 0) {
        snprintf(err, errlen, "%s: not a fake-machine script", path);
        machine_free(m);
        return NULL;
    }
    return m;
}

void machine_free(machine *m) {
    if (!m) return;
    free(m->script);
    free(m);
}

static chardev *uart(machine *m, unsigned slot) {
    if (slot < MACHINE_MAX_SERIALS && m->opts.serial[slot]) return m->opts.serial[slot];
    return slot == 1 ? m->opts.console_chr : NULL;
}

static unsigned echo_can_receive(void *opaque) {
    machine *m = opaque;
    return (unsigned)(sizeof m->echo_buf - m->echo_len);
}
static void echo_receive(void *opaque, const uint8_t *data, size_t len) {
    machine *m = opaque;
    memcpy(m->echo_buf + m->echo_len, data, len);
    m->echo_len += len;
}

static void hold(machine *m, void (*poll)(void *), void *opaque) {
    while (m->halted && !m->stop) { /* as machine_debug_wait: poll about every millisecond */
        nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
        poll(opaque);
    }
    if (m->request == MACHINE_REQ_RESET) {
        m->request = -1;
        m->resets++;
    }
}

static void tick(machine *m, void (*poll)(void *), void *opaque) {
    hold(m, poll, opaque);
    m->guest_ns += 1000000;
    m->insns += 1000;
    poll(opaque);
}

static void spin(machine *m, void (*poll)(void *), void *opaque, chardev *echo) {
    while (!m->stop) {
        nanosleep(&(struct timespec){.tv_nsec = 2000000}, NULL);
        tick(m, poll, opaque);
        if (echo && m->echo_len) {
            chardev_write(echo, m->echo_buf, m->echo_len);
            m->echo_len = 0;
        }
    }
}

machine_run_result machine_run(machine *m, void (*poll)(void *), void *opaque) {
    char *save = NULL;
    hold(m, poll, opaque); /* -S holds the machine before its first instruction */
    for (char *line = strtok_r(m->script + strlen(SCRIPT_MAGIC), "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        unsigned slot = 0;
        int off = 0;
        if (m->stop) return MACHINE_RUN_STOPPED;
        if (sscanf(line, "out %u %n", &slot, &off) == 1 ||
            sscanf(line, "outn %u %n", &slot, &off) == 1) {
            chardev *c = uart(m, slot);
            for (const char *p = line + off; *p; p++)
                chardev_write(c, (const uint8_t *)p, 1);
            if (line[3] == ' ') chardev_write(c, (const uint8_t *)"\r\n", 2);
        } else if (sscanf(line, "echo %u", &slot) == 1) {
            chardev_set_frontend(uart(m, slot), echo_can_receive, echo_receive, m);
            spin(m, poll, opaque, uart(m, slot));
        } else if (strcmp(line, "poweroff") == 0) {
            return MACHINE_RUN_POWEROFF;
        } else if (strcmp(line, "reboot") == 0) {
            return MACHINE_RUN_REBOOT;
        } else if (strcmp(line, "reset") == 0) {
            if (m->opts.no_reboot) return MACHINE_RUN_REBOOT;
            m->resets++;
        } else if (strcmp(line, "hang") == 0) {
            return MACHINE_RUN_HUNG;
        } else if (strncmp(line, "panic ", 6) == 0) {
            snprintf(m->reason, sizeof m->reason, "%s", line + 6);
            return MACHINE_RUN_PANIC;
        } else if (strncmp(line, "fault ", 6) == 0) {
            snprintf(m->reason, sizeof m->reason, "%s", line + 6);
            return MACHINE_RUN_FAULT;
        } else if (strncmp(line, "warn ", 5) == 0) {
            soc_warn("%s", line + 5);
        } else if (strcmp(line, "spin") == 0) {
            spin(m, poll, opaque, NULL);
        }
        tick(m, poll, opaque);
    }
    spin(m, poll, opaque, NULL);
    return MACHINE_RUN_STOPPED;
}

void machine_stop(machine *m) {
    m->stop = true;
}
const char *machine_fault_reason(const machine *m) {
    return m->reason[0] ? m->reason : NULL;
}
const void *machine_boot_dtb(const machine *m, size_t *len) {
    (void)m;
    *len = 0;
    return NULL; /* the fake boots nothing */
}
uint64_t machine_guest_ns(const machine *m) {
    return m->guest_ns;
}
uint64_t machine_instructions(const machine *m) {
    return m->insns;
}
unsigned machine_serial_names(const machine *m, const char **names, unsigned max) {
    static const char *const uarts[] = {"uart0", "aux"};
    for (unsigned i = 0; i < 2 && i < max; i++)
        names[i] = uarts[i];
    return 2;
}
bool machine_framebuffer(machine *m, machine_fb *fb) {
    (void)m;
    memset(fb, 0, sizeof *fb);
    return false; /* no guest, no framebuffer: --screenshot only warns */
}

unsigned machine_reset_count(const machine *m) {
    return m->resets;
}

/* The stuck-guest watch samples PCs: the fake has no CPUs, so it never warns. */
cpu_cluster *machine_cpus(machine *m) {
    (void)m;
    return NULL;
}
bool machine_debug_halted(const machine *m) {
    return m->halted;
}
void machine_debug_halt(machine *m) {
    m->halted = true;
}
void machine_debug_resume(machine *m) {
    m->halted = false;
}
int machine_debug_breakpoint_core(const machine *m) {
    (void)m;
    return -1;
}
bus *machine_bus(machine *m) {
    (void)m;
    return NULL; /* no devices: the failure report lists none */
}
dev_ctx *machine_device_ctx(machine *m, const char *name) {
    (void)m, (void)name;
    return NULL; /* no GPIO: system_powerdown only reports POWERDOWN */
}
void machine_device_request(void *opaque, machine_request req, const char *why) {
    machine *m = opaque;
    (void)why;
    if (req == MACHINE_REQ_RESET && m->opts.no_reboot) m->stop = true;
    m->request = (int)req;
}
