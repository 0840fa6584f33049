/* A machine assembled from a board descriptor: RAM, devices from the registry, IRQ wiring, CPUs,
 * and the boot images given on the command line. This is what the CLI drives. */
#ifndef BOARDS_MACHINE_H
#define BOARDS_MACHINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu/cpu.h"
#include "soc/bus.h"
#include "soc/chardev.h"
#include "soc/clock.h"
#include "soc/device.h"

typedef struct machine machine;

#define MACHINE_MAX_SERIALS 8

typedef struct machine_options {
    const char *board;     /* a built-in board name ("rpi3") or a path to a .board file */
    uint64_t memory_bytes; /* 0 = the board's default */
    unsigned smp;          /* 0 = the board's default */
    const char *kernel;    /* ELF (bare-metal) or arm64 Image (raw, .gz) */
    const char *dtb;
    const char *initrd;
    const char *append; /* kernel command line */
    const char *sd_image;
    bool sd_write; /* guest writes go through to the sd_image file instead of the overlay */
    /* Host ends of the board's UARTs in board order (see machine_serial_names). NULL = the
     * board's default (its console UART gets console_chr, the others nothing). */
    chardev *serial[MACHINE_MAX_SERIALS];
    chardev *console_chr; /* the default for the board's console UART */
    unsigned trace_mask;  /* TRACE_* */
    bool realtime;        /* pace guest time to the wall clock */
    /* NULL or: is a host input source (console stdin, a socket) connected now? While it is,
     * idle time runs no faster than the wall clock (soc/scheduler.h). */
    bool (*live_input)(void);
    bool no_reboot; /* a guest reboot ends the run instead */
    uint64_t seed;  /* seeds kaslr-seed/rng-seed/RNG models: same seed, same run */
    /* A display is wanted: the Pi firmware flow adds a /chosen/framebuffer node (without it the
     * board is headless, like a Pi with no HDMI attached). */
    bool display;
    /* The host end of the board's Ethernet (soc/netport.h), NULL = no cable (--net none). */
    struct netport *net;
    /* The MAC address the firmware flow puts in the DT (local-mac-address); all zero = derived
     * from the board serial (B8:27:EB:...), stable for a given --seed. */
    uint8_t mac[6];
    /* Device types beyond the registry, usable in the board file (tests: fake controllers). */
    const dev_type *const *extra_device_types;
    unsigned n_extra_device_types;
} machine_options;

typedef enum {
    MACHINE_RUN_POWEROFF, /* the guest powered off cleanly */
    MACHINE_RUN_REBOOT,   /* the guest rebooted and no_reboot was set */
    MACHINE_RUN_PANIC,    /* a device or the firmware knows the guest failed */
    MACHINE_RUN_STOPPED,  /* machine_stop() was called (expect/fail/timeout in the CLI) */
    MACHINE_RUN_HUNG,     /* every core idle and no event will ever wake one */
    MACHINE_RUN_FAULT,    /* an emulator fault; see machine_fault_reason */
} machine_run_result;

/* NULL with a one-line reason in err ("boards/rpi3.board:17: unknown device type 'uart9'",
 * "kernel.elf: truncated ELF header") on any bad input. */
machine *machine_create(const machine_options *opts, char *err, size_t errlen);
void machine_free(machine *m);

/* Runs until the guest powers off, fails, or machine_stop is called. poll() is called from the run
 * loop every few milliseconds of host time (to read console input, check timeouts); it may call
 * machine_stop. */
machine_run_result machine_run(machine *m, void (*poll)(void *opaque), void *opaque);
void machine_stop(machine *m);
const char *machine_fault_reason(const machine *m);
/* The device tree blob the boot core gets in x0, after the firmware's overlays and fix-ups (what
 * --dump-dtb writes); NULL when the boot passes none (a bare-metal ELF). */
const void *machine_boot_dtb(const machine *m, size_t *len);
uint64_t machine_guest_ns(const machine *m);     /* virtual time so far */
uint64_t machine_instructions(const machine *m); /* retired, all cores */
unsigned machine_reset_count(const machine *m);  /* guest reboots so far */

/* Debugger support (the gdb stub). A halted machine does not advance: machine_run only calls
 * poll() (about every millisecond) until machine_debug_resume or machine_stop. Halting takes
 * effect at the cores' next instruction boundary; a core reaching a breakpoint halts the machine
 * before executing it. Registers and memory are read through machine_cpus() and cpu/cpu.h. */
void machine_debug_halt(machine *m);
bool machine_debug_halted(const machine *m);
/* The core that halted the machine on a breakpoint, or -1 (halted on request). */
int machine_debug_breakpoint_core(const machine *m);
/* Continues every core; a core still on the breakpoint it stopped at first executes it. */
void machine_debug_resume(machine *m);
/* Runs one instruction on one core while the others stay stopped; the machine stays halted. */
bool machine_debug_step(machine *m, unsigned core);
bool machine_debug_set_breakpoint(machine *m, uint64_t va);
bool machine_debug_clear_breakpoint(machine *m, uint64_t va);

/* The UART instance names of a board in order, for --serial; returns the count. */
unsigned machine_serial_names(const machine *m, const char **names, unsigned max);

/* For tests and tools that look inside a machine (no CPU needed): the bus, the clock, a device's
 * context and state by instance name (NULL if none), the level of a CPU's IRQ/FIQ pin. */
bus *machine_bus(machine *m);
vclock *machine_clock(machine *m);
dev_ctx *machine_device_ctx(machine *m, const char *name);
void *machine_device_state(machine *m, const char *name);
bool machine_cpu_pin_level(const machine *m, unsigned core, bool fiq);
cpu_cluster *machine_cpus(machine *m);
const char *machine_board_name(const machine *m);
/* Device power-off/reset/panic requests end machine_run (machine_request in soc/device.h); this
 * is what the devices' ctx->request calls. */
void machine_device_request(void *machine, machine_request req, const char *why);

/* The guest's framebuffer, for display and screenshot code: what the firmware's mailbox
 * allocation says if the guest asked for one, else the /chosen/framebuffer node the firmware put
 * in the device tree. pixels points into guest RAM (valid until the machine is freed). */
typedef enum {
    MACHINE_FB_R5G6B5,   /* 16 bpp, little-endian */
    MACHINE_FB_R8G8B8,   /* 24 bpp: bytes B, G, R */
    MACHINE_FB_X8R8G8B8, /* 32 bpp words 0xXXRRGGBB (also a8r8g8b8: alpha ignored) */
    MACHINE_FB_X8B8G8R8, /* 32 bpp words 0xXXBBGGRR (the mailbox's RGB pixel order) */
} machine_fb_format;

typedef struct machine_fb {
    const uint8_t *pixels;
    uint64_t base; /* guest physical */
    uint32_t width, height, stride;
    machine_fb_format format;
} machine_fb;

/* false when the guest has no framebuffer (none requested, or it lies outside RAM). */
bool machine_framebuffer(machine *m, machine_fb *fb);

/* Built-in boards: name and one-line description; NULL past the end. */
const char *board_builtin_name(unsigned i);
const char *board_builtin_description(unsigned i);

#endif
