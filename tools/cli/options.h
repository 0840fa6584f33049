/* socemu's command line: one table of options, in socemu's own spelling and in QEMU's, parsed
 * into settings. Parsing checks syntax only (numbers, sizes, choices); files, boards, regexes
 * and trace names are checked by main, which has the machine and the log at hand. */
#ifndef SOCEMU_CLI_OPTIONS_H
#define SOCEMU_CLI_OPTIONS_H

#include <stdbool.h>

#include "net_user.h"
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CLI_MAX_SERIALS    8 /* = MACHINE_MAX_SERIALS, checked in main.c */
#define CLI_MAX_PATTERNS   16
#define CLI_TRACE_SPEC_MAX 256
#define CLI_MAX_CHARDEVS   8
#define CLI_MAX_MONITORS   4

typedef enum { CLI_RUN, CLI_HELP, CLI_VERSION, CLI_LIST_BOARDS } cli_action;
typedef enum { CLI_DISPLAY_NONE, CLI_DISPLAY_SDL } cli_display;

/* Which order the --serial/-serial list is in: socemu's (the board's UART order) or QEMU's for
 * the same board. The two spellings may not be mixed. */
typedef enum { CLI_SERIAL_UNSET, CLI_SERIAL_BOARD_ORDER, CLI_SERIAL_QEMU_ORDER } cli_serial_order;

/* A QEMU -chardev, as the serial backend spec it stands for ("unix:PATH,server=on"). */
typedef struct cli_chardev {
    char id[64];
    char spec[4200];
    bool used;
} cli_chardev;

/* A monitor: QMP (-qmp, -mon mode=control) or the human monitor (-monitor, -mon). */
typedef struct cli_monitor {
    const char *spec; /* serial backend spec */
    bool control;     /* QMP (JSON) rather than the human monitor */
} cli_monitor;

typedef struct cli_options {
    cli_action action;
    const char *board; /* canonical socemu name after QEMU aliases ("raspi3b" -> "rpi3") */
    const char *kernel, *dtb, *initrd, *append, *sd_image;
    bool sd_write; /* --sd-write, -drive ...,snapshot=off: guest writes reach the image file */
    uint64_t memory_bytes; /* 0 = board default */
    bool memory_from_qemu; /* given as -m: see cli_qemu_memory_is_board_default */
    unsigned smp;          /* 0 = board default */

    const char *serial[CLI_MAX_SERIALS];
    unsigned n_serial;
    cli_serial_order serial_order;

    cli_display display;
    const char *screenshot; /* PNG written at the end of the run */
    double timeout_s;       /* host wall-clock seconds; 0 = none */
    const char *expect[CLI_MAX_PATTERNS];
    unsigned n_expect;
    const char *fail[CLI_MAX_PATTERNS];
    unsigned n_fail;

    const char *log_path;
    char trace_spec[CLI_TRACE_SPEC_MAX]; /* socemu trace words, comma separated ("insn,int") */

    const char *gdb; /* --gdb/-s address ("tcp::1234") */
    bool gdb_wait;   /* -S: start with every core halted (gdb or a monitor continues) */
    cli_chardev chardev[CLI_MAX_CHARDEVS];
    unsigned n_chardev;
    cli_monitor monitor[CLI_MAX_MONITORS];
    unsigned n_monitor;
    const char *exec[CLI_MAX_PATTERNS]; /* --exec: commands for the guest's shell */
    unsigned n_exec;
    const char *login;       /* --login USER[:PASSWORD] */
    const char *prompt;      /* --prompt REGEX */
    const char *junit;       /* --junit FILE */
    const char *result_json; /* --result-json FILE */
    const char *symbols;     /* --symbols System.map */
    bool no_shutdown; /* -no-shutdown: a guest power-off stops the machine; a monitor quits */
    bool nodefaults;  /* -nodefaults: the console UART gets no stdout by default */
    bool realtime, no_reboot, icount, quiet;
    uint64_t seed;

    cli_net net;        /* --net, -nic, -netdev, --net-dump */
    const char *net_by; /* the option that set net, NULL = the default (user, no forwards) */

    const char *dump_dtb; /* --dump-dtb, -M ...,dumpdtb=: write the guest's DTB and exit */

    char board_buf[128]; /* storage for values that are not argv strings as typed */
    char sd_buf[4096];
    char dump_dtb_buf[4096];
} cli_options;

/* Fills o from argv. Returns 0, or -1 with "<what>: <why>" in err (the caller prefixes
 * "socemu: " and exits with EXIT_USAGE). Strings in o point into argv or into o itself. */
int cli_parse(int argc, char **argv, cli_options *o, char *err, size_t errlen);

/* The socemu board name for a QEMU machine name or socemu name (unchanged if not an alias). */
const char *cli_board_alias(const char *name);

/* For -serial (QEMU order): the UART instance name QEMU's n-th serial is on this board, or NULL
 * when the board has no such table (then QEMU order = board order). */
const char *cli_qemu_serial_name(const char *board, unsigned n);

/* Whether a QEMU -m size is the one RAM size QEMU's model of the board takes (raspi3b: 1G, of
 * which the real board's peripherals shadow the top 16 MiB), i.e. socemu's board default. */
bool cli_qemu_memory_is_board_default(const char *board, uint64_t bytes);

/* Full --help text, generated from the option table. */
void cli_print_help(FILE *f);

/* Parses sizes like "1G", "512M", "1024" (bare numbers are MiB, as in QEMU's -m). */
int cli_parse_size(const char *s, uint64_t *bytes);

#endif
