/* The QMP and human monitors (qmp.h). Input arrives through the serial backend's chardev receive
 * callback (called from serial_backends_poll) into a buffer; monitor_poll frames it into
 * messages (JSON values for QMP, lines for the human monitor) and answers them. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "json.h"
#include "qmp.h"
#include "screenshot.h"
#include "serial_backends.h"
#include "soc/cpu_ports.h"
#include "soc/device.h"
#include "soc/irq.h"

#define INBUF_MAX (1u << 20) /* one command larger than this is refused */

/* The QMP dialect followed: QEMU 7.2's (Debian 12's qemu-system-arm), which clients check. */
#define QMP_MAJOR 7
#define QMP_MINOR 2
#define QMP_MICRO 0

/* system_powerdown presses a power button on this GPIO (the pin the Raspberry Pi firmware's
 * gpio-shutdown overlay watches, active low) for this long of guest time. */
#define POWER_BUTTON_GPIO 3
#define POWER_BUTTON_NS   UINT64_C(200000000)

struct monitor {
    serial_backend *backend;
    chardev *chr;
    bool control;
    machine *m;
    char *in;
    size_t in_len;
    bool overflow;
    unsigned greeted; /* connections greeted so far */
    bool negotiated;  /* QMP: qmp_capabilities done */
    bool quit;
    bool prelaunch;   /* -S and never continued */
    bool seen_halted; /* the machine's debug-halt state when last looked at */
    unsigned seen_resets;
    unsigned host_resets; /* system_reset asked for, not yet seen done */
    unsigned host_resets_total;
    /* system_powerdown's button press */
    int button_phase; /* 0 idle, 1 pressed (low) until button_until */
    uint64_t button_until;
};

/* ---- output ---- */

static void send_text(monitor *mon, const char *text, size_t len) {
    if (mon->chr && mon->chr->write && len) mon->chr->write(mon->chr, (const uint8_t *)text, len);
}

static void send_buf(monitor *mon, json_buf *b) {
    if (!b->failed) {
        json_buf_add(b, "\r\n");
        send_text(mon, b->text, b->len);
    }
    json_buf_free(b);
}

static void qmp_event(monitor *mon, const char *name, const char *data_json) {
    if (!mon->control || !mon->negotiated) return; /* events come after the negotiation */
    struct timeval tv;
    gettimeofday(&tv, NULL);
    json_buf b = {0};
    json_buf_printf(&b, "{\"timestamp\": {\"seconds\": %lld, \"microseconds\": %lld}, \"event\": ",
                    (long long)tv.tv_sec, (long long)tv.tv_usec);
    json_buf_string(&b, name);
    json_buf_printf(&b, ", \"data\": %s}", data_json ? data_json : "{}");
    send_buf(mon, &b);
}

static void add_id(json_buf *b, const json_value *id) {
    if (!id) return;
    json_buf_add(b, ", \"id\": ");
    json_buf_value(b, id);
}

static void qmp_return(monitor *mon, const json_value *id, const char *value_json) {
    json_buf b = {0};
    json_buf_printf(&b, "{\"return\": %s", value_json ? value_json : "{}");
    add_id(&b, id);
    json_buf_add(&b, "}");
    send_buf(mon, &b);
}

static void qmp_error(monitor *mon, const json_value *id, const char *klass, const char *desc) {
    json_buf b = {0};
    json_buf_add(&b, "{\"error\": {\"class\": ");
    json_buf_string(&b, klass);
    json_buf_add(&b, ", \"desc\": ");
    json_buf_string(&b, desc);
    json_buf_add(&b, "}");
    add_id(&b, id);
    json_buf_add(&b, "}");
    send_buf(mon, &b);
}

static void greet(monitor *mon) {
    mon->negotiated = false;
    if (mon->control) {
        json_buf b = {0};
        json_buf_printf(&b,
                        "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": %d, \"minor\": %d, "
                        "\"major\": %d}, \"package\": \"socemu %s\"}, \"capabilities\": []}}",
                        QMP_MICRO, QMP_MINOR, QMP_MAJOR, SOCEMU_VERSION);
        send_buf(mon, &b);
    } else {
        static const char banner[] =
            "socemu " SOCEMU_VERSION " monitor - type 'help' for more information\r\n(qemu) ";
        send_text(mon, banner, sizeof banner - 1);
    }
}

/* ---- input ---- */

static unsigned can_receive(void *opaque) {
    monitor *mon = opaque;
    return mon->in_len < INBUF_MAX ? (unsigned)(INBUF_MAX - mon->in_len) : 1;
}

static void receive(void *opaque, const uint8_t *data, size_t len) {
    monitor *mon = opaque;
    if (mon->in_len + len > INBUF_MAX) { /* a runaway message: drop what is buffered */
        mon->in_len = 0;
        mon->overflow = true;
        if (len > INBUF_MAX) return;
    }
    memcpy(mon->in + mon->in_len, data, len);
    mon->in_len += len;
}

monitor *monitor_open(const char *spec, bool control, char *err, size_t errlen) {
    monitor *mon = calloc(1, sizeof *mon);
    if (mon) mon->in = malloc(INBUF_MAX);
    if (!mon || !mon->in) {
        if (mon) free(mon);
        snprintf(err, errlen, "%s: out of memory", spec);
        return NULL;
    }
    mon->backend = serial_backend_open(spec, err, errlen);
    if (!mon->backend) {
        free(mon->in);
        free(mon);
        return NULL;
    }
    mon->control = control;
    mon->chr = serial_backend_chardev(mon->backend);
    chardev_set_frontend(mon->chr, can_receive, receive, mon);
    return mon;
}

void monitor_free(monitor *mon) {
    if (!mon) return;
    serial_backend_free(mon->backend);
    free(mon->in);
    free(mon);
}

bool monitor_uses_stdio(const monitor *mon) {
    return strcmp(mon->chr->name, "stdio") == 0 || strcmp(mon->chr->name, "mon:stdio") == 0;
}

void monitor_attach(monitor *mon, machine *m, bool paused) {
    mon->m = m;
    mon->prelaunch = paused;
    mon->seen_halted = paused;
    mon->seen_resets = machine_reset_count(m);
}

bool monitor_quit_requested(const monitor *mon) {
    return mon && mon->quit;
}

unsigned monitor_host_resets(const monitor *mon) {
    return mon ? mon->host_resets_total : 0;
}

/* ---- the commands, shared by both monitors ---- */

static const char *run_status(const monitor *mon) {
    if (!machine_debug_halted(mon->m)) return "running";
    return mon->prelaunch                               ? "prelaunch"
           : machine_debug_breakpoint_core(mon->m) >= 0 ? "debug"
                                                        : "paused";
}

static void do_stop(monitor *mon) {
    machine_debug_halt(mon->m);
}

static void do_cont(monitor *mon) {
    mon->prelaunch = false;
    machine_debug_resume(mon->m);
}

static void do_reset(monitor *mon) {
    mon->host_resets++;
    mon->host_resets_total++;
    machine_device_request(mon->m, MACHINE_REQ_RESET, "system_reset from the monitor");
}

/* The Raspberry Pi 3 has no ACPI and no power-management controller a host could signal: its
 * power button is a push button between a GPIO and ground that the guest watches (the
 * firmware's gpio-shutdown overlay: GPIO 3, active low, KEY_POWER). system_powerdown presses
 * it; a guest that watches no such pin does not react (as with QEMU's raspi3b). */
static irq_line *power_button(monitor *mon) {
    dev_ctx *gpio = machine_device_ctx(mon->m, "gpio");
    return gpio ? &gpio->irq_in[POWER_BUTTON_GPIO] : NULL;
}

static void do_powerdown(monitor *mon) {
    irq_line *pin = power_button(mon);
    if (pin && mon->button_phase == 0) {
        irq_set(pin, true); /* released: the pull-up */
        irq_set(pin, false);
        mon->button_phase = 1;
        mon->button_until = machine_guest_ns(mon->m) + POWER_BUTTON_NS;
    }
    qmp_event(mon, "POWERDOWN", NULL);
}

static void poll_button(monitor *mon) {
    if (mon->button_phase == 1 && machine_guest_ns(mon->m) >= mon->button_until) {
        irq_line *pin = power_button(mon);
        if (pin) irq_set(pin, true);
        mon->button_phase = 0;
    }
}

static const char *core_state(arm_cpu *cpu) {
    return cpu_is_idle(cpu) ? "halted" : "running";
}

/* QEMU's "info registers" layout for AArch64, one block per core. */
static void info_registers(monitor *mon, json_buf *out) {
    cpu_cluster *cpus = machine_cpus(mon->m);
    unsigned n = cpus ? cpu_cluster_size(cpus) : 0;
    for (unsigned c = 0; c < n; c++) {
        arm_cpu *cpu = cpu_cluster_core(cpus, c);
        if (n > 1) json_buf_printf(out, "CPU#%u\r\n", c);
        json_buf_printf(out, " PC=%016llx ", (unsigned long long)cpu_get_pc(cpu));
        for (unsigned r = 0; r < 31; r++)
            json_buf_printf(out, "X%02u=%016llx%s", r, (unsigned long long)cpu_get_xreg(cpu, r),
                            (r + 2) % 3 ? " " : "\r\n");
        uint32_t ps = cpu_get_pstate(cpu);
        unsigned el = cpu_get_el(cpu);
        json_buf_printf(out, " SP=%016llx\r\nPSTATE=%08x %c%c%c%c EL%u%c %s\r\n",
                        (unsigned long long)cpu_get_sp(cpu), ps, ps & (1u << 31) ? 'N' : '-',
                        ps & (1u << 30) ? 'Z' : '-', ps & (1u << 29) ? 'C' : '-',
                        ps & (1u << 28) ? 'V' : '-', el, (ps & 1) ? 'h' : 't', core_state(cpu));
    }
}

static bool screendump(monitor *mon, const char *file, const char *format, char *err,
                       size_t errlen) {
    bool png = format && strcmp(format, "png") == 0;
    if (format && !png && strcmp(format, "ppm") != 0) {
        snprintf(err, errlen, "screendump: format '%s' is not png or ppm", format);
        return false;
    }
    screenshot_image img = {0};
    bool ok = false;
    if (!screenshot_capture(mon->m, &img)) {
        snprintf(err, errlen, "screendump: the guest has no framebuffer");
    } else if (png) {
        ok = screenshot_write_png(&img, file, err, errlen) == 0;
    } else {
        ok = screenshot_write_ppm(&img, file, err, errlen) == 0;
    }
    screenshot_image_free(&img);
    return ok;
}

/* ---- QMP ---- */

static void qmp_query_cpus(monitor *mon, const json_value *id) {
    cpu_cluster *cpus = machine_cpus(mon->m);
    unsigned n = cpus ? cpu_cluster_size(cpus) : 0;
    json_buf b = {0};
    json_buf_add(&b, "[");
    for (unsigned c = 0; c < n; c++)
        json_buf_printf(&b,
                        "%s{\"thread-id\": %d, \"props\": {\"core-id\": %u, \"thread-id\": 0, "
                        "\"socket-id\": 0}, \"qom-path\": \"/machine/soc/cpu[%u]\", "
                        "\"cpu-index\": %u, \"target\": \"aarch64\"}",
                        c ? ", " : "", (int)getpid(), c, c, c);
    json_buf_add(&b, "]");
    if (!b.failed) qmp_return(mon, id, b.text);
    json_buf_free(&b);
}

static void human_command(monitor *mon, const char *line, json_buf *out);

static void qmp_execute(monitor *mon, const json_value *msg) {
    const json_value *id = json_get(msg, "id");
    const char *cmd = json_get_string(msg, "execute");
    if (!cmd) cmd = json_get_string(msg, "exec-oob");
    const json_value *args = json_get(msg, "arguments");
    if (!cmd) {
        qmp_error(mon, id, "GenericError", "QMP input lacks member 'execute'");
        return;
    }
    if (args && args->type != JSON_OBJECT) {
        qmp_error(mon, id, "GenericError", "QMP input member 'arguments' must be an object");
        return;
    }
    if (strcmp(cmd, "qmp_capabilities") == 0) {
        if (mon->negotiated) {
            qmp_error(mon, id, "CommandNotFound",
                      "Capabilities negotiation is already complete, command ignored");
            return;
        }
        mon->negotiated = true;
        qmp_return(mon, id, NULL);
        return;
    }
    if (!mon->negotiated) {
        qmp_error(mon, id, "CommandNotFound",
                  "Expecting capabilities negotiation with 'qmp_capabilities'");
        return;
    }
    char text[600];
    if (strcmp(cmd, "query-status") == 0) {
        const char *st = run_status(mon);
        snprintf(text, sizeof text, "{\"status\": \"%s\", \"singlestep\": false, \"running\": %s}",
                 st, strcmp(st, "running") == 0 ? "true" : "false");
        qmp_return(mon, id, text);
    } else if (strcmp(cmd, "stop") == 0) {
        do_stop(mon);
        qmp_return(mon, id, NULL);
    } else if (strcmp(cmd, "cont") == 0) {
        do_cont(mon);
        qmp_return(mon, id, NULL);
    } else if (strcmp(cmd, "system_reset") == 0) {
        do_reset(mon);
        qmp_return(mon, id, NULL);
    } else if (strcmp(cmd, "system_powerdown") == 0) {
        qmp_return(mon, id, NULL);
        do_powerdown(mon);
    } else if (strcmp(cmd, "quit") == 0) {
        qmp_return(mon, id, NULL);
        mon->quit = true;
    } else if (strcmp(cmd, "query-version") == 0) {
        snprintf(text, sizeof text,
                 "{\"qemu\": {\"micro\": %d, \"minor\": %d, \"major\": %d}, \"package\": "
                 "\"socemu %s\"}",
                 QMP_MICRO, QMP_MINOR, QMP_MAJOR, SOCEMU_VERSION);
        qmp_return(mon, id, text);
    } else if (strcmp(cmd, "query-cpus-fast") == 0) {
        qmp_query_cpus(mon, id);
    } else if (strcmp(cmd, "query-commands") == 0) {
        static const char *const names[] = {"qmp_capabilities",
                                            "query-status",
                                            "stop",
                                            "cont",
                                            "system_reset",
                                            "system_powerdown",
                                            "quit",
                                            "query-version",
                                            "query-cpus-fast",
                                            "screendump",
                                            "human-monitor-command",
                                            "query-commands"};
        json_buf b = {0};
        json_buf_add(&b, "[");
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
            json_buf_printf(&b, "%s{\"name\": \"%s\"}", i ? ", " : "", names[i]);
        json_buf_add(&b, "]");
        if (!b.failed) qmp_return(mon, id, b.text);
        json_buf_free(&b);
    } else if (strcmp(cmd, "screendump") == 0) {
        const char *file = json_get_string(args, "filename");
        char err[600];
        if (!file)
            qmp_error(mon, id, "GenericError", "Parameter 'filename' is missing");
        else if (!screendump(mon, file, json_get_string(args, "format"), err, sizeof err))
            qmp_error(mon, id, "GenericError", err);
        else
            qmp_return(mon, id, NULL);
    } else if (strcmp(cmd, "human-monitor-command") == 0) {
        const char *line = json_get_string(args, "command-line");
        if (!line) {
            qmp_error(mon, id, "GenericError", "Parameter 'command-line' is missing");
            return;
        }
        json_buf out = {0};
        json_buf_add(&out, "");
        human_command(mon, line, &out);
        json_buf s = {0};
        json_buf_string(&s, out.text ? out.text : "");
        if (!s.failed) qmp_return(mon, id, s.text);
        json_buf_free(&s);
        json_buf_free(&out);
    } else {
        snprintf(text, sizeof text, "The command %s has not been found", cmd);
        qmp_error(mon, id, "CommandNotFound", text);
    }
}

static void qmp_message(monitor *mon, const char *text, size_t len) {
    char err[200];
    json_value *msg = json_parse(text, len, err, sizeof err);
    if (!msg) {
        qmp_error(mon, NULL, "GenericError", err);
        return;
    }
    if (msg->type != JSON_OBJECT)
        qmp_error(mon, NULL, "GenericError", "QMP input must be a JSON object");
    else
        qmp_execute(mon, msg);
    json_free(msg);
}

/* ---- the human monitor ---- */

static void human_command(monitor *mon, const char *line, json_buf *out) {
    while (*line == ' ' || *line == '\t')
        line++;
    char word[64] = "", arg[4096] = "";
    sscanf(line, "%63s %4095[^\r\n]", word, arg);
    char err[600];
    if (!word[0]) return;
    if (strcmp(word, "info") == 0 && strncmp(arg, "registers", 9) == 0) {
        info_registers(mon, out);
    } else if (strcmp(word, "info") == 0 && strcmp(arg, "status") == 0) {
        const char *st = run_status(mon);
        json_buf_printf(out, "VM status: %s\r\n",
                        strcmp(st, "prelaunch") == 0 ? "paused (prelaunch)" : st);
    } else if (strcmp(word, "info") == 0 && strcmp(arg, "version") == 0) {
        json_buf_printf(out, "%d.%d.%d (socemu %s)\r\n", QMP_MAJOR, QMP_MINOR, QMP_MICRO,
                        SOCEMU_VERSION);
    } else if (strcmp(word, "info") == 0 && strcmp(arg, "cpus") == 0) {
        cpu_cluster *cpus = machine_cpus(mon->m);
        for (unsigned c = 0; cpus && c < cpu_cluster_size(cpus); c++) {
            arm_cpu *cpu = cpu_cluster_core(cpus, c);
            json_buf_printf(out, "%c CPU #%u: pc=0x%016llx %s thread_id=%d\r\n", c ? ' ' : '*', c,
                            (unsigned long long)cpu_get_pc(cpu), cpu_is_idle(cpu) ? "(halted)" : "",
                            (int)getpid());
        }
    } else if (strcmp(word, "stop") == 0) {
        do_stop(mon);
    } else if (strcmp(word, "cont") == 0 || strcmp(word, "c") == 0) {
        do_cont(mon);
    } else if (strcmp(word, "system_reset") == 0) {
        do_reset(mon);
    } else if (strcmp(word, "system_powerdown") == 0) {
        do_powerdown(mon);
    } else if (strcmp(word, "quit") == 0 || strcmp(word, "q") == 0) {
        mon->quit = true;
    } else if (strcmp(word, "screendump") == 0) {
        char file[4096] = "", fmt[16] = "";
        /* screendump FILE [-f png|ppm] (QEMU 7.2 takes -f before or after) */
        char *f = strstr(arg, "-f ");
        if (f) {
            sscanf(f + 3, "%15s", fmt);
            *f = '\0';
        }
        sscanf(arg, "%4095s", file);
        if (!file[0])
            json_buf_add(out, "screendump: missing file name\r\n");
        else if (!screendump(mon, file, fmt[0] ? fmt : NULL, err, sizeof err))
            json_buf_printf(out, "%s\r\n", err);
    } else if (strcmp(word, "help") == 0 || strcmp(word, "?") == 0) {
        json_buf_add(out, "info registers|status|version|cpus, stop, cont|c, system_reset, "
                          "system_powerdown, screendump FILE [-f png|ppm], quit|q\r\n");
    } else {
        json_buf_printf(out, "unknown command: '%s'\r\n", word);
    }
}

static void human_line(monitor *mon, const char *line) {
    json_buf out = {0};
    json_buf_add(&out, "");
    human_command(mon, line, &out);
    if (!mon->quit) json_buf_add(&out, "(qemu) ");
    if (!out.failed) send_text(mon, out.text, out.len);
    json_buf_free(&out);
}

/* ---- the run loop's side ---- */

static void watch_machine(monitor *mon) {
    bool halted = machine_debug_halted(mon->m);
    if (halted != mon->seen_halted) {
        mon->seen_halted = halted;
        qmp_event(mon, halted ? "STOP" : "RESUME", NULL);
    }
    unsigned resets = machine_reset_count(mon->m);
    while (mon->seen_resets < resets) {
        mon->seen_resets++;
        bool host = mon->host_resets > 0;
        if (host) mon->host_resets--;
        qmp_event(mon, "RESET",
                  host ? "{\"guest\": false, \"reason\": \"host-qmp-system-reset\"}"
                       : "{\"guest\": true, \"reason\": \"guest-reset\"}");
    }
}

void monitor_poll(monitor *mon) {
    if (!mon || !mon->m) return;
    if (!serial_backend_connected(mon->backend)) mon->in_len = 0; /* a client left: its rest */
    unsigned conns = serial_backend_connections(mon->backend);
    if (conns != mon->greeted && serial_backend_connected(mon->backend)) {
        mon->greeted = conns;
        greet(mon);
    }
    watch_machine(mon);
    poll_button(mon);
    if (mon->overflow) {
        mon->overflow = false;
        if (mon->control) qmp_error(mon, NULL, "GenericError", "QMP input too large");
    }
    size_t used = 0;
    while (!mon->quit && used < mon->in_len) {
        char *p = mon->in + used;
        size_t left = mon->in_len - used;
        size_t n;
        if (mon->control) {
            n = json_frame(p, left);
            if (!n) break;
            qmp_message(mon, p, n);
        } else {
            char *nl = memchr(p, '\n', left);
            if (!nl) nl = memchr(p, '\r', left);
            if (!nl) break;
            n = (size_t)(nl - p) + 1;
            *nl = '\0';
            human_line(mon, p);
        }
        used += n;
    }
    memmove(mon->in, mon->in + used, mon->in_len - used);
    mon->in_len -= used;
    watch_machine(mon); /* a stop or cont just now: its event follows the reply, as in QEMU */
}

void monitor_shutdown(monitor *mon, bool guest, const char *reason) {
    if (!mon || !mon->m) return;
    watch_machine(mon);
    char data[160];
    snprintf(data, sizeof data, "{\"guest\": %s, \"reason\": \"%s\"}", guest ? "true" : "false",
             reason);
    qmp_event(mon, "SHUTDOWN", data);
}
