/* The option table: every spelling socemu accepts (its own and QEMU's) with the handler that
 * turns its argument into a setting. --help is printed from the same table, so an option cannot
 * exist without being documented. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exit_codes.h"
#include "options.h"

typedef struct option_def option_def;
typedef int (*option_handler)(cli_options *o, const option_def *d, const char *arg, char *err,
                              size_t errlen);

struct option_def {
    const char *spelling; /* exactly as typed: "--board", "-M", "-q" */
    const char *metavar;  /* NULL = takes no argument */
    option_handler handle;
    size_t field;     /* offsetof(cli_options, ...) for the generic setters */
    const char *help; /* socemu spellings: the description; QEMU spellings: what it stands for */
    const char *section;
};

#define FIELD(name)    offsetof(cli_options, name)
#define AT(o, d, type) ((type *)((char *)(o) + (d)->field))

static int fail_arg(char *err, size_t errlen, const option_def *d, const char *arg,
                    const char *why) {
    snprintf(err, errlen, "%s: '%s' %s", d->spelling, arg, why);
    return -1;
}

/* ---- QEMU compatibility tables ---- */

static const struct {
    const char *qemu, *socemu;
} board_aliases[] = {
    {"raspi3b", "rpi3"}, {"raspi3", "rpi3"}, /* QEMU's name for raspi3b before 6.0 */
};

const char *cli_board_alias(const char *name) {
    for (size_t i = 0; i < sizeof board_aliases / sizeof board_aliases[0]; i++)
        if (strcmp(name, board_aliases[i].qemu) == 0) return board_aliases[i].socemu;
    return name;
}

/* QEMU's model of a board insists on one RAM size; harnesses pass it with -m. */
static const struct {
    const char *board;
    uint64_t qemu_ram_bytes;
} qemu_fixed_ram[] = {
    {"rpi3", 1ull << 30},
};

bool cli_qemu_memory_is_board_default(const char *board, uint64_t bytes) {
    for (size_t i = 0; board && i < sizeof qemu_fixed_ram / sizeof qemu_fixed_ram[0]; i++)
        if (strcmp(board, qemu_fixed_ram[i].board) == 0)
            return bytes == qemu_fixed_ram[i].qemu_ram_bytes;
    return false;
}

/* QEMU numbers a board's serial ports its own way; -serial follows it so harnesses written for
 * QEMU land on the same UART. Names are the board's UART instance names. */
static const struct {
    const char *board;
    const char *uarts[CLI_MAX_SERIALS];
} qemu_serial_order[] = {
    {"rpi3", {"uart0" /* PL011 */, "aux" /* mini UART */}},
};

const char *cli_qemu_serial_name(const char *board, unsigned n) {
    if (!board || n >= CLI_MAX_SERIALS) return NULL;
    for (size_t i = 0; i < sizeof qemu_serial_order / sizeof qemu_serial_order[0]; i++)
        if (strcmp(board, qemu_serial_order[i].board) == 0) return qemu_serial_order[i].uarts[n];
    return NULL;
}

/* QEMU's -d log items and the socemu --trace word each stands for. */
static const struct {
    const char *qemu, *socemu;
} qemu_trace_items[] = {
    {"in_asm", "insn"}, {"exec", "exec"},          {"int", "int"},  {"mmu", "mmu"},
    {"unimp", "unimp"}, {"guest_errors", "unimp"}, {"cpu", "exec"}, {"cpu_reset", "int"},
};

/* ---- number parsing ---- */

static bool parse_u64(const char *s, uint64_t *out) {
    if (!s || !*s || *s == '-' || isspace((unsigned char)*s)) return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end) return false;
    *out = v;
    return true;
}

int cli_parse_size(const char *s, uint64_t *bytes) {
    if (!s || !isdigit((unsigned char)*s)) return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno) return -1;
    unsigned shift = 20; /* bare numbers are MiB */
    switch (*end) {
    case 'k':
    case 'K':
        shift = 10;
        end++;
        break;
    case 'm':
    case 'M':
        shift = 20;
        end++;
        break;
    case 'g':
    case 'G':
        shift = 30;
        end++;
        break;
    case 't':
    case 'T':
        shift = 40;
        end++;
        break;
    case 'b':
    case 'B': shift = 0; break; /* "512B": plain bytes */
    default: break;
    }
    if (strcmp(end, "iB") == 0 || strcmp(end, "B") == 0) end += strlen(end);
    if (*end || v == 0 || v > (UINT64_MAX >> shift)) return -1;
    *bytes = (uint64_t)v << shift;
    return 0;
}

/* "90", "1.5", "90s", "10m", "1h" -> seconds. */
static bool parse_duration(const char *s, double *out) {
    if (!s || !(isdigit((unsigned char)*s) || *s == '.')) return false;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || !isfinite(v)) return false;
    static const struct {
        const char *suffix;
        double scale;
    } units[] = {{"", 1}, {"s", 1}, {"m", 60}, {"h", 3600}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(end, units[i].suffix) == 0) {
            *out = v * units[i].scale;
            return v > 0;
        }
    }
    return false;
}

/* The value of key= in a QEMU "a=b,c=d" list (",," is a literal comma), copied into buf. */
static bool qemu_opt_get(const char *list, const char *key, char *buf, size_t buflen) {
    size_t klen = strlen(key);
    const char *p = list;
    while (*p) {
        bool match = strncmp(p, key, klen) == 0 && p[klen] == '=';
        const char *v = match ? p + klen + 1 : p;
        size_t n = 0;
        while (*v && !(*v == ',' && v[1] != ',')) {
            if (*v == ',') v++; /* ",," */
            if (match && n + 1 < buflen) buf[n++] = *v;
            v++;
        }
        if (match) {
            buf[n] = '\0';
            return true;
        }
        p = *v ? v + 1 : v;
    }
    return false;
}

/* ---- handlers ---- */

static int set_string(cli_options *o, const option_def *d, const char *arg, char *err,
                      size_t errlen) {
    *AT(o, d, const char *) = arg;
    return 0;
}

static int set_flag(cli_options *o, const option_def *d, const char *arg, char *err,
                    size_t errlen) {
    *AT(o, d, bool) = true;
    return 0;
}

static int set_action(cli_options *o, const option_def *d, const char *arg, char *err,
                      size_t errlen) {
    o->action = (cli_action)d->field;
    return 0;
}

static int ignore(cli_options *o, const option_def *d, const char *arg, char *err, size_t errlen) {
    return 0;
}

static int set_board(cli_options *o, const option_def *d, const char *arg, char *err,
                     size_t errlen) {
    /* QEMU: "-M raspi3b,dumpdtb=FILE", "-machine type=raspi3b", "-machine dumpdtb=FILE"; the
     * other machine properties have no socemu meaning. */
    if (d->spelling[1] != '-' &&
        qemu_opt_get(arg, "dumpdtb", o->dump_dtb_buf, sizeof o->dump_dtb_buf)) {
        if (!o->dump_dtb_buf[0]) return fail_arg(err, errlen, d, arg, "has an empty dumpdtb=");
        o->dump_dtb = o->dump_dtb_buf;
    }
    size_t n = strcspn(arg, ",");
    if (d->spelling[1] != '-' && memchr(arg, '=', n)) {
        if (!qemu_opt_get(arg, "type", o->board_buf, sizeof o->board_buf)) {
            if (o->dump_dtb) return 0; /* properties only: the board comes from another -M */
            return fail_arg(err, errlen, d, arg, "is not a board name");
        }
        o->board = cli_board_alias(o->board_buf);
        return 0;
    }
    if (n == 0 || n >= sizeof o->board_buf)
        return fail_arg(err, errlen, d, arg, "is not a board name");
    memcpy(o->board_buf, arg, n);
    o->board_buf[n] = '\0';
    if (strcmp(o->board_buf, "help") == 0 || strcmp(o->board_buf, "?") == 0) {
        o->action = CLI_LIST_BOARDS;
        return 0;
    }
    o->board = cli_board_alias(o->board_buf);
    return 0;
}

static int set_memory(cli_options *o, const option_def *d, const char *arg, char *err,
                      size_t errlen) {
    char buf[64];
    const char *size = arg;
    if (strchr(arg, '=')) { /* QEMU: -m size=1G[,slots=..,maxmem=..] */
        if (!qemu_opt_get(arg, "size", buf, sizeof buf))
            return fail_arg(err, errlen, d, arg, "has no size=");
        size = buf;
    }
    if (cli_parse_size(size, &o->memory_bytes) != 0)
        return fail_arg(err, errlen, d, arg, "is not a memory size (like 1G, 512M, 1024)");
    o->memory_from_qemu = d->field != 0;
    return 0;
}

static int set_smp(cli_options *o, const option_def *d, const char *arg, char *err, size_t errlen) {
    /* "4", "4,cores=4" or "cpus=4,sockets=1" */
    char buf[32];
    size_t n = strcspn(arg, ",");
    if (n < sizeof buf && !memchr(arg, '=', n)) {
        memcpy(buf, arg, n);
        buf[n] = '\0';
    } else if (!qemu_opt_get(arg, "cpus", buf, sizeof buf)) {
        return fail_arg(err, errlen, d, arg, "is not a core count");
    }
    uint64_t v;
    if (!parse_u64(buf, &v) || v == 0 || v > 1024)
        return fail_arg(err, errlen, d, arg, "is not a core count");
    o->smp = (unsigned)v;
    return 0;
}

static int set_net(cli_options *o, const option_def *d, const char *arg, char *err, size_t errlen) {
    if (o->net_by) {
        snprintf(err, errlen, "%s: the board has one Ethernet port, already given by %s",
                 d->spelling, o->net_by);
        return -1;
    }
    char why[512];
    if (cli_net_parse(arg, &o->net, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s %s: %s", d->spelling, arg, why);
        return -1;
    }
    o->net_by = d->spelling;
    return 0;
}

/* QEMU's legacy -net: "nic[,...]" names the board's own NIC (accepted), the rest is a backend. */
static int set_legacy_net(cli_options *o, const option_def *d, const char *arg, char *err,
                          size_t errlen) {
    if (strcmp(arg, "nic") == 0 || strncmp(arg, "nic,", 4) == 0) return 0;
    return set_net(o, d, arg, err, errlen);
}

static int set_net_dump(cli_options *o, const option_def *d, const char *arg, char *err,
                        size_t errlen) {
    o->net.dump = arg;
    return 0;
}

static int add_serial(cli_options *o, const option_def *d, const char *arg, char *err,
                      size_t errlen) {
    cli_serial_order order = d->field ? CLI_SERIAL_QEMU_ORDER : CLI_SERIAL_BOARD_ORDER;
    if (o->serial_order != CLI_SERIAL_UNSET && o->serial_order != order) {
        snprintf(err, errlen, "%s: cannot be mixed with %s (they number UARTs differently)",
                 d->spelling, order == CLI_SERIAL_QEMU_ORDER ? "--serial" : "-serial");
        return -1;
    }
    if (o->n_serial >= CLI_MAX_SERIALS) {
        snprintf(err, errlen, "%s: more than %d serial ports", d->spelling, CLI_MAX_SERIALS);
        return -1;
    }
    o->serial_order = order;
    o->serial[o->n_serial++] = arg;
    return 0;
}

static int set_display(cli_options *o, const option_def *d, const char *arg, char *err,
                       size_t errlen) {
    size_t n = strcspn(arg, ","); /* QEMU: "sdl,gl=on" */
    if (n == 3 && strncmp(arg, "sdl", 3) == 0)
        o->display = CLI_DISPLAY_SDL;
    else if (n == 4 && strncmp(arg, "none", 4) == 0)
        o->display = CLI_DISPLAY_NONE;
    else
        return fail_arg(err, errlen, d, arg, "is not a display (sdl, none)");
    return 0;
}

static int set_nographic(cli_options *o, const option_def *d, const char *arg, char *err,
                         size_t errlen) {
    o->display = CLI_DISPLAY_NONE;
    return 0;
}

static int set_timeout(cli_options *o, const option_def *d, const char *arg, char *err,
                       size_t errlen) {
    if (!parse_duration(arg, &o->timeout_s))
        return fail_arg(err, errlen, d, arg, "is not a duration in seconds (like 90, 2.5, 10m)");
    return 0;
}

static int add_pattern(cli_options *o, const option_def *d, const char *arg, char *err,
                       size_t errlen) {
    bool is_fail = d->field != 0;
    unsigned *n = is_fail ? &o->n_fail : &o->n_expect;
    const char **list = is_fail ? o->fail : o->expect;
    if (*n >= CLI_MAX_PATTERNS) {
        snprintf(err, errlen, "%s: more than %d patterns", d->spelling, CLI_MAX_PATTERNS);
        return -1;
    }
    list[(*n)++] = arg;
    return 0;
}

static int add_exec(cli_options *o, const option_def *d, const char *arg, char *err,
                    size_t errlen) {
    if (o->n_exec >= CLI_MAX_PATTERNS) {
        snprintf(err, errlen, "%s: more than %d commands", d->spelling, CLI_MAX_PATTERNS);
        return -1;
    }
    if (!*arg) return fail_arg(err, errlen, d, arg, "is an empty command");
    if (strchr(arg, '\n') || strchr(arg, '\r'))
        return fail_arg(err, errlen, d, arg, "has a line break (give each line its own --exec)");
    o->exec[o->n_exec++] = arg;
    return 0;
}

static int append_trace_word(cli_options *o, const option_def *d, const char *word, size_t len,
                             char *err, size_t errlen) {
    size_t used = strlen(o->trace_spec);
    if (used + len + 2 > sizeof o->trace_spec) {
        snprintf(err, errlen, "%s: too many trace categories", d->spelling);
        return -1;
    }
    if (used) o->trace_spec[used++] = ',';
    memcpy(o->trace_spec + used, word, len);
    o->trace_spec[used + len] = '\0';
    return 0;
}

/* --trace words are checked later by soc_trace_parse; here they are only collected. */
static int add_trace(cli_options *o, const option_def *d, const char *arg, char *err,
                     size_t errlen) {
    return append_trace_word(o, d, arg, strlen(arg), err, errlen);
}

static int add_qemu_trace(cli_options *o, const option_def *d, const char *arg, char *err,
                          size_t errlen) {
    for (const char *p = arg; *p;) {
        size_t len = strcspn(p, ",");
        bool found = false;
        for (size_t i = 0;
             len && !found && i < sizeof qemu_trace_items / sizeof qemu_trace_items[0]; i++) {
            if (strlen(qemu_trace_items[i].qemu) == len &&
                strncmp(p, qemu_trace_items[i].qemu, len) == 0) {
                const char *w = qemu_trace_items[i].socemu;
                if (append_trace_word(o, d, w, strlen(w), err, errlen) != 0) return -1;
                found = true;
            }
        }
        if (len && !found) {
            snprintf(err, errlen,
                     "%s: unknown log item '%.*s' (in_asm, exec, cpu, int, cpu_reset, mmu, unimp, "
                     "guest_errors)",
                     d->spelling, (int)len, p);
            return -1;
        }
        p += len;
        if (*p) p++;
    }
    return 0;
}

static int set_gdb(cli_options *o, const option_def *d, const char *arg, char *err, size_t errlen) {
    o->gdb = arg ? arg : "tcp::1234"; /* -s */
    return 0;
}

static int set_seed(cli_options *o, const option_def *d, const char *arg, char *err,
                    size_t errlen) {
    if (!parse_u64(arg, &o->seed)) return fail_arg(err, errlen, d, arg, "is not a number");
    return 0;
}

static int set_drive(cli_options *o, const option_def *d, const char *arg, char *err,
                     size_t errlen) {
    char iface[32] = "";
    if (!qemu_opt_get(arg, "if", iface, sizeof iface) || strcmp(iface, "sd") != 0)
        return fail_arg(err, errlen, d, arg, "is not supported (only if=sd,file=IMAGE)");
    if (!qemu_opt_get(arg, "file", o->sd_buf, sizeof o->sd_buf) || !o->sd_buf[0])
        return fail_arg(err, errlen, d, arg, "has no file=");
    o->sd_image = o->sd_buf;
    /* The image is read as its bytes (gzip/xz/zstd are recognised by their magic): a format=
     * that says otherwise would be read wrongly, so only raw is accepted. */
    char format[32] = "";
    if (qemu_opt_get(arg, "format", format, sizeof format) && strcmp(format, "raw") != 0)
        return fail_arg(err, errlen, d, arg,
                        "has a format= socemu does not read (only format=raw; convert with "
                        "qemu-img convert -O raw)");
    /* QEMU writes to the image unless snapshot=on; socemu keeps the user's image safe unless
     * asked explicitly: only snapshot=off writes through. */
    char snapshot[16] = "";
    if (qemu_opt_get(arg, "snapshot", snapshot, sizeof snapshot)) {
        bool on = strcmp(snapshot, "on") == 0 || strcmp(snapshot, "true") == 0;
        bool off = strcmp(snapshot, "off") == 0 || strcmp(snapshot, "false") == 0;
        if (!on && !off) return fail_arg(err, errlen, d, arg, "has a snapshot= that is not on/off");
        o->sd_write = off;
    }
    return 0;
}

/* ---- QEMU's character devices and monitors ---- */

/* "-chardev BACKEND,id=ID[,...]" -> the serial backend spec it stands for. */
static int add_chardev(cli_options *o, const option_def *d, const char *arg, char *err,
                       size_t errlen) {
    if (o->n_chardev >= CLI_MAX_CHARDEVS) {
        snprintf(err, errlen, "%s: more than %d character devices", d->spelling, CLI_MAX_CHARDEVS);
        return -1;
    }
    cli_chardev *c = &o->chardev[o->n_chardev];
    memset(c, 0, sizeof *c);
    if (!qemu_opt_get(arg, "id", c->id, sizeof c->id) || !c->id[0])
        return fail_arg(err, errlen, d, arg, "has no id=");
    for (unsigned i = 0; i < o->n_chardev; i++)
        if (strcmp(o->chardev[i].id, c->id) == 0)
            return fail_arg(err, errlen, d, arg, "repeats an id= already given");
    size_t n = strcspn(arg, ",");
    char path[4096] = "";
    bool has_path = qemu_opt_get(arg, "path", path, sizeof path) && path[0];
    if (n == 6 && strncmp(arg, "socket", 6) == 0) {
        char v[16];
        if (!has_path)
            return fail_arg(err, errlen, d, arg,
                            "has no path= (socemu serves unix sockets only; tcp: is for -qmp)");
        bool server = false, wait = true;
        if (qemu_opt_get(arg, "server", v, sizeof v))
            server = !strcmp(v, "on") || !strcmp(v, "") || !strcmp(v, "true");
        else if (strstr(arg, ",server,") ||
                 (strlen(arg) >= 7 && !strcmp(arg + strlen(arg) - 7, ",server")))
            server = true;
        if (qemu_opt_get(arg, "wait", v, sizeof v))
            wait = !(strcmp(v, "off") == 0 || strcmp(v, "false") == 0);
        if (strstr(arg, ",nowait")) wait = false;
        snprintf(c->spec, sizeof c->spec, "unix:%s%s%s", path, server ? ",server=on" : "",
                 server && !wait ? ",wait=off" : "");
    } else if (n == 5 && strncmp(arg, "stdio", 5) == 0) {
        snprintf(c->spec, sizeof c->spec, "stdio");
    } else if (n == 4 && strncmp(arg, "null", 4) == 0) {
        snprintf(c->spec, sizeof c->spec, "null");
    } else if (n == 4 && (strncmp(arg, "file", 4) == 0 || strncmp(arg, "pipe", 4) == 0)) {
        if (!has_path) return fail_arg(err, errlen, d, arg, "has no path=");
        snprintf(c->spec, sizeof c->spec, "%.4s:%s", arg, path);
    } else {
        return fail_arg(err, errlen, d, arg,
                        "is not a character device socemu has (socket with path=, stdio, file, "
                        "pipe, null)");
    }
    o->n_chardev++;
    return 0;
}

static int add_monitor_spec(cli_options *o, const option_def *d, const char *spec, bool control,
                            char *err, size_t errlen) {
    if (o->n_monitor >= CLI_MAX_MONITORS) {
        snprintf(err, errlen, "%s: more than %d monitors", d->spelling, CLI_MAX_MONITORS);
        return -1;
    }
    o->monitor[o->n_monitor].spec = spec;
    o->monitor[o->n_monitor].control = control;
    o->n_monitor++;
    return 0;
}

/* -qmp SPEC / -qmp-pretty SPEC: QMP; -monitor SPEC: the human monitor ("none": no monitor). */
static int add_monitor(cli_options *o, const option_def *d, const char *arg, char *err,
                       size_t errlen) {
    if (strcmp(arg, "none") == 0 || strcmp(arg, "null") == 0) return 0;
    return add_monitor_spec(o, d, arg, d->field != 0, err, errlen);
}

/* -mon chardev=ID[,mode=control|readline][,pretty=on|off] */
static int add_mon(cli_options *o, const option_def *d, const char *arg, char *err, size_t errlen) {
    char id[64], mode[16] = "readline";
    if (!qemu_opt_get(arg, "chardev", id, sizeof id) || !id[0])
        return fail_arg(err, errlen, d, arg, "has no chardev=");
    qemu_opt_get(arg, "mode", mode, sizeof mode);
    bool control = strcmp(mode, "control") == 0;
    if (!control && strcmp(mode, "readline") != 0)
        return fail_arg(err, errlen, d, arg, "has a mode= other than control or readline");
    /* Resolved to the chardev's spec once every option is read. */
    static char refs[CLI_MAX_MONITORS][80];
    snprintf(refs[o->n_monitor % CLI_MAX_MONITORS], sizeof refs[0], "chardev:%s", id);
    return add_monitor_spec(o, d, refs[o->n_monitor % CLI_MAX_MONITORS], control, err, errlen);
}

/* "chardev:ID" -> the -chardev's spec; anything else unchanged. NULL if no such id. */
static const char *resolve_chardev(cli_options *o, const char *spec) {
    if (strncmp(spec, "chardev:", 8) != 0) return spec;
    for (unsigned i = 0; i < o->n_chardev; i++) {
        if (strcmp(o->chardev[i].id, spec + 8) == 0) {
            o->chardev[i].used = true;
            return o->chardev[i].spec;
        }
    }
    return NULL;
}

static int resolve_chardevs(cli_options *o, char *err, size_t errlen) {
    for (unsigned i = 0; i < o->n_serial; i++) {
        const char *s = resolve_chardev(o, o->serial[i]);
        if (!s) {
            snprintf(err, errlen, "-serial %s: no -chardev with that id", o->serial[i]);
            return -1;
        }
        o->serial[i] = s;
    }
    for (unsigned i = 0; i < o->n_monitor; i++) {
        const char *s = resolve_chardev(o, o->monitor[i].spec);
        if (!s) {
            snprintf(err, errlen, "-mon: no -chardev with id '%s'", o->monitor[i].spec + 8);
            return -1;
        }
        o->monitor[i].spec = s;
    }
    /* QEMU refuses a chardev nothing uses less strictly; socemu follows it (ignored). */
    return 0;
}

/* The CPU models a board has; QEMU's -cpu must name the board's own. */
static const char *const board_cpus[] = {"cortex-a53"};

static int set_cpu(cli_options *o, const option_def *d, const char *arg, char *err, size_t errlen) {
    size_t n = strcspn(arg, ",");
    for (size_t i = 0; i < sizeof board_cpus / sizeof board_cpus[0]; i++)
        if (strlen(board_cpus[i]) == n && strncmp(arg, board_cpus[i], n) == 0) return 0;
    return fail_arg(err, errlen, d, arg,
                    "is not a CPU socemu's boards have (available: cortex-a53, the Raspberry Pi "
                    "3's)");
}

static int set_accel(cli_options *o, const option_def *d, const char *arg, char *err,
                     size_t errlen) {
    size_t n = strcspn(arg, ",");
    if (n == 3 && strncmp(arg, "tcg", 3) == 0) return 0;
    return fail_arg(err, errlen, d, arg,
                    "is not available: socemu runs the guest with its own translator (only "
                    "-accel tcg is accepted)");
}

static int set_rtc(cli_options *o, const option_def *d, const char *arg, char *err, size_t errlen) {
    char v[64];
    if (qemu_opt_get(arg, "base", v, sizeof v) && !v[0])
        return fail_arg(err, errlen, d, arg, "has an empty base=");
    return 0; /* the Raspberry Pi 3 has no RTC: nothing to set */
}

static int refuse_device(cli_options *o, const option_def *d, const char *arg, char *err,
                         size_t errlen) {
    snprintf(err, errlen,
             "%s %s: socemu adds no devices from the command line (the board file lists them; "
             "the board's own Ethernet is connected with --net/-nic/-netdev)",
             d->spelling, arg);
    return -1;
}

static int refuse_kvm(cli_options *o, const option_def *d, const char *arg, char *err,
                      size_t errlen) {
    snprintf(err, errlen,
             "%s: not available: socemu runs the guest with its own translator (only -accel tcg)",
             d->spelling);
    return -1;
}

/* ---- the table ---- */

#define S_MACHINE "Machine"
#define S_CONSOLE "Console and CI"
#define S_DEBUG   "Debugging and time"
#define S_INFO    "Information"
#define S_QEMU    "QEMU spellings (accepted so harnesses written for QEMU work unchanged)"

static const option_def options[] = {
    {"--board", "NAME", set_board, 0,
     "board to emulate: a built-in name (rpi3) or a .board file; QEMU names work (raspi3b)",
     S_MACHINE},
    {"--sd", "IMAGE", set_string, FIELD(sd_image),
     "SD card image to boot, as the board's firmware would (raw, or gzip/xz/zstd-compressed: "
     "read through a decompressed temporary copy); the file is never written: guest writes go "
     "to a copy-on-write overlay dropped at exit",
     S_MACHINE},
    {"--sd-write", NULL, set_flag, FIELD(sd_write),
     "write the guest's SD card writes through to the --sd image file (synced at reboot and "
     "exit); refused for read-only and compressed images",
     S_MACHINE},
    {"--kernel", "FILE", set_string, FIELD(kernel),
     "kernel to boot directly: ELF, arm64 Image, Image.gz", S_MACHINE},
    {"--dtb", "FILE", set_string, FIELD(dtb),
     "device tree blob for --kernel; with --sd: used instead of the card's (config.txt's "
     "overlays and the firmware's fix-ups still apply)",
     S_MACHINE},
    {"--initrd", "FILE", set_string, FIELD(initrd),
     "initial ramdisk for --kernel; with --sd: used instead of config.txt's initramfs", S_MACHINE},
    {"--dump-dtb", "FILE", set_string, FIELD(dump_dtb),
     "write the device tree the guest would get (after the firmware's overlays and fix-ups) to "
     "FILE and exit 0 without running the guest",
     S_MACHINE},
    {"--append", "CMDLINE", set_string, FIELD(append),
     "kernel command line (with --sd: added after cmdline.txt's)", S_MACHINE},
    {"--memory", "SIZE", set_memory, 0,
     "RAM size: 1G, 512M; a bare number is MiB (default: the board's)", S_MACHINE},
    {"--smp", "N", set_smp, 0, "number of CPU cores (default: the board's)", S_MACHINE},
    {"--display", "sdl|none", set_display, 0,
     "show the framebuffer in a window, or not (default none: no framebuffer, like a Pi "
     "without HDMI)",
     S_MACHINE},
    {"--screenshot", "FILE.png", set_string, FIELD(screenshot),
     "write the framebuffer to a PNG when the run ends (gives the guest a framebuffer even with "
     "--display none)",
     S_MACHINE},

    {"--serial", "BACKEND", add_serial, 0,
     "host end of a UART: stdio, file:PATH, unix:PATH[,server[,nowait]], "
     "tcp:[HOST]:PORT[,server[,nowait]], pipe:PATH, null; repeat for the "
     "next UART in board order (default: console UART to stdout, others nowhere)",
     S_CONSOLE},
    {"--net", "user[,OPT...]|none", set_net, 0,
     "the board's Ethernet (rpi3: the LAN9514's smsc95xx): user = NAT on libslirp (the default: "
     "a plugged cable; DHCP gives 10.0.2.15, the host is 10.0.2.2, DNS 10.0.2.3); options "
     "hostfwd=tcp|udp:[HOSTADDR]:PORT-[GUESTADDR]:PORT (repeatable; HOSTADDR defaults to "
     "127.0.0.1), restrict=on (no outside access), mac=52:54:00:12:34:56; none = unplugged",
     S_CONSOLE},
    {"--net-dump", "FILE.pcap", set_net_dump, 0,
     "capture the guest's Ethernet traffic to FILE.pcap (tcpdump -r reads it)", S_CONSOLE},
    {"--timeout", "SECONDS", set_timeout, 0,
     "give up after this much host wall-clock time (exit 3); also 10m, 1h", S_CONSOLE},
    {"--expect", "REGEX", add_pattern, 0,
     "pass (exit 0) once the console shows REGEX (POSIX extended; repeatable: any one)", S_CONSOLE},
    {"--fail", "REGEX", add_pattern, 1,
     "fail (exit 1) once the console shows REGEX; wins over --expect on the same text", S_CONSOLE},
    {"--exec", "CMD", add_exec, 0,
     "once the console shows a shell prompt (logging in first if it shows a login prompt), "
     "run CMD in the guest's shell and copy its output to stdout (the console then goes "
     "nowhere unless --serial gives it a backend); repeatable, in order; the run ends after "
     "the last: passed if every CMD exited 0, guest failed (1) naming the first that did not",
     S_CONSOLE},
    {"--login", "USER[:PASSWORD]", set_string, FIELD(login),
     "for --exec: the user (and password) to log in with at a login prompt (default root)",
     S_CONSOLE},
    {"--prompt", "REGEX", set_string, FIELD(prompt),
     "for --exec: the shell prompt, tested against the console's unfinished last line once "
     "output pauses (default '[#$] $')",
     S_CONSOLE},
    {"--junit", "FILE", set_string, FIELD(junit),
     "write the result as JUnit XML (GitLab, Jenkins): one testcase per --expect, --fail and "
     "--exec (or one for the run), failures with the reason and the last console lines, the "
     "console as system-out",
     S_CONSOLE},
    {"--result-json", "FILE", set_string, FIELD(result_json),
     "write the same facts as --junit as JSON", S_CONSOLE},
    {"--symbols", "FILE", set_string, FIELD(symbols),
     "the kernel's vmlinux or System.map, to name the function each core is in when a run fails "
     "(default: "
     "System.map next to --kernel, if there is one)",
     S_CONSOLE},
    {"--log", "FILE", set_string, FIELD(log_path), "write emulator messages and traces to FILE",
     S_CONSOLE},
    {"--quiet", NULL, set_flag, FIELD(quiet),
     "no end-of-run summary line, no failure report, no progress line", S_CONSOLE},
    {"-q", NULL, set_flag, FIELD(quiet), "same as --quiet", S_CONSOLE},

    {"--trace", "LIST", add_trace, 0, "trace insn,exec,int,mmu,unimp (or all) to the log", S_DEBUG},
    {"--gdb", "tcp::PORT", set_gdb, 0, "gdb remote stub (tcp:HOST:PORT; loopback by default)",
     S_DEBUG},
    {"-s", NULL, set_gdb, 0, "same as --gdb tcp::1234", S_DEBUG},
    {"-S", NULL, set_flag, FIELD(gdb_wait),
     "start with every core halted until gdb or a monitor (QMP cont) continues", S_DEBUG},
    {"--realtime", NULL, set_flag, FIELD(realtime),
     "pace guest time to the wall clock (default: as fast as possible; idle time is skipped "
     "unless stdin or a serial socket can bring input, then it runs at most at the wall clock)",
     S_DEBUG},
    {"--no-reboot", NULL, set_flag, FIELD(no_reboot),
     "end the run when the guest reboots (counts as passed) instead of rebooting", S_DEBUG},
    {"--seed", "N", set_seed, 0, "seed for guest randomness: same seed, same run (default 0)",
     S_DEBUG},
    {"--icount", NULL, set_flag, FIELD(icount),
     "accepted; guest time always counts instructions in socemu", S_DEBUG},

    {"--list-boards", NULL, set_action, CLI_LIST_BOARDS, "list the built-in boards", S_INFO},
    {"--version", NULL, set_action, CLI_VERSION, "print the version", S_INFO},
    {"--help", NULL, set_action, CLI_HELP, "this text", S_INFO},
    {"-h", NULL, set_action, CLI_HELP, "same as --help", S_INFO},

    {"-M", "NAME[,...]", set_board, 0,
     "--board (raspi3b = rpi3; -M help lists boards); dumpdtb=FILE = --dump-dtb FILE", S_QEMU},
    {"-machine", "NAME[,...]", set_board, 0, "--board; type=NAME, dumpdtb=FILE as with -M", S_QEMU},
    {"-kernel", "FILE", set_string, FIELD(kernel), "--kernel", S_QEMU},
    {"-dtb", "FILE", set_string, FIELD(dtb), "--dtb", S_QEMU},
    {"-initrd", "FILE", set_string, FIELD(initrd), "--initrd", S_QEMU},
    {"-append", "CMDLINE", set_string, FIELD(append), "--append", S_QEMU},
    {"-drive", "if=sd,file=IMAGE[,...]", set_drive, 0,
     "--sd (other interfaces are refused); snapshot=off = --sd-write, otherwise copy-on-write "
     "(unlike QEMU, which writes by default)",
     S_QEMU},
    {"-snapshot", NULL, ignore, 0, "accepted: copy-on-write is socemu's default", S_QEMU},
    {"-m", "SIZE", set_memory, 1,
     "--memory (bare number = MiB; size=1G also); raspi3b's fixed 1G = the board's default",
     S_QEMU},
    {"-smp", "N[,...]", set_smp, 0, "--smp (cpus=N also)", S_QEMU},
    {"-serial", "BACKEND", add_serial, 1,
     "--serial, but in QEMU's order for the board (raspi3b: PL011 first, then the mini UART); "
     "mon:stdio = stdio",
     S_QEMU},
    {"-nic", "user[,...]|none", set_net, 0, "--net (model= is accepted: the board's own NIC)",
     S_QEMU},
    {"-netdev", "user,id=ID[,...]", set_net, 0, "--net (the board's NIC takes it)", S_QEMU},
    {"-net", "nic|user[,...]|none", set_legacy_net, 0,
     "--net (nic[,...] is accepted: the board's own NIC)", S_QEMU},
    {"-nographic", NULL, set_nographic, 0, "--display none", S_QEMU},
    {"-display", "sdl|none", set_display, 0, "--display", S_QEMU},
    {"-no-reboot", NULL, set_flag, FIELD(no_reboot), "--no-reboot", S_QEMU},
    {"-gdb", "tcp::PORT", set_gdb, 0, "--gdb", S_QEMU},
    {"-d", "ITEMS", add_qemu_trace, 0,
     "--trace: in_asm=insn, exec, cpu=exec, int, cpu_reset=int, mmu, unimp, guest_errors=unimp",
     S_QEMU},
    {"-D", "FILE", set_string, FIELD(log_path), "--log", S_QEMU},
    {"-seed", "N", set_seed, 0, "--seed", S_QEMU},
    {"-icount", "OPTS", ignore, 0, "--icount (the options are ignored)", S_QEMU},
    {"-chardev", "BACKEND,id=ID[,...]", add_chardev, 0,
     "a host end for -serial chardev:ID or -mon: socket,path=PATH[,server=on,wait=off] (a unix "
     "socket), stdio, file,path=PATH, pipe,path=PATH (PATH.in/PATH.out, or PATH), null",
     S_QEMU},
    {"-qmp", "stdio|unix:PATH,server=on,wait=off|tcp:[HOST]:PORT,server=on,wait=off", add_monitor,
     1, "QMP (QEMU's JSON monitor: stop, cont, quit, system_reset... see docs/cli.md)", S_QEMU},
    {"-qmp-pretty", "SPEC", add_monitor, 1, "-qmp (replies are not pretty-printed)", S_QEMU},
    {"-monitor", "none|stdio|SPEC", add_monitor, 0,
     "the human monitor (info registers, info status, stop, cont, system_reset, quit...)", S_QEMU},
    {"-mon", "chardev=ID[,mode=control|readline]", add_mon, 0,
     "a monitor on a -chardev: mode=control is QMP, readline the human monitor", S_QEMU},
    {"-cpu", "cortex-a53", set_cpu, 0, "accepted when it names the board's CPU; others refused",
     S_QEMU},
    {"-accel", "tcg[,...]", set_accel, 0, "accepted (socemu's translator); kvm/hvf refused",
     S_QEMU},
    {"-enable-kvm", NULL, refuse_kvm, 0, "refused", S_QEMU},
    {"-no-shutdown", NULL, set_flag, FIELD(no_shutdown),
     "a guest power-off stops the machine instead of ending the run; a monitor's quit ends it",
     S_QEMU},
    {"-name", "NAME[,...]", ignore, 0, "accepted (ignored)", S_QEMU},
    {"-rtc", "base=utc|localtime|DATE[,...]", set_rtc, 0,
     "accepted; the Raspberry Pi 3 has no RTC, so there is nothing to set", S_QEMU},
    {"-nodefaults", NULL, set_flag, FIELD(nodefaults),
     "no default backend: the console UART gets no stdout unless -serial gives it one", S_QEMU},
    {"-device", "DRIVER[,...]", refuse_device, 1,
     "refused: the board file lists the devices (-netdev/-nic connect the board's Ethernet)",
     S_QEMU},
};

#define N_OPTIONS (sizeof options / sizeof options[0])

static const option_def *find_option(const char *arg, const char **inline_value) {
    *inline_value = NULL;
    for (size_t i = 0; i < N_OPTIONS; i++)
        if (strcmp(arg, options[i].spelling) == 0) return &options[i];
    /* "--name=value" for socemu's long options */
    const char *eq = strchr(arg, '=');
    if (strncmp(arg, "--", 2) == 0 && eq) {
        size_t n = (size_t)(eq - arg);
        for (size_t i = 0; i < N_OPTIONS; i++) {
            if (strlen(options[i].spelling) == n && strncmp(arg, options[i].spelling, n) == 0) {
                *inline_value = eq + 1;
                return &options[i];
            }
        }
    }
    return NULL;
}

int cli_parse(int argc, char **argv, cli_options *o, char *err, size_t errlen) {
    memset(o, 0, sizeof *o);
    o->action = CLI_RUN;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (arg[0] != '-' || arg[1] == '\0') {
            snprintf(err, errlen, "unexpected argument '%s' (try --help)", arg);
            return -1;
        }
        const char *value;
        const option_def *d = find_option(arg, &value);
        if (!d) {
            snprintf(err, errlen, "unknown option '%s' (try --help)", arg);
            return -1;
        }
        if (!d->metavar && value) {
            snprintf(err, errlen, "%s: takes no argument", d->spelling);
            return -1;
        }
        if (d->metavar && !value) {
            if (i + 1 >= argc) {
                snprintf(err, errlen, "%s: missing argument %s", d->spelling, d->metavar);
                return -1;
            }
            value = argv[++i];
        }
        if (d->handle(o, d, value, err, errlen) != 0) return -1;
    }
    return resolve_chardevs(o, err, errlen);
}

void cli_print_help(FILE *f) {
    fputs("Usage: socemu --board NAME (--sd IMAGE | --kernel FILE [--dtb FILE] [--initrd FILE])\n"
          "              [--timeout SECONDS] [--expect REGEX] [--fail REGEX] [options]\n"
          "\n"
          "Boots an emulated ARM board (Raspberry Pi 3: --board rpi3) from an SD card image or\n"
          "a kernel, shows its serial console and exits with a status that says what happened.\n",
          f);
    const char *section = NULL;
    for (size_t i = 0; i < N_OPTIONS; i++) {
        const option_def *d = &options[i];
        if (!section || strcmp(section, d->section) != 0) {
            section = d->section;
            fprintf(f, "\n%s:\n", section);
        }
        char left[64];
        snprintf(left, sizeof left, "%s%s%s", d->spelling, d->metavar ? " " : "",
                 d->metavar ? d->metavar : "");
        if (strlen(left) > 22)
            fprintf(f, "  %s\n  %-22s %s\n", left, "", d->help);
        else
            fprintf(f, "  %-22s %s\n", left, d->help);
    }
    fprintf(f,
            "\n"
            "Console matching: --expect and --fail are tested against each line of the console\n"
            "UART's output (and any UART given a --serial backend) as it arrives, including a\n"
            "partial line such as a \"login: \" prompt. 'Kernel panic - not syncing' always\n"
            "counts as a guest failure.\n"
            "\n"
            "On a terminal, stdio input is raw: Ctrl-C goes to the guest; Ctrl-A x quits,\n"
            "Ctrl-A Ctrl-A sends Ctrl-A.\n"
            "\n"
            "Exit status:\n"
            "  %d  passed: the guest powered off cleanly (or rebooted with --no-reboot), or\n"
            "     --expect matched\n"
            "  %d  guest failed: --fail matched, a kernel panic was seen, the guest reset more\n"
            "     than 3 times (a reset loop), or it hung (all cores idle, no pending events)\n"
            "  %d  bad input or usage: unknown option, bad value, missing or corrupt file\n"
            "  %d  timed out: --timeout host seconds (setup included) passed first\n"
            "  %d  emulator fault: socemu itself failed, or the console/log could not be written\n"
            "  Ctrl-A x exits %d; SIGINT/SIGTERM/SIGHUP exit 128 + the signal number.\n"
            "\n"
            "See socemu(1) and docs/cli.md.\n",
            EXIT_PASSED, EXIT_GUEST_FAILED, EXIT_USAGE, EXIT_TIMED_OUT, EXIT_EMULATOR_FAULT,
            EXIT_PASSED);
}
