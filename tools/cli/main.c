/* socemu: check the command line and every input up front, build the machine, run it while
 * watching the console and the clock, and turn what happened into one exit status for CI. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "boards/descriptor.h"
#include "boards/machine.h"
#include "console_log.h"
#include "console_watch.h"
#include "display_sdl.h"
#include "exec_session.h"
#include "exit_codes.h"
#include "failure_report.h"
#include "gdbstub.h"
#include "net_user.h"
#include "options.h"
#include "progress.h"
#include "qmp.h"
#include "run_results.h"
#include "screenshot.h"
#include "serial_backends.h"
#include "symbols.h"
#include "soc/cpu_ports.h"
#include "soc/log.h"

/* Sanitizer builds (the test build) report their findings as an emulator fault, not as exit 1,
 * which would read as "guest failed". The runtimes call these if present. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) {
    return "exitcode=4";
}
const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void) {
    return "exitcode=4";
}

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED_BUILD 1
#elif defined(__has_feature)
#define SANITIZED_BUILD __has_feature(address_sanitizer)
#else
#define SANITIZED_BUILD 0
#endif

_Static_assert(CLI_MAX_SERIALS == MACHINE_MAX_SERIALS, "one serial list per UART");

/* More resets than this in one run (without --no-reboot) is a reset loop: a guest failure. */
#define RESET_LOOP_LIMIT 3

/* A guest that printed nothing while every core stayed inside a span this small for this long
 * (guest time; or host time, as a guest looping through exceptions advances its clock slowly)
 * is probably stuck (a junk kernel=, a user program as --kernel): said once. */
#define STUCK_AFTER_NS   UINT64_C(5000000000)
#define STUCK_AFTER_HOST 10.0
#define STUCK_SPAN       4096u

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...) {
    static char msg[20000]; /* err (16 KiB) and a little more */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fputs("socemu: ", stderr);
    soc_log_put_escaped(stderr, msg); /* a junk file's bytes are shown escaped */
    fputc('\n', stderr);
    return EXIT_USAGE;
}

static double host_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- up-front checks ---- */

static bool is_builtin_board(const char *name) {
    for (unsigned i = 0; board_builtin_name(i); i++)
        if (strcmp(board_builtin_name(i), name) == 0) return true;
    return false;
}

static bool looks_like_board_file(const char *name) {
    size_t n = strlen(name);
    return strchr(name, '/') || (n > 6 && strcmp(name + n - 6, ".board") == 0);
}

/* The file must exist, be readable and not be a directory; err gets "path: why". */
static bool readable_file(const char *path, char *err, size_t errlen) {
    struct stat st;
    if (stat(path, &st) != 0 || access(path, R_OK) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return false;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: %s", path, strerror(EISDIR));
        return false;
    }
    return true;
}

#define SNIFF_BYTES 512

/* What a file starting with these bytes is when it is not a card image socemu reads: a phrase
 * and the advice, or NULL (raw, or gzip/xz/zstd, which are read). */
static const char *foreign_format(const uint8_t *head, size_t len, const char **advice) {
    static const char convert[] = "convert it with qemu-img convert -O raw";
    static const struct {
        size_t offset;
        const char *magic;
        size_t magic_len;
        const char *what, *advice;
    } formats[] = {
        {0, "QFI\xfb", 4, "a qcow2 image", convert},
        {0, "KDMV", 4, "a VMware VMDK image", convert},
        {0, "# Disk DescriptorFile", 21, "a VMware VMDK descriptor", convert},
        {0, "vhdxfile", 8, "a Hyper-V VHDX image", convert},
        {0, "conectix", 8, "a dynamic VHD image", convert},
        {0x40, "\x7f\x10\xda\xbe", 4, "a VirtualBox VDI image", convert},
        {0, "BZh", 3, "bzip2-compressed", "decompress it (bunzip2), or recompress it with xz"},
        {0, "PK\x03\x04", 4, "a zip archive", "unpack the image from it (unzip)"},
        {0, "7z\xbc\xaf\x27\x1c", 6, "a 7-Zip archive", "unpack the image from it (7z x)"},
        {0, "\x04\x22\x4d\x18", 4, "lz4-compressed", "decompress it (lz4 -d)"},
        {257, "ustar", 5, "a tar archive", "unpack the image from it (tar xf)"},
    };
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        if (formats[i].offset + formats[i].magic_len > len) continue;
        if (memcmp(head + formats[i].offset, formats[i].magic, formats[i].magic_len) != 0) continue;
        *advice = formats[i].advice;
        return formats[i].what;
    }
    return NULL;
}

/* A card in a format socemu does not read (qcow2, a zip of the image...) would be read as raw
 * bytes and fail later with a puzzling "no MBR partition table": say what it is instead. */
static bool foreign_card(const char *path, char *err, size_t errlen) {
    uint8_t head[SNIFF_BYTES];
    FILE *f = fopen(path, "rb");
    if (!f) return false; /* the open later says why */
    size_t n = fread(head, 1, sizeof head, f);
    fclose(f);
    const char *advice = NULL;
    const char *what = foreign_format(head, n, &advice);
    if (!what) return false;
    snprintf(err, errlen,
             "%s: %s; socemu reads raw card images (.img, or .img.gz/.img.xz/.img.zst): %s", path,
             what, advice);
    return true;
}

static int check_inputs(const cli_options *o, char *err, size_t errlen) {
    if (!o->board) {
        snprintf(err, errlen, "no board given: use --board NAME (try --list-boards)");
        return -1;
    }
    if (looks_like_board_file(o->board)) {
        if (!readable_file(o->board, err, errlen)) return -1;
    } else if (!is_builtin_board(o->board)) {
        snprintf(err, errlen, "unknown board '%s' (try --list-boards)", o->board);
        return -1;
    }
    if (!o->sd_image && !o->kernel) {
        snprintf(err, errlen, "nothing to boot: give --sd IMAGE or --kernel FILE");
        return -1;
    }
    if (o->sd_write && !o->sd_image) {
        snprintf(err, errlen, "--sd-write: there is no --sd IMAGE to write to");
        return -1;
    }
    const char *files[] = {o->sd_image, o->kernel, o->dtb, o->initrd};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        if (files[i] && !readable_file(files[i], err, errlen)) return -1;
    if (o->sd_image && foreign_card(o->sd_image, err, errlen)) return -1;
    if (o->gdb_wait && !o->gdb && !o->n_monitor) {
        /* Without a debugger or a monitor nothing could ever start the cores. */
        snprintf(err, errlen,
                 "-S: needs --gdb tcp::PORT, -s, or a monitor (-qmp, -monitor) to "
                 "continue");
        return -1;
    }
    return 0;
}

/* ---- serial wiring ---- */

typedef struct board_uarts {
    char names[MACHINE_MAX_SERIALS][64];
    unsigned count;
    int console_slot; /* -1: the board has no console UART */
} board_uarts;

static int read_board_uarts(const char *board, board_uarts *u, char *err, size_t errlen) {
    board_desc *d = board_desc_load(board, NULL, err, errlen);
    if (!d) return -1;
    memset(u, 0, sizeof *u);
    u->console_slot = -1;
    for (unsigned i = 0; i < d->n_serial && i < MACHINE_MAX_SERIALS; i++) {
        snprintf(u->names[i], sizeof u->names[i], "%s", d->devices[d->serial[i]].name);
        if ((int)d->serial[i] == d->console) u->console_slot = (int)i;
        u->count++;
    }
    board_desc_free(d);
    return 0;
}

/* The board slot the n-th -serial/--serial lands on, or -1. */
static int serial_slot(const cli_options *o, const board_uarts *u, unsigned n) {
    if (o->serial_order == CLI_SERIAL_QEMU_ORDER) {
        const char *name = cli_qemu_serial_name(o->board, n);
        if (name) {
            for (unsigned i = 0; i < u->count; i++)
                if (strcmp(u->names[i], name) == 0) return (int)i;
            return -1;
        }
    }
    return n < u->count ? (int)n : -1;
}

typedef struct run_state {
    cli_options opts;
    board_uarts uarts;
    serial_backend *backends[MACHINE_MAX_SERIALS + 1];
    unsigned n_backends;
    console_watch *watch;
    exec_session *exec; /* --exec */
    console_log *clog;  /* the console, for --junit/--result-json and the failure report */
    failure_watch *fwatch;
    symbols *syms; /* --symbols */
    progress prog;
    double start_wall;
    const char *summary; /* the end-of-run line */
    machine *m;
    gdb_stub *gdb;
    monitor *monitors[CLI_MAX_MONITORS];
    display_sdl *display;
    bool window_closed;
    FILE *log;
    double host_start, deadline;
    bool timed_out;
    unsigned resets;       /* seen when the reset loop was declared */
    char sink_error[8192]; /* a console or log write failed: the run is an emulator fault */
    /* the stuck-guest watch: sampled PCs from the run loop, never from the CPU */
    bool printed, stuck_warned, stuck_armed;
    uint64_t stuck_since_ns;
    double stuck_since_host;
    uint64_t stuck_lo[SOC_MAX_CORES], stuck_hi[SOC_MAX_CORES];
    unsigned stuck_el[SOC_MAX_CORES];
} run_state;

static void watch_output(void *opaque, unsigned stream, const uint8_t *data, size_t len) {
    run_state *rs = opaque;
    if (len) rs->printed = true;
    console_watch_feed(rs->watch, stream, data, len);
    console_log_feed(rs->clog, data, len);
    if (rs->exec && (int)stream == rs->uarts.console_slot)
        exec_session_feed(rs->exec, data, len, rs->m ? machine_guest_ns(rs->m) : 0);
}

static serial_backend *open_backend(run_state *rs, const char *spec, unsigned slot, char *err,
                                    size_t errlen) {
    serial_backend *b = serial_backend_open(spec, err, errlen);
    if (!b) return NULL;
    rs->backends[rs->n_backends++] = b;
    serial_backend_set_observer(b, watch_output, rs, slot);
    return b;
}

/* Explicit backends go to their slots; the console UART keeps stdout unless one was given for it,
 * so a console is never lost silently; other UARTs without a backend get nothing. */
static int wire_serials(run_state *rs, machine_options *mo, char *err, size_t errlen) {
    const cli_options *o = &rs->opts;
    const char *flag = o->serial_order == CLI_SERIAL_QEMU_ORDER ? "-serial" : "--serial";
    for (unsigned n = 0; n < o->n_serial; n++) {
        int slot = serial_slot(o, &rs->uarts, n);
        if (slot < 0) {
            snprintf(err, errlen, "%s %s: board %s has only %u UART%s", flag, o->serial[n],
                     o->board, rs->uarts.count, rs->uarts.count == 1 ? "" : "s");
            return -1;
        }
        bool stdio = !strcmp(o->serial[n], "stdio") || !strcmp(o->serial[n], "mon:stdio");
        for (unsigned i = 0; stdio && i < o->n_monitor; i++) {
            if (monitor_uses_stdio(rs->monitors[i])) {
                snprintf(err, errlen, "%s %s: stdio is already the monitor's (%s)", flag,
                         o->serial[n], o->monitor[i].spec);
                return -1;
            }
        }
        serial_backend *b = open_backend(rs, o->serial[n], (unsigned)slot, err, errlen);
        if (!b) return -1;
        mo->serial[slot] = serial_backend_chardev(b);
    }
    int console = rs->uarts.console_slot;
    if (console >= 0 && !mo->serial[console] && (o->nodefaults || rs->exec)) {
        /* --exec: stdout carries the commands' output only; -nodefaults: nothing by default.
         * The console watch (and --exec) still see the console. */
        serial_backend *b = open_backend(rs, "null", (unsigned)console, err, errlen);
        if (!b) return -1;
        mo->console_chr = serial_backend_chardev(b);
    }
    if (console >= 0 && !mo->serial[console] && !mo->console_chr) {
        for (unsigned i = 0; i < o->n_monitor; i++) {
            if (rs->monitors[i] && monitor_uses_stdio(rs->monitors[i])) {
                snprintf(err, errlen,
                         "%s: stdio is the monitor's, and the console UART (%s) has no other "
                         "backend: give it one with -serial/--serial (or -nodefaults for none)",
                         o->monitor[i].spec, rs->uarts.names[console]);
                return -1;
            }
        }
        serial_backend *b = open_backend(rs, "stdio", (unsigned)console, err, errlen);
        if (!b) return -1;
        mo->console_chr = serial_backend_chardev(b);
    }
    return 0;
}

/* ---- the run ---- */

static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig) {
    serial_terminal_restore();
    if (stop_signal) _exit(128 + sig); /* a second signal: the run loop is not answering */
    stop_signal = sig;
}

#if !SANITIZED_BUILD
static void on_fatal_signal(int sig) {
    serial_terminal_restore();
    static const char msg[] = "\nsocemu: emulator fault: fatal signal\n";
    (void)!write(STDERR_FILENO, msg, sizeof msg - 1);
    _exit(EXIT_EMULATOR_FAULT);
}
#endif

/* --timeout counts the setup too (decompressing a large card can take minutes): a timer for
 * the time left ends a setup that overruns it, with nothing to clean up yet (the decompressed
 * copy has no name). */
static void on_setup_timeout(int sig) {
    (void)sig;
    serial_terminal_restore();
    static const char msg[] = "socemu: timed out during setup (reading and decompressing the "
                              "inputs), before the guest started\n";
    (void)!write(STDERR_FILENO, msg, sizeof msg - 1);
    _exit(EXIT_TIMED_OUT);
}

static void arm_setup_timer(double seconds) {
    struct itimerval it = {0};
    if (seconds > 0) {
        it.it_value.tv_sec = (time_t)seconds;
        it.it_value.tv_usec = (suseconds_t)((seconds - (double)(time_t)seconds) * 1e6);
        if (!it.it_value.tv_sec && !it.it_value.tv_usec) it.it_value.tv_usec = 1;
        signal(SIGALRM, on_setup_timeout);
    }
    setitimer(ITIMER_REAL, &it, NULL); /* seconds <= 0: disarmed */
}

static void install_signal_handlers(void) {
    struct sigaction sa = {.sa_handler = on_stop_signal};
    sigemptyset(&sa.sa_mask);
    const int stops[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
    for (size_t i = 0; i < sizeof stops / sizeof stops[0]; i++)
        sigaction(stops[i], &sa, NULL);
    signal(SIGPIPE, SIG_IGN); /* a closed stdout reader must not kill the run */
#if !SANITIZED_BUILD
    /* Leave the terminal usable even if socemu crashes (sanitizer builds report instead). */
    sa.sa_handler = on_fatal_signal;
    sa.sa_flags = SA_RESETHAND;
    const int fatals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
    for (size_t i = 0; i < sizeof fatals / sizeof fatals[0]; i++)
        sigaction(fatals[i], &sa, NULL);
#endif
}

/* A write error on the console or the --log file: the output is incomplete, so the run cannot
 * pass. Returns true (reason in rs->sink_error) once one happened. */
static bool sink_failed(run_state *rs) {
    if (rs->sink_error[0]) return true;
    if (serial_backends_write_error(rs->sink_error, sizeof rs->sink_error)) return true;
    int e = soc_log_write_error();
    if (e && rs->log) {
        snprintf(rs->sink_error, sizeof rs->sink_error, "cannot write the log to %s: %s",
                 rs->opts.log_path, strerror(e));
        return true;
    }
    return false;
}

/* Samples every core's PC: when the guest has printed nothing and no core has left a small span
 * of addresses for STUCK_AFTER_NS of guest time, says so once (the run goes on). */
static void watch_stuck(run_state *rs) {
    if (rs->printed || rs->stuck_warned) return;
    if (machine_debug_halted(rs->m)) { /* a debugger has it: start over when it resumes */
        rs->stuck_armed = false;
        return;
    }
    cpu_cluster *cpus = machine_cpus(rs->m);
    unsigned n = cpus ? cpu_cluster_size(cpus) : 0;
    if (n > SOC_MAX_CORES) n = SOC_MAX_CORES;
    uint64_t now = machine_guest_ns(rs->m);
    bool moved = !rs->stuck_armed;
    for (unsigned c = 0; c < n && !moved; c++) {
        arm_cpu *cpu = cpu_cluster_core(cpus, c);
        uint64_t pc = cpu_get_pc(cpu);
        uint64_t lo = pc < rs->stuck_lo[c] ? pc : rs->stuck_lo[c];
        uint64_t hi = pc > rs->stuck_hi[c] ? pc : rs->stuck_hi[c];
        if (hi - lo >= STUCK_SPAN || cpu_get_el(cpu) != rs->stuck_el[c]) moved = true;
        rs->stuck_lo[c] = lo, rs->stuck_hi[c] = hi;
    }
    if (moved) { /* start a new window here */
        for (unsigned c = 0; c < n; c++) {
            arm_cpu *cpu = cpu_cluster_core(cpus, c);
            rs->stuck_lo[c] = rs->stuck_hi[c] = cpu_get_pc(cpu);
            rs->stuck_el[c] = cpu_get_el(cpu);
        }
        rs->stuck_since_ns = now;
        rs->stuck_since_host = host_seconds();
        rs->stuck_armed = true;
        return;
    }
    if (now - rs->stuck_since_ns < STUCK_AFTER_NS &&
        host_seconds() - rs->stuck_since_host < STUCK_AFTER_HOST)
        return;
    rs->stuck_warned = true;
    char where[64];
    if (rs->stuck_lo[0] == rs->stuck_hi[0])
        snprintf(where, sizeof where, "0x%llx", (unsigned long long)rs->stuck_lo[0]);
    else
        snprintf(where, sizeof where, "0x%llx-0x%llx", (unsigned long long)rs->stuck_lo[0],
                 (unsigned long long)rs->stuck_hi[0]);
    fprintf(stderr,
            "socemu: warning: no console output after %.1f s guest time (%.1f s host); core 0 is "
            "looping at %s (EL%u)",
            (double)now / 1e9, host_seconds() - rs->host_start, where, rs->stuck_el[0]);
    if (n > 1) fputs(", every other core in a loop too", stderr);
    fputs(": is the kernel a program for this board?\n", stderr);
}

static bool monitor_quit(const run_state *rs) {
    for (unsigned i = 0; i < rs->opts.n_monitor; i++)
        if (monitor_quit_requested(rs->monitors[i])) return true;
    return false;
}

static unsigned guest_resets(const run_state *rs) {
    unsigned n = machine_reset_count(rs->m);
    for (unsigned i = 0; i < rs->opts.n_monitor; i++) {
        unsigned host = monitor_host_resets(rs->monitors[i]);
        n = host < n ? n - host : 0;
    }
    return n;
}

static void poll_run(void *opaque) {
    run_state *rs = opaque;
    if (rs->gdb) gdb_stub_poll(rs->gdb);
    serial_backends_poll();
    net_user_poll();
    for (unsigned i = 0; i < rs->opts.n_monitor; i++)
        monitor_poll(rs->monitors[i]);
    if (rs->display && !display_sdl_poll(rs->display, rs->m)) rs->window_closed = true;
    watch_stuck(rs);
    if (rs->exec) exec_session_poll(rs->exec, machine_guest_ns(rs->m));
    double now = host_seconds();
    failure_watch_sample(rs->fwatch, rs->m, now);
    progress_update(&rs->prog, now, now - rs->host_start, machine_guest_ns(rs->m),
                    machine_instructions(rs->m), console_log_lines(rs->clog));
    watch_verdict v = console_watch_idle(rs->watch);
    if (v == WATCH_EXPECT && rs->exec && !exec_session_done(rs->exec))
        v = WATCH_RUNNING; /* --exec: the commands still run after --expect matched */
    if (v != WATCH_RUNNING || serial_quit_requested() || stop_signal || rs->window_closed ||
        sink_failed(rs) || monitor_quit(rs) || exec_session_done(rs->exec)) {
        machine_stop(rs->m);
    } else if (rs->deadline > 0 && host_seconds() >= rs->deadline) {
        rs->timed_out = true;
        machine_stop(rs->m);
    } else if (!rs->opts.no_reboot && guest_resets(rs) > RESET_LOOP_LIMIT) {
        rs->resets = guest_resets(rs);
        machine_stop(rs->m);
    }
}

/* The monitors hear how the run ended (SHUTDOWN); with -no-shutdown a guest power-off leaves the
 * machine stopped and the run waits for a monitor's quit (or the timeout, or a signal). */
static machine_run_result after_run(run_state *rs, machine_run_result r) {
    if (!rs->opts.n_monitor) return r;
    bool guest = r == MACHINE_RUN_POWEROFF || r == MACHINE_RUN_REBOOT;
    const char *reason = r == MACHINE_RUN_POWEROFF ? "guest-shutdown"
                         : r == MACHINE_RUN_REBOOT ? "guest-reset"
                         : r == MACHINE_RUN_PANIC  ? "guest-panic"
                         : monitor_quit(rs)        ? "host-qmp-quit"
                         : stop_signal             ? "host-signal"
                                                   : "host-error";
    for (unsigned i = 0; i < rs->opts.n_monitor; i++)
        monitor_shutdown(rs->monitors[i], guest, reason);
    if (!guest || !rs->opts.no_shutdown) return r;
    const struct timespec tick = {.tv_sec = 0, .tv_nsec = 1000000};
    while (!monitor_quit(rs) && !stop_signal && !sink_failed(rs)) {
        if (rs->deadline > 0 && host_seconds() >= rs->deadline) {
            rs->timed_out = true;
            break;
        }
        serial_backends_poll();
        for (unsigned i = 0; i < rs->opts.n_monitor; i++)
            monitor_poll(rs->monitors[i]);
        nanosleep(&tick, NULL);
    }
    return r;
}

/* "after 12.3 s guest time, 4.5 s host (123456789 instructions)" */
static void format_times(const run_state *rs, char *buf, size_t len) {
    snprintf(buf, len, "after %.1f s guest time, %.1f s host (%llu instructions)",
             (double)machine_guest_ns(rs->m) / 1e9, host_seconds() - rs->host_start,
             (unsigned long long)machine_instructions(rs->m));
}

static const char *reason_or(const machine *m, const char *fallback) {
    const char *why = machine_fault_reason(m);
    return why && *why ? why : fallback;
}

/* Turns the run's end into the exit status and its one summary line. */
static int conclude(run_state *rs, machine_run_result r) {
    static char line[20000]; /* a reason can name a file (PATH_MAX) or two */
    char times[160];
    format_times(rs, times, sizeof times);
    if (r != MACHINE_RUN_FAULT) console_watch_flush(rs->watch); /* a last prompt counts too */
    const char *pattern = console_watch_pattern(rs->watch);
    int code;
    if (rs->log && fflush(rs->log) != 0 && !rs->sink_error[0])
        snprintf(rs->sink_error, sizeof rs->sink_error, "cannot write the log to %s: %s",
                 rs->opts.log_path, strerror(errno));
    if (sink_failed(rs)) {
        code = EXIT_EMULATOR_FAULT;
        snprintf(line, sizeof line, "emulator fault: %s %s", rs->sink_error, times);
        goto done;
    }
    watch_verdict verdict =
        r == MACHINE_RUN_FAULT ? WATCH_RUNNING : console_watch_verdict(rs->watch);
    if (rs->exec && exec_session_done(rs->exec) && verdict != WATCH_FAIL &&
        verdict != WATCH_PANIC) {
        int bad = exec_session_first_failure(rs->exec);
        unsigned n = exec_session_count(rs->exec);
        if (bad >= 0) {
            const exec_result *e = exec_session_result(rs->exec, (unsigned)bad);
            code = EXIT_GUEST_FAILED;
            snprintf(line, sizeof line, "guest failed: --exec '%s' exited %d %s", e->command,
                     e->status, times);
        } else if (rs->opts.n_expect && verdict != WATCH_EXPECT) {
            code = EXIT_GUEST_FAILED;
            snprintf(line, sizeof line,
                     "guest failed: the --exec command%s exited 0 but --expect never matched %s",
                     n == 1 ? "" : "s", times);
        } else {
            code = EXIT_PASSED;
            snprintf(line, sizeof line, "passed: %u --exec command%s exited 0 %s", n,
                     n == 1 ? "" : "s", times);
        }
        goto done;
    }
    switch (verdict) {
    case WATCH_EXPECT:
        code = EXIT_PASSED;
        snprintf(line, sizeof line, "passed: console matched --expect '%s' %s", pattern, times);
        break;
    case WATCH_FAIL:
        code = EXIT_GUEST_FAILED;
        snprintf(line, sizeof line, "guest failed: console matched --fail '%s' %s: %s", pattern,
                 times, console_watch_line(rs->watch));
        break;
    case WATCH_PANIC:
        code = EXIT_GUEST_FAILED;
        snprintf(line, sizeof line, "guest failed: kernel panic %s: %s", times,
                 console_watch_line(rs->watch));
        break;
    case WATCH_RUNNING:
    default: code = -1; break;
    }
    if (code >= 0) goto done;

    const char *waiting = rs->opts.n_expect ? " before --expect matched" : "";
    if (r == MACHINE_RUN_FAULT) {
        code = EXIT_EMULATOR_FAULT;
        snprintf(line, sizeof line, "emulator fault: %s %s", reason_or(rs->m, "no reason given"),
                 times);
    } else if (stop_signal) {
        code = 128 + stop_signal;
        snprintf(line, sizeof line, "stopped by signal %d (%s) %s", (int)stop_signal,
                 strsignal(stop_signal), times);
    } else if (rs->gdb && gdb_stub_killed(rs->gdb)) {
        code = EXIT_PASSED;
        snprintf(line, sizeof line, "killed from gdb %s", times);
    } else if (monitor_quit(rs)) {
        code = EXIT_PASSED;
        snprintf(line, sizeof line, "quit from the monitor %s", times);
    } else if (serial_quit_requested()) {
        code = EXIT_PASSED;
        snprintf(line, sizeof line, "quit from the console (Ctrl-A x) %s", times);
    } else if (rs->window_closed) {
        code = EXIT_PASSED;
        snprintf(line, sizeof line, "display window closed %s", times);
    } else if (rs->resets) {
        code = EXIT_GUEST_FAILED;
        snprintf(line, sizeof line, "guest failed: reset loop (%u resets) %s", rs->resets, times);
    } else if (rs->timed_out && rs->exec) {
        code = EXIT_TIMED_OUT;
        snprintf(line, sizeof line, "timed out waiting for %s %s",
                 exec_session_waiting_for(rs->exec), times);
    } else if (rs->timed_out) {
        code = EXIT_TIMED_OUT;
        snprintf(line, sizeof line, "timed out%s %s",
                 rs->opts.n_expect ? " waiting for --expect" : "", times);
    } else if (r == MACHINE_RUN_POWEROFF || r == MACHINE_RUN_REBOOT) {
        /* With --expect, CI asked to see something: ending without it is not a pass. */
        code = rs->opts.n_expect ? EXIT_GUEST_FAILED : EXIT_PASSED;
        snprintf(
            line, sizeof line, "%s: guest %s%s %s", rs->opts.n_expect ? "guest failed" : "passed",
            r == MACHINE_RUN_POWEROFF ? "powered off" : "rebooted (--no-reboot)", waiting, times);
    } else if (r == MACHINE_RUN_PANIC) {
        code = EXIT_GUEST_FAILED;
        snprintf(line, sizeof line, "guest failed: %s %s",
                 reason_or(rs->m, "the machine reported a guest failure"), times);
    } else if (r == MACHINE_RUN_HUNG) {
        code = EXIT_GUEST_FAILED;
        snprintf(line, sizeof line, "guest hung: all cores idle with no pending events %s", times);
    } else {
        code = EXIT_EMULATOR_FAULT;
        snprintf(line, sizeof line, "emulator fault: the run stopped for no reason %s", times);
    }
done:
    rs->summary = line;
    progress_clear(&rs->prog);
    if (!rs->opts.quiet || code == EXIT_EMULATOR_FAULT) {
        fputs("socemu: ", stderr);
        soc_log_put_escaped(stderr, line); /* the guest's console line may carry escapes */
        fputc('\n', stderr);
    }
    return code;
}

/* --screenshot at the end of the run: a missing framebuffer is reported, not a run failure. */
static void save_screenshot(run_state *rs) {
    screenshot_image img = {0};
    char err[512];
    if (!screenshot_capture(rs->m, &img))
        fprintf(stderr, "socemu: warning: --screenshot %s: the guest has no framebuffer\n",
                rs->opts.screenshot);
    else if (screenshot_write_png(&img, rs->opts.screenshot, err, sizeof err) != 0)
        fprintf(stderr, "socemu: warning: --screenshot %s\n", err);
    screenshot_image_free(&img);
}

static int list_boards(void) {
    for (unsigned i = 0; board_builtin_name(i); i++)
        printf("%-10s %s\n", board_builtin_name(i), board_builtin_description(i));
    return EXIT_PASSED;
}

static void release(run_state *rs) {
    serial_terminal_restore();
    gdb_stub_free(rs->gdb);
    for (unsigned i = 0; i < CLI_MAX_MONITORS; i++)
        monitor_free(rs->monitors[i]);
    if (rs->display) display_sdl_close(rs->display);
    if (rs->m) machine_free(rs->m);
    net_user_stop();
    for (unsigned i = 0; i < rs->n_backends; i++)
        serial_backend_free(rs->backends[i]);
    console_watch_free(rs->watch);
    console_log_free(rs->clog);
    failure_watch_free(rs->fwatch);
    symbols_free(rs->syms);
    exec_session_free(rs->exec);
    if (rs->log) {
        soc_log_set_file(NULL);
        fclose(rs->log);
    }
}

/* Host input still to come: a serial backend's (stdin, a socket, a monitor's), --exec's
 * commands not yet typed to the end, or a guest with its Ethernet up. While there is, idle guest
 * time is paced to the wall clock (the scheduler waits for the input instead of skipping ahead or
 * declaring the guest hung). */
static exec_session *pending_exec;

static bool live_input(void) {
    return serial_backends_have_live_input() ||
           (pending_exec && !exec_session_done(pending_exec)) || net_user_active();
}

/* --symbols, or a System.map next to --kernel (as Debian's /boot has it: System.map-VERSION
 * beside vmlinuz-VERSION, or System.map beside Image). */
static int load_symbols(run_state *rs, char *err, size_t errlen) {
    const cli_options *o = &rs->opts;
    if (o->symbols) {
        rs->syms = symbols_load(o->symbols, err, errlen);
        return rs->syms ? 0 : -1;
    }
    if (!o->kernel) return 0;
    char path[4200];
    const char *slash = strrchr(o->kernel, '/');
    int dir = slash ? (int)(slash - o->kernel + 1) : 0;
    const char *base = o->kernel + dir;
    const char *dash = strchr(base, '-');
    const char *candidates[2] = {"System.map", NULL};
    char versioned[512];
    if (dash) {
        snprintf(versioned, sizeof versioned, "System.map%s", dash);
        candidates[1] = versioned;
    }
    for (int i = 1; i >= 0; i--) {
        if (!candidates[i]) continue;
        snprintf(path, sizeof path, "%.*s%s", dir, o->kernel, candidates[i]);
        if (access(path, R_OK) != 0) continue;
        char ignored[256];
        rs->syms = symbols_load(path, ignored, sizeof ignored);
        if (rs->syms) return 0;
    }
    return 0;
}

/* After the summary: the failure report, --junit and --result-json. A results file that cannot
 * be written makes the run an emulator fault (CI would read a stale or missing file). */
static int report(run_state *rs, int code) {
    if ((code == EXIT_GUEST_FAILED || code == EXIT_TIMED_OUT) && !rs->opts.quiet) {
        char waiting[700] = "";
        if (rs->exec && !exec_session_done(rs->exec))
            snprintf(waiting, sizeof waiting, "%s", exec_session_waiting_for(rs->exec));
        else if (rs->opts.n_expect && console_watch_verdict(rs->watch) != WATCH_EXPECT)
            snprintf(waiting, sizeof waiting, "--expect '%s'%s", rs->opts.expect[0],
                     rs->opts.n_expect > 1 ? " (or another --expect)" : "");
        failure_report_print(stderr, rs->m, rs->fwatch, rs->clog, rs->syms,
                             waiting[0] ? waiting : NULL);
    }
    if (!rs->opts.junit && !rs->opts.result_json) return code;
    static run_results rr;
    run_results_build(&rr, &rs->opts, rs->watch, rs->exec, rs->clog, code,
                      rs->summary ? rs->summary : "", host_seconds() - rs->host_start,
                      (double)machine_guest_ns(rs->m) / 1e9, machine_instructions(rs->m),
                      rs->start_wall);
    char err[4400];
    if ((rs->opts.junit && junit_write(&rr, rs->opts.junit, err, sizeof err) != 0) ||
        (rs->opts.result_json && result_json_write(&rr, rs->opts.result_json, err, sizeof err))) {
        fprintf(stderr, "socemu: emulator fault: cannot write the results: %s\n", err);
        return EXIT_EMULATOR_FAULT;
    }
    return code;
}

/* Everything that can be wrong with the input is found here, before the guest runs. */
static int prepare(run_state *rs, char *err, size_t errlen) {
    cli_options *o = &rs->opts;
    if (check_inputs(o, err, errlen) != 0) return -1;

    unsigned trace_mask = 0;
    char why[256];
    if (!soc_trace_parse(o->trace_spec, &trace_mask, why, sizeof why)) {
        snprintf(err, errlen, "--trace: %s", why);
        return -1;
    }
    rs->watch = console_watch_new();
    if (!rs->watch) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (unsigned i = 0; i < o->n_expect; i++)
        if (console_watch_add(rs->watch, WATCH_KIND_EXPECT, o->expect[i], err, errlen) != 0)
            return -1;
    for (unsigned i = 0; i < o->n_fail; i++)
        if (console_watch_add(rs->watch, WATCH_KIND_FAIL, o->fail[i], err, errlen) != 0) return -1;
    rs->clog = console_log_new(8u << 20);
    rs->fwatch = failure_watch_new();
    if (!rs->clog || !rs->fwatch) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (load_symbols(rs, err, errlen) != 0) return -1;
    if (o->n_exec) {
        rs->exec = exec_session_new(o->exec, o->n_exec, o->login, o->prompt, stdout, err, errlen);
        if (!rs->exec) return -1;
        pending_exec = rs->exec;
    } else if (o->login || o->prompt) {
        snprintf(err, errlen, "%s: only means something with --exec",
                 o->login ? "--login" : "--prompt");
        return -1;
    }
    if (o->log_path) {
        rs->log = fopen(o->log_path, "w");
        if (!rs->log) {
            snprintf(err, errlen, "%s: %s", o->log_path, strerror(errno));
            return -1;
        }
        soc_log_set_file(rs->log);
    }
    soc_trace_mask = trace_mask;
    if (read_board_uarts(o->board, &rs->uarts, err, errlen) != 0) return -1;

    if (o->memory_from_qemu && cli_qemu_memory_is_board_default(o->board, o->memory_bytes))
        o->memory_bytes = 0;
    machine_options mo = {
        .board = o->board,
        .memory_bytes = o->memory_bytes,
        .smp = o->smp,
        .kernel = o->kernel,
        .dtb = o->dtb,
        .initrd = o->initrd,
        .append = o->append,
        .sd_image = o->sd_image,
        .sd_write = o->sd_write,
        .trace_mask = trace_mask,
        .realtime = o->realtime,
        .live_input = live_input,
        .no_reboot = o->no_reboot,
        .seed = o->seed,
        .display = o->display == CLI_DISPLAY_SDL || o->screenshot,
    };
    /* Monitors first: a stdio monitor owns stdin (a console on stdio then gets output only). */
    for (unsigned i = 0; i < o->n_monitor; i++) {
        rs->monitors[i] = monitor_open(o->monitor[i].spec, o->monitor[i].control, err, errlen);
        if (!rs->monitors[i]) return -1;
    }
    if (wire_serials(rs, &mo, err, errlen) != 0) return -1;
    if (o->net.have_mac) memcpy(mo.mac, o->net.mac, 6);
    if (!o->dump_dtb) {
        mo.net = net_user_start(&o->net, err, errlen);
        if (!mo.net) return -1;
    }
    rs->m = machine_create(&mo, err, errlen);
    if (!rs->m) return -1;
    if (mo.net && !mo.net->receive) net_user_stop(); /* the board has no Ethernet */
    if (rs->exec && rs->uarts.console_slot >= 0) {
        chardev *c = mo.serial[rs->uarts.console_slot];
        exec_session_attach(rs->exec, c ? c : mo.console_chr);
    } else if (rs->exec) {
        snprintf(err, errlen, "--exec: board %s has no console UART", o->board);
        return -1;
    }
    for (unsigned i = 0; i < o->n_monitor; i++)
        monitor_attach(rs->monitors[i], rs->m, o->gdb_wait);
    if (o->gdb) {
        rs->gdb = gdb_stub_open(o->gdb, rs->m, err, errlen);
        if (!rs->gdb) return -1;
    }
    if (o->gdb_wait) machine_debug_halt(rs->m);
    if (o->display == CLI_DISPLAY_SDL) {
        char title[160];
        snprintf(title, sizeof title, "socemu: %s", o->board);
        rs->display = display_sdl_open(title, err, errlen);
        if (!rs->display) return -1;
    }
    return 0;
}

/* --dump-dtb / -M ...,dumpdtb=: the DTB exactly as the guest would get it, then exit. */
static int dump_dtb(run_state *rs) {
    const char *path = rs->opts.dump_dtb;
    size_t len;
    const void *dtb = machine_boot_dtb(rs->m, &len);
    if (!dtb) return usage_error("--dump-dtb: this boot passes no device tree to the guest");
    FILE *f = fopen(path, "wb");
    bool ok = f && fwrite(dtb, 1, len, f) == len;
    if (f && fclose(f) != 0) ok = false;
    if (!ok) return usage_error("%s: %s", path, strerror(errno));
    return EXIT_PASSED;
}

int main(int argc, char **argv) {
    static run_state rs;    /* static: large, and reachable from signal-time cleanup */
    static char err[16384]; /* room for paths up to PATH_MAX with their reasons */
    rs.host_start = host_seconds();
    rs.start_wall = (double)time(NULL);
    soc_log_set_program("socemu: ");
    if (cli_parse(argc, argv, &rs.opts, err, sizeof err) != 0) return usage_error("%s", err);
    switch (rs.opts.action) {
    case CLI_HELP: cli_print_help(stdout); return EXIT_PASSED;
    case CLI_VERSION: printf("socemu %s\n", SOCEMU_VERSION); return EXIT_PASSED;
    case CLI_LIST_BOARDS: return list_boards();
    case CLI_RUN: break;
    }
    if (rs.opts.timeout_s > 0 && !rs.opts.dump_dtb) arm_setup_timer(rs.opts.timeout_s);
    if (prepare(&rs, err, sizeof err) != 0) {
        release(&rs);
        return usage_error("%s", err);
    }
    if (rs.opts.dump_dtb) {
        int code = dump_dtb(&rs);
        release(&rs);
        return code;
    }
    install_signal_handlers();
    if (serial_backends_start(err, sizeof err) != 0) {
        release(&rs);
        return usage_error("%s", err);
    }
    arm_setup_timer(0);
    progress_init(&rs.prog, rs.opts.quiet);
    rs.deadline = rs.opts.timeout_s > 0 ? rs.host_start + rs.opts.timeout_s : 0;
    machine_run_result r = machine_run(rs.m, poll_run, &rs);
    r = after_run(&rs, r);
    serial_terminal_restore();
    int code = report(&rs, conclude(&rs, r));
    if (rs.opts.screenshot) save_screenshot(&rs);
    release(&rs);
    return code;
}
