/* What machine.c and boot.c share: the machine's fields. Not a public interface. */
#ifndef BOARDS_MACHINE_INTERNAL_H
#define BOARDS_MACHINE_INTERNAL_H

#include "boards/descriptor.h"
#include "boards/machine.h"
#include "soc/cpu_ports.h"
#include "soc/host_image.h"
#include "soc/scheduler.h"

typedef struct machine_device {
    dev_ctx ctx;
    void *state;
    const board_device *bd;
    bool realized;
} machine_device;

typedef enum { BOOT_NONE, BOOT_ELF, BOOT_LINUX_IMAGE } boot_kind;

/* Everything needed to (re)start the guest: read once at create, placed again on reboot. */
typedef struct boot_plan {
    boot_kind kind;
    char *kernel_path;
    uint8_t *kernel;
    size_t kernel_len;
    uint64_t kernel_addr, entry;
    uint8_t *initrd;
    size_t initrd_len;
    uint64_t initrd_addr;
    char *dtb_path;
    uint8_t *dtb;
    size_t dtb_len;
    uint64_t dtb_addr;
    bool use_spin_table; /* secondaries wait in the armstub for a spin-table release */
    /* --dtb / --initrd with --sd: the user's files, used in place of the card's at every boot */
    uint8_t *user_dtb, *user_initrd;
    size_t user_dtb_len, user_initrd_len;
    char **warned; /* firmware warnings already printed (a reboot reads config.txt again) */
    size_t n_warned;
} boot_plan;

/* machine_debug.c: the debugger's view of the run. */
typedef struct machine_debug_state {
    bool halted, halt_requested;
    bool stopped_on_breakpoint; /* the last halt: breakpoint_core reached a breakpoint */
    unsigned breakpoint_core;
    bool on_breakpoint[SOC_MAX_CORES]; /* stopped at hit_pc and not moved since */
    uint64_t hit_pc[SOC_MAX_CORES];
} machine_debug_state;

struct machine {
    board_desc *desc;
    machine_options opts;
    bus bus;
    vclock clock;
    soc_cpu_ports ports;
    cpu_cluster *cpus;
    unsigned n_cores;
    scheduler sched;
    bool sched_ready;
    machine_device *devices; /* parallel to desc->devices */
    irq_or **gates;          /* OR gates for inputs driven by several sources */
    unsigned n_gates;
    irq_line cpu_pins[SOC_MAX_CORES][2]; /* [core][0 = IRQ, 1 = FIQ] */
    const board_memory *ram; /* the first RAM region: --memory sizes it, Linux gets it */
    uint64_t ram_size;
    boot_plan boot;
    bool request_pending;
    machine_request request;
    char request_why[8400];
    char fault[8400];
    uint64_t instructions_before; /* retired before the scheduler was last (re)created */
    unsigned resets;              /* guest reboots so far (the CLI detects reset loops) */
    char seed_str[24];            /* --seed as a property value for devices with "seed" */
    bool stop_requested;          /* machine_stop during this machine_run */
    machine_debug_state debug;
    /* The --sd image, opened before the devices so its errors name the file alone; the card
     * model and the firmware loader share this open image (and a .gz/.xz's one copy). */
    host_image *sd_hold;
};

/* machine_debug.c, for machine_run: waits while halted (false: machine_stop was called), and
 * turns a finished scheduler run into a halt if the debugger asked for one. */
bool machine_debug_wait(machine *m, void (*poll)(void *opaque), void *opaque);
bool machine_debug_take_halt(machine *m);

/* boot.c: read the images named in the options and decide where they go (at create) ... */
int machine_boot_prepare(machine *m, char *err, size_t errlen);
/* At a guest reboot, before machine_boot_apply: the firmware flow reads the card again (what the
 * guest changed on it counts); other boots keep what was read at create. */
int machine_boot_reload(machine *m, char *err, size_t errlen);
/* ... then write them to memory and set every core's entry state (at create and on reboot). */
int machine_boot_apply(machine *m, char *err, size_t errlen);
void machine_boot_free(machine *m);

#endif
