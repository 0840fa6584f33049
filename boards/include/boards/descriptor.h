/* A board descriptor: a .board file (INI) parsed and checked, ready for machine_create.
 * The syntax is documented in docs/boards.md. Every error is one line naming file:line. */
#ifndef BOARDS_DESCRIPTOR_H
#define BOARDS_DESCRIPTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "soc/bus.h"
#include "soc/device.h"

/* Where something was written: the file as shown in messages, and the line (1-based). */
typedef struct board_loc {
    const char *file;
    int line;
} board_loc;

typedef struct board_memory {
    char *name;
    board_loc loc;
    uint64_t base, size;
    uint64_t max_size; /* the largest size --memory may ask for (first RAM region only) */
    bool rom;
} board_memory;

/* CPU pins an irq may be wired to. */
typedef enum { BOARD_PIN_IRQ, BOARD_PIN_FIQ } board_cpu_pin;

/* The far end of an interrupt wire: an input of an interrupt controller device, or a CPU pin.
 * For CPU timer wires the input is line + core_stride * core. */
typedef struct board_irq_target {
    int device; /* index in board_desc.devices, or -1 for a CPU pin */
    unsigned line;
    unsigned core_stride;
    unsigned cpu;      /* CPU pin: core index */
    board_cpu_pin pin; /* CPU pin */
} board_irq_target;

typedef struct board_irq_wire {
    unsigned output; /* index in the device type's irq_outputs */
    board_irq_target target;
    board_loc loc;
} board_irq_wire;

#define BOARD_MAX_DEV_REGIONS 8

typedef struct board_device {
    char *name;
    board_loc loc;
    const dev_type *type; /* NULL for an unimplemented block */
    uint64_t reg_base[BOARD_MAX_DEV_REGIONS], reg_size[BOARD_MAX_DEV_REGIONS];
    board_loc reg_loc[BOARD_MAX_DEV_REGIONS];
    unsigned n_regs;                  /* type->n_regions, or 1 for an unimplemented block */
    char *prop_values[DEV_MAX_PROPS]; /* canonical text, parallel to type->props */
    board_irq_wire *wires;
    unsigned n_wires;
} board_device;

/* A generic timer output of every core, wired to a controller input (core_stride per core). */
typedef struct board_timer_wire {
    unsigned timer; /* CPU_TIMER_* */
    board_irq_target target;
    board_loc loc;
} board_timer_wire;

typedef struct board_desc {
    char *path; /* the main file as shown in messages: "boards/rpi3.board" for a built-in */
    char *name, *description, *cpu_model;
    unsigned cores;
    board_loc cores_loc;
    int console; /* device index of the console UART, -1 if none */
    bus_unmapped_policy unmapped;
    bool has_spin_table; /* Linux Images: secondaries wait on release slots at spin_table + 8n */
    uint64_t spin_table;
    char *firmware;      /* the boot flow for --sd without --kernel ("rpi3"), NULL if none */
    uint64_t sdram_size; /* what the firmware reports as the board's SDRAM (0 = the RAM size) */
    board_memory *memories;
    unsigned n_memories;
    board_device *devices;
    unsigned n_devices;
    unsigned *serial; /* device indices of the UARTs in --serial order */
    unsigned n_serial;
    board_timer_wire *timer_wires;
    unsigned n_timer_wires;
    char **files; /* every file read, owning the strings board_loc.file points at */
    unsigned n_files;
} board_desc;

/* Device types beyond the registry (tests use this for fake interrupt controllers). */
typedef struct board_type_list {
    const dev_type *const *types;
    unsigned n;
} board_type_list;

/* board: a built-in board name ("rpi3") or a path to a .board file (anything containing '/' or
 * ending in ".board"). NULL with "file:line: message" in err on any error. extra may be NULL. */
board_desc *board_desc_load(const char *board, const board_type_list *extra, char *err,
                            size_t errlen);
void board_desc_free(board_desc *d);

/* Index of a named device, or -1. */
int board_desc_find_device(const board_desc *d, const char *name);

/* The board files compiled into the binary (generated from the .board files in boards/). */
typedef struct board_builtin_file {
    const char *file_name; /* "rpi3.board" */
    const char *text;
    const char *board_name; /* NULL for fragments meant only to be included */
    const char *description;
} board_builtin_file;
extern const board_builtin_file board_builtin_files[];
extern const unsigned board_builtin_file_count;

#endif
