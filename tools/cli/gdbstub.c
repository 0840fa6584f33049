/* The gdb remote serial protocol over TCP, all-stop mode: the whole machine halts when gdb has
 * control. Cores are threads 1..N; registers follow the target.xml below (x0-x30, sp, pc, cpsr,
 * v0-v31, fpsr, fpcr). Memory goes through the selected core's current translation. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gdbstub.h"

enum {
    PACKET_MAX = 0x4000, /* advertised PacketSize: the largest packet gdb may send us */
    RX_MAX = 2 * PACKET_MAX,
    TX_MAX = 2 * PACKET_MAX + 16,
    MEM_MAX = PACKET_MAX / 2 - 16, /* bytes per m reply (hex doubles them) */
    MAX_STUB_BREAKPOINTS = 64,
};

/* gdb register numbers, in target.xml order. */
enum {
    REG_X0 = 0,
    REG_SP = 31,
    REG_PC = 32,
    REG_CPSR = 33,
    REG_V0 = 34,
    REG_FPSR = 66,
    REG_FPCR = 67,
    REG_COUNT = 68
};

struct gdb_stub {
    machine *m;
    int listen_fd, fd;
    char rx[RX_MAX];
    size_t rx_len;
    char tx[TX_MAX];
    bool no_ack;
    bool running; /* gdb resumed the machine and waits for a stop reply */
    bool killed;
    unsigned g_thread, c_thread; /* 1-based cores for registers/memory and for step/continue */
    uint64_t breakpoints[MAX_STUB_BREAKPOINTS];
    unsigned n_breakpoints;
    char *target_xml;
};

/* ---- target description ---- */

static char *build_target_xml(void) {
    size_t cap = 16384, n = 0;
    char *x = malloc(cap);
    if (!x) return NULL;
#define ADD(...) n += (size_t)snprintf(x + n, cap - n, __VA_ARGS__)
    ADD("<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
        "<target version=\"1.0\">\n<architecture>aarch64</architecture>\n"
        "<feature name=\"org.gnu.gdb.aarch64.core\">\n");
    for (int i = 0; i <= 30; i++)
        ADD("<reg name=\"x%d\" bitsize=\"64\" type=\"int\" regnum=\"%d\"/>\n", i, i);
    ADD("<reg name=\"sp\" bitsize=\"64\" type=\"data_ptr\"/>\n"
        "<reg name=\"pc\" bitsize=\"64\" type=\"code_ptr\"/>\n"
        "<reg name=\"cpsr\" bitsize=\"32\" type=\"int\"/>\n</feature>\n"
        "<feature name=\"org.gnu.gdb.aarch64.fpu\">\n"
        "<vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/>\n"
        "<vector id=\"v2u\" type=\"uint64\" count=\"2\"/>\n"
        "<vector id=\"v2i\" type=\"int64\" count=\"2\"/>\n"
        "<vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/>\n"
        "<vector id=\"v4u\" type=\"uint32\" count=\"4\"/>\n"
        "<vector id=\"v4i\" type=\"int32\" count=\"4\"/>\n"
        "<vector id=\"v8u\" type=\"uint16\" count=\"8\"/>\n"
        "<vector id=\"v8i\" type=\"int16\" count=\"8\"/>\n"
        "<vector id=\"v16u\" type=\"uint8\" count=\"16\"/>\n"
        "<vector id=\"v16i\" type=\"int8\" count=\"16\"/>\n"
        "<vector id=\"v1u\" type=\"uint128\" count=\"1\"/>\n"
        "<vector id=\"v1i\" type=\"int128\" count=\"1\"/>\n"
        "<union id=\"vnd\"><field name=\"f\" type=\"v2d\"/><field name=\"u\" type=\"v2u\"/>"
        "<field name=\"s\" type=\"v2i\"/></union>\n"
        "<union id=\"vns\"><field name=\"f\" type=\"v4f\"/><field name=\"u\" type=\"v4u\"/>"
        "<field name=\"s\" type=\"v4i\"/></union>\n"
        "<union id=\"vnh\"><field name=\"u\" type=\"v8u\"/><field name=\"s\" type=\"v8i\"/>"
        "</union>\n"
        "<union id=\"vnb\"><field name=\"u\" type=\"v16u\"/><field name=\"s\" type=\"v16i\"/>"
        "</union>\n"
        "<union id=\"vnq\"><field name=\"u\" type=\"v1u\"/><field name=\"s\" type=\"v1i\"/>"
        "</union>\n"
        "<union id=\"aarch64v\"><field name=\"d\" type=\"vnd\"/><field name=\"s\" type=\"vns\"/>"
        "<field name=\"h\" type=\"vnh\"/><field name=\"b\" type=\"vnb\"/>"
        "<field name=\"q\" type=\"vnq\"/></union>\n");
    for (int i = 0; i < 32; i++)
        ADD("<reg name=\"v%d\" bitsize=\"128\" type=\"aarch64v\" regnum=\"%d\"/>\n", i, REG_V0 + i);
    ADD("<reg name=\"fpsr\" bitsize=\"32\" type=\"int\"/>\n"
        "<reg name=\"fpcr\" bitsize=\"32\" type=\"int\"/>\n</feature>\n</target>\n");
#undef ADD
    return x;
}

/* ---- hex ---- */

static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static char *put_hex_bytes(char *out, const void *data, size_t len) {
    static const char digits[] = "0123456789abcdef";
    const uint8_t *p = data;
    for (size_t i = 0; i < len; i++) {
        *out++ = digits[p[i] >> 4];
        *out++ = digits[p[i] & 15];
    }
    *out = '\0';
    return out;
}

/* Decodes exactly len bytes; false on a bad or short hex string. */
static bool get_hex_bytes(const char *in, void *data, size_t len) {
    uint8_t *p = data;
    for (size_t i = 0; i < len; i++) {
        int hi = hex_digit(in[2 * i]), lo = hi < 0 ? -1 : hex_digit(in[2 * i + 1]);
        if (hi < 0 || lo < 0) return false;
        p[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

/* A hex number at *p; advances *p past it. False if there is none. */
static bool get_hex_u64(const char **p, uint64_t *value) {
    uint64_t v = 0;
    const char *s = *p;
    int d;
    while ((d = hex_digit(*s)) >= 0)
        v = v << 4 | (uint64_t)d, s++;
    if (s == *p) return false;
    *p = s;
    *value = v;
    return true;
}

/* ---- transport ---- */

static void close_client(gdb_stub *s) {
    if (s->fd >= 0) close(s->fd);
    s->fd = -1;
    s->rx_len = 0;
    s->no_ack = false;
    s->running = false;
}

static void send_raw(gdb_stub *s, const char *data, size_t len) {
    while (len && s->fd >= 0) {
        ssize_t n = send(s->fd, data, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            close_client(s);
            return;
        }
        data += n;
        len -= (size_t)n;
    }
}

static void send_packet(gdb_stub *s, const char *payload) {
    size_t len = strlen(payload);
    char *buf = malloc(len + 5);
    if (!buf) return;
    unsigned sum = 0;
    buf[0] = '$';
    for (size_t i = 0; i < len; i++) {
        buf[1 + i] = payload[i];
        sum += (uint8_t)payload[i];
    }
    snprintf(buf + 1 + len, 4, "#%02x", sum & 0xff);
    send_raw(s, buf, len + 4);
    free(buf);
}

/* ---- machine view ---- */

static unsigned n_threads(const gdb_stub *s) {
    return cpu_cluster_size(machine_cpus(s->m));
}

static arm_cpu *thread_cpu(gdb_stub *s, unsigned thread) {
    return cpu_cluster_core(machine_cpus(s->m), thread - 1);
}

static size_t reg_size(unsigned n) {
    if (n == REG_CPSR || n == REG_FPSR || n == REG_FPCR) return 4;
    if (n >= REG_V0 && n < REG_V0 + 32) return 16;
    return 8;
}

static void read_reg(arm_cpu *cpu, unsigned n, uint8_t *out) {
    uint64_t v = 0;
    uint32_t fpsr, fpcr;
    if (n < 31) {
        v = cpu_get_xreg(cpu, n);
    } else if (n == REG_SP) {
        v = cpu_get_sp(cpu);
    } else if (n == REG_PC) {
        v = cpu_get_pc(cpu);
    } else if (n == REG_CPSR) {
        v = cpu_get_pstate(cpu);
    } else if (n >= REG_V0 && n < REG_V0 + 32) {
        uint64_t lo, hi;
        cpu_get_vreg(cpu, n - REG_V0, &lo, &hi);
        memcpy(out, &lo, 8); /* little-endian host, as gdb's target byte order */
        memcpy(out + 8, &hi, 8);
        return;
    } else {
        cpu_get_fp_status(cpu, &fpsr, &fpcr);
        v = n == REG_FPSR ? fpsr : fpcr;
    }
    memcpy(out, &v, reg_size(n));
}

static void write_reg(arm_cpu *cpu, unsigned n, const uint8_t *in) {
    uint64_t v = 0;
    uint32_t fpsr, fpcr;
    if (n >= REG_V0 && n < REG_V0 + 32) {
        uint64_t lo, hi;
        memcpy(&lo, in, 8);
        memcpy(&hi, in + 8, 8);
        cpu_set_vreg(cpu, n - REG_V0, lo, hi);
        return;
    }
    memcpy(&v, in, reg_size(n));
    if (n < 31) {
        cpu_set_xreg(cpu, n, v);
    } else if (n == REG_SP) {
        cpu_set_sp(cpu, v);
    } else if (n == REG_PC) {
        cpu_set_pc(cpu, v);
    } else if (n == REG_CPSR) {
        cpu_set_pstate_flags(cpu, (uint32_t)v);
    } else {
        cpu_get_fp_status(cpu, &fpsr, &fpcr);
        if (n == REG_FPSR)
            fpsr = (uint32_t)v;
        else
            fpcr = (uint32_t)v;
        cpu_set_fp_status(cpu, fpsr, fpcr);
    }
}

static void reply_stop(gdb_stub *s, unsigned signal, unsigned thread) {
    char buf[64];
    snprintf(buf, sizeof buf, "T%02xthread:%x;", signal, thread);
    s->g_thread = s->c_thread = thread;
    send_packet(s, buf);
}

/* After a halt: SIGTRAP on the core that hit a breakpoint, else SIGINT (Ctrl-C). */
static void report_halt(gdb_stub *s) {
    int core = machine_debug_breakpoint_core(s->m);
    if (core >= 0)
        reply_stop(s, 5, (unsigned)core + 1);
    else
        reply_stop(s, 2, s->c_thread);
}

static void resume(gdb_stub *s) {
    s->running = true;
    machine_debug_resume(s->m);
}

static void step(gdb_stub *s, unsigned thread) {
    machine_debug_step(s->m, thread - 1);
    reply_stop(s, 5, thread);
}

static void remove_all_breakpoints(gdb_stub *s) {
    for (unsigned i = 0; i < s->n_breakpoints; i++)
        machine_debug_clear_breakpoint(s->m, s->breakpoints[i]);
    s->n_breakpoints = 0;
}

/* ---- packets ---- */

static bool valid_thread(const gdb_stub *s, long long t) {
    return t >= 1 && (unsigned long long)t <= n_threads(s);
}

/* "Hg<tid>" / "Hc<tid>": 0 = any, -1 = all; both keep the current choice. */
static void handle_set_thread(gdb_stub *s, const char *p) {
    char op = p[1];
    long long t = strtoll(p + 2, NULL, 16);
    if (t > 0 && !valid_thread(s, t)) {
        send_packet(s, "E22");
        return;
    }
    if (t > 0) {
        if (op == 'g')
            s->g_thread = (unsigned)t;
        else
            s->c_thread = (unsigned)t;
    }
    send_packet(s, "OK");
}

static void handle_read_all(gdb_stub *s) {
    arm_cpu *cpu = thread_cpu(s, s->g_thread);
    char *out = s->tx;
    for (unsigned n = 0; n < REG_COUNT; n++) {
        uint8_t v[16];
        read_reg(cpu, n, v);
        out = put_hex_bytes(out, v, reg_size(n));
    }
    send_packet(s, s->tx);
}

static void handle_write_all(gdb_stub *s, const char *hex) {
    arm_cpu *cpu = thread_cpu(s, s->g_thread);
    for (unsigned n = 0; n < REG_COUNT && *hex; n++) {
        uint8_t v[16];
        size_t size = reg_size(n);
        if (strlen(hex) < 2 * size || !get_hex_bytes(hex, v, size)) {
            send_packet(s, "E22");
            return;
        }
        write_reg(cpu, n, v);
        hex += 2 * size;
    }
    send_packet(s, "OK");
}

static void handle_read_reg(gdb_stub *s, const char *p) {
    uint64_t n;
    if (!get_hex_u64(&p, &n) || n >= REG_COUNT) {
        send_packet(s, "E22");
        return;
    }
    uint8_t v[16];
    read_reg(thread_cpu(s, s->g_thread), (unsigned)n, v);
    put_hex_bytes(s->tx, v, reg_size((unsigned)n));
    send_packet(s, s->tx);
}

static void handle_write_reg(gdb_stub *s, const char *p) {
    uint64_t n;
    uint8_t v[16];
    if (!get_hex_u64(&p, &n) || n >= REG_COUNT || *p++ != '=' ||
        strlen(p) < 2 * reg_size((unsigned)n) || !get_hex_bytes(p, v, reg_size((unsigned)n))) {
        send_packet(s, "E22");
        return;
    }
    write_reg(thread_cpu(s, s->g_thread), (unsigned)n, v);
    send_packet(s, "OK");
}

/* "ADDR,LEN" then the separator; false if malformed. */
static bool get_addr_len(const char **p, uint64_t *addr, uint64_t *len) {
    return get_hex_u64(p, addr) && *(*p)++ == ',' && get_hex_u64(p, len);
}

static void handle_read_mem(gdb_stub *s, const char *p) {
    uint64_t addr, len;
    if (!get_addr_len(&p, &addr, &len)) {
        send_packet(s, "E22");
        return;
    }
    if (len > MEM_MAX) len = MEM_MAX;
    uint8_t buf[MEM_MAX];
    if (!cpu_debug_read_virt(thread_cpu(s, s->g_thread), addr, buf, len)) {
        send_packet(s, "E14"); /* EFAULT */
        return;
    }
    put_hex_bytes(s->tx, buf, len);
    send_packet(s, s->tx);
}

/* 'M' carries hex, 'X' binary with '}' escapes (len counts the decoded bytes). */
static void handle_write_mem(gdb_stub *s, const char *p, size_t packet_len, bool binary) {
    const char *end = p + packet_len - 1;
    uint64_t addr, len;
    if (!get_addr_len(&p, &addr, &len) || *p++ != ':' || len > PACKET_MAX) {
        send_packet(s, "E22");
        return;
    }
    uint8_t buf[PACKET_MAX];
    size_t got = 0;
    if (binary) {
        while (p < end && got < len) {
            char c = *p++;
            if (c == '}' && p < end) c = (char)(*p++ ^ 0x20);
            buf[got++] = (uint8_t)c;
        }
    } else if ((size_t)(end - p) >= 2 * len && get_hex_bytes(p, buf, len)) {
        got = len;
    }
    if (got != len) {
        send_packet(s, "E22");
        return;
    }
    if (len && !cpu_debug_write_virt(thread_cpu(s, s->g_thread), addr, buf, len)) {
        send_packet(s, "E14");
        return;
    }
    send_packet(s, "OK");
}

/* Z0/Z1 (software/hardware breakpoint: both are the CPU's decode-time breakpoints); watchpoints
 * are not supported (empty reply). */
static void handle_breakpoint(gdb_stub *s, const char *p) {
    bool insert = p[0] == 'Z';
    if (p[1] != '0' && p[1] != '1') {
        send_packet(s, "");
        return;
    }
    p += 3;
    uint64_t addr;
    if (!get_hex_u64(&p, &addr)) {
        send_packet(s, "E22");
        return;
    }
    unsigned i = 0;
    while (i < s->n_breakpoints && s->breakpoints[i] != addr)
        i++;
    if (insert) {
        if (i == s->n_breakpoints) {
            if (s->n_breakpoints == MAX_STUB_BREAKPOINTS ||
                !machine_debug_set_breakpoint(s->m, addr)) {
                send_packet(s, "E28"); /* ENOSPC */
                return;
            }
            s->breakpoints[s->n_breakpoints++] = addr;
        }
    } else if (i < s->n_breakpoints) {
        machine_debug_clear_breakpoint(s->m, addr);
        s->breakpoints[i] = s->breakpoints[--s->n_breakpoints];
    }
    send_packet(s, "OK");
}

/* "vCont;ACTION[:TID];..." — all-stop: a step action steps its thread alone (the others stay
 * stopped, as in QEMU); otherwise continue resumes every core. */
static void handle_vcont(gdb_stub *s, const char *p) {
    unsigned step_thread = 0;
    bool cont = false;
    while (*p == ';') {
        char action = p[1];
        p += 2;
        if (action == 'C' || action == 'S') { /* the signal number does not apply */
            uint64_t sig;
            get_hex_u64(&p, &sig);
        }
        long long t = 0;
        if (*p == ':') {
            char *e;
            t = strtoll(p + 1, &e, 16);
            p = e;
        }
        if ((action == 's' || action == 'S') && !step_thread)
            step_thread = valid_thread(s, t) ? (unsigned)t : s->c_thread;
        else if (action == 'c' || action == 'C')
            cont = true;
        while (*p && *p != ';')
            p++;
    }
    if (step_thread)
        step(s, step_thread);
    else if (cont)
        resume(s);
    else
        send_packet(s, "E22");
}

static void handle_xfer_features(gdb_stub *s, const char *p) {
    const char *prefix = "qXfer:features:read:target.xml:";
    if (strncmp(p, prefix, strlen(prefix)) != 0) {
        send_packet(s, "E00");
        return;
    }
    p += strlen(prefix);
    uint64_t off, len;
    if (!get_addr_len(&p, &off, &len)) {
        send_packet(s, "E22");
        return;
    }
    size_t total = strlen(s->target_xml);
    if (off >= total) {
        send_packet(s, "l");
        return;
    }
    if (len > PACKET_MAX - 8) len = PACKET_MAX - 8;
    size_t n = total - off < len ? total - off : len;
    s->tx[0] = off + n >= total ? 'l' : 'm';
    memcpy(s->tx + 1, s->target_xml + off, n);
    s->tx[1 + n] = '\0';
    send_packet(s, s->tx);
}

static void handle_thread_extra(gdb_stub *s, const char *p) {
    long long t = strtoll(p, NULL, 16);
    if (!valid_thread(s, t)) {
        send_packet(s, "E22");
        return;
    }
    arm_cpu *cpu = thread_cpu(s, (unsigned)t);
    char text[64];
    snprintf(text, sizeof text, "cpu%lld EL%u%s", t - 1, cpu_get_el(cpu),
             cpu_is_idle(cpu) ? " idle" : "");
    put_hex_bytes(s->tx, text, strlen(text));
    send_packet(s, s->tx);
}

static void handle_query(gdb_stub *s, const char *p) {
    if (strncmp(p, "qSupported", 10) == 0) {
        snprintf(s->tx, TX_MAX,
                 "PacketSize=%x;qXfer:features:read+;QStartNoAckMode+;vContSupported+", PACKET_MAX);
        send_packet(s, s->tx);
    } else if (strncmp(p, "qXfer:features:read:", 20) == 0) {
        handle_xfer_features(s, p);
    } else if (strcmp(p, "qfThreadInfo") == 0) {
        char *out = s->tx;
        *out++ = 'm';
        for (unsigned t = 1; t <= n_threads(s); t++)
            out += sprintf(out, t > 1 ? ",%x" : "%x", t);
        send_packet(s, s->tx);
    } else if (strcmp(p, "qsThreadInfo") == 0) {
        send_packet(s, "l");
    } else if (strcmp(p, "qC") == 0) {
        snprintf(s->tx, TX_MAX, "QC%x", s->g_thread);
        send_packet(s, s->tx);
    } else if (strcmp(p, "qAttached") == 0) {
        send_packet(s, "1");
    } else if (strncmp(p, "qThreadExtraInfo,", 17) == 0) {
        handle_thread_extra(s, p + 17);
    } else if (strncmp(p, "qSymbol", 7) == 0) {
        send_packet(s, "OK");
    } else if (strcmp(p, "QStartNoAckMode") == 0) {
        send_packet(s, "OK");
        s->no_ack = true;
    } else {
        send_packet(s, "");
    }
}

static void handle_packet(gdb_stub *s, char *p, size_t len) {
    switch (p[0]) {
    case '?': reply_stop(s, 5, s->c_thread); break;
    case 'H': handle_set_thread(s, p); break;
    case 'T': send_packet(s, valid_thread(s, strtoll(p + 1, NULL, 16)) ? "OK" : "E22"); break;
    case 'g': handle_read_all(s); break;
    case 'G': handle_write_all(s, p + 1); break;
    case 'p': handle_read_reg(s, p + 1); break;
    case 'P': handle_write_reg(s, p + 1); break;
    case 'm': handle_read_mem(s, p + 1); break;
    case 'M': handle_write_mem(s, p + 1, len, false); break;
    case 'X': handle_write_mem(s, p + 1, len, true); break;
    case 'Z':
    case 'z': handle_breakpoint(s, p); break;
    case 'c':
    case 's': {
        const char *a = p + 1;
        uint64_t addr;
        if (get_hex_u64(&a, &addr)) cpu_set_pc(thread_cpu(s, s->c_thread), addr);
        if (p[0] == 's')
            step(s, s->c_thread);
        else
            resume(s);
        break;
    }
    case 'v':
        if (strcmp(p, "vCont?") == 0)
            send_packet(s, "vCont;c;C;s;S");
        else if (strncmp(p, "vCont;", 6) == 0)
            handle_vcont(s, p + 5);
        else
            send_packet(s, "");
        break;
    case 'q':
    case 'Q': handle_query(s, p); break;
    case 'D':
        send_packet(s, "OK");
        remove_all_breakpoints(s);
        machine_debug_resume(s->m);
        close_client(s);
        break;
    case 'k':
        remove_all_breakpoints(s);
        s->killed = true;
        close_client(s);
        machine_stop(s->m);
        break;
    default: send_packet(s, ""); break;
    }
}

/* Consumes complete packets and Ctrl-C bytes from rx. Packets wait while the machine runs: in
 * all-stop mode gdb only sends them once it has a stop reply. */
static void process_input(gdb_stub *s) {
    size_t pos = 0;
    while (pos < s->rx_len && s->fd >= 0) {
        char c = s->rx[pos];
        if (c == 0x03) {
            pos++;
            if (!machine_debug_halted(s->m)) machine_debug_halt(s->m);
            continue;
        }
        if (c != '$') {
            pos++; /* acks, or noise between packets */
            continue;
        }
        if (!machine_debug_halted(s->m)) break;
        char *hash = memchr(s->rx + pos, '#', s->rx_len - pos);
        if (!hash || (size_t)(hash - s->rx) + 3 > s->rx_len) break;
        char *body = s->rx + pos + 1;
        size_t len = (size_t)(hash - body);
        unsigned sum = 0;
        for (size_t i = 0; i < len; i++)
            sum += (uint8_t)body[i];
        int want = hex_digit(hash[1]) << 4 | hex_digit(hash[2]);
        pos = (size_t)(hash - s->rx) + 3;
        if (!s->no_ack) send_raw(s, (sum & 0xff) == (unsigned)want ? "+" : "-", 1);
        if ((sum & 0xff) != (unsigned)want && !s->no_ack) continue;
        *hash = '\0';
        handle_packet(s, body, len);
    }
    if (s->fd < 0) return;
    memmove(s->rx, s->rx + pos, s->rx_len - pos);
    s->rx_len -= pos;
}

static void accept_client(gdb_stub *s) {
    int fd = accept(s->listen_fd, NULL, NULL);
    if (fd < 0) return;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    s->fd = fd;
    s->rx_len = 0;
    s->g_thread = s->c_thread = 1;
    s->running = false;
    /* As QEMU does: the guest stops while gdb takes over. */
    machine_debug_halt(s->m);
}

void gdb_stub_poll(gdb_stub *s) {
    bool halted = machine_debug_halted(s->m);
    struct pollfd pfd = {.fd = s->fd >= 0 ? s->fd : s->listen_fd, .events = POLLIN};
    /* Halted: nothing else to do, so wait a little for gdb instead of spinning. */
    int ready = poll(&pfd, 1, halted ? 10 : 0);
    if (s->fd < 0) {
        if (ready > 0 && (pfd.revents & POLLIN)) accept_client(s);
        return;
    }
    if (ready > 0 && (pfd.revents & (POLLIN | POLLHUP | POLLERR))) {
        if (s->rx_len == RX_MAX) s->rx_len = 0; /* garbage: start over */
        ssize_t n = recv(s->fd, s->rx + s->rx_len, RX_MAX - s->rx_len, 0);
        if (n <= 0) {
            /* gdb went away: as a detach, the guest carries on. */
            close_client(s);
            remove_all_breakpoints(s);
            machine_debug_resume(s->m);
            return;
        }
        s->rx_len += (size_t)n;
    }
    if (s->running && machine_debug_halted(s->m)) {
        s->running = false;
        report_halt(s);
    }
    if (s->rx_len) process_input(s);
}

bool gdb_stub_killed(const gdb_stub *s) {
    return s->killed;
}

/* "tcp::1234", "tcp:HOST:1234" */
static int open_listener(const char *spec, char *err, size_t errlen) {
    if (strncmp(spec, "tcp:", 4) != 0) {
        snprintf(err, errlen, "--gdb %s: expected tcp::PORT or tcp:HOST:PORT", spec);
        return -1;
    }
    const char *hostport = spec + 4, *colon = strrchr(hostport, ':');
    if (!colon || !colon[1]) {
        snprintf(err, errlen, "--gdb %s: expected tcp::PORT or tcp:HOST:PORT", spec);
        return -1;
    }
    char host[256];
    size_t hlen = (size_t)(colon - hostport);
    if (hlen >= sizeof host) hlen = sizeof host - 1;
    memcpy(host, hostport, hlen);
    host[hlen] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535) {
        snprintf(err, errlen, "--gdb %s: bad port '%s'", spec, colon + 1);
        return -1;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai;
    /* Loopback unless a host is named: a debugger port can read and write all guest memory. */
    int rc = getaddrinfo(hlen ? host : "127.0.0.1", colon + 1, &hints, &ai);
    if (rc != 0) {
        snprintf(err, errlen, "--gdb %s: %s", spec, gai_strerror(rc));
        return -1;
    }
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0), one = 1;
    if (fd >= 0) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 1) != 0) {
        snprintf(err, errlen, "--gdb %s: %s", spec, strerror(errno));
        if (fd >= 0) close(fd);
        freeaddrinfo(ai);
        return -1;
    }
    freeaddrinfo(ai);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}

gdb_stub *gdb_stub_open(const char *spec, machine *m, char *err, size_t errlen) {
    gdb_stub *s = calloc(1, sizeof *s);
    if (!s || !(s->target_xml = build_target_xml())) {
        snprintf(err, errlen, "out of memory");
        free(s);
        return NULL;
    }
    s->m = m;
    s->fd = -1;
    s->g_thread = s->c_thread = 1;
    s->listen_fd = open_listener(spec, err, errlen);
    if (s->listen_fd < 0) {
        free(s->target_xml);
        free(s);
        return NULL;
    }
    return s;
}

void gdb_stub_free(gdb_stub *s) {
    if (!s) return;
    if (s->fd >= 0 && s->running) send_packet(s, "W00"); /* the guest's run ended */
    close_client(s);
    close(s->listen_fd);
    free(s->target_xml);
    free(s);
}
