/* -nic/-netdev/--net option strings; see net_user.h. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net_user.h"

static bool parse_port(const char *s, size_t n, uint16_t *port) {
    if (n == 0 || n > 5) return false;
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v == 0 || v > 65535) return false;
    *port = (uint16_t)v;
    return true;
}

static bool parse_addr(const char *s, size_t n, uint32_t *addr) {
    char buf[32];
    if (n == 0) {
        *addr = 0;
        return true;
    }
    if (n >= sizeof buf) return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    struct in_addr a;
    if (inet_pton(AF_INET, buf, &a) != 1) return false;
    *addr = a.s_addr;
    return true;
}

/* ADDR:PORT with ADDR optional; the ':' is required. */
static bool parse_endpoint(const char *s, size_t n, uint32_t *addr, uint16_t *port) {
    const char *colon = memchr(s, ':', n);
    if (!colon) return false;
    size_t an = (size_t)(colon - s);
    return parse_addr(s, an, addr) && parse_port(colon + 1, n - an - 1, port);
}

/* hostfwd=[tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT */
static int parse_hostfwd(const char *v, size_t n, cli_net *net, char *err, size_t errlen) {
    if (net->n_fwd >= CLI_NET_MAX_FWD) {
        snprintf(err, errlen, "more than %d hostfwd rules", CLI_NET_MAX_FWD);
        return -1;
    }
    cli_hostfwd *f = &net->fwd[net->n_fwd];
    memset(f, 0, sizeof *f);
    snprintf(f->text, sizeof f->text, "hostfwd=%.*s", (int)(n < 100 ? n : 100), v);
    const char *p = v, *end = v + n;
    if (n >= 4 && !strncmp(p, "tcp:", 4)) {
        p += 4;
    } else if (n >= 4 && !strncmp(p, "udp:", 4)) {
        f->udp = true;
        p += 4;
    } else if (n >= 1 && p[0] == ':') {
        p += 1; /* protocol omitted: tcp */
    } else {
        snprintf(err, errlen, "%s: the protocol must be tcp or udp", f->text);
        return -1;
    }
    const char *dash = memchr(p, '-', (size_t)(end - p));
    if (!dash || !parse_endpoint(p, (size_t)(dash - p), &f->host_addr, &f->host_port) ||
        !parse_endpoint(dash + 1, (size_t)(end - dash - 1), &f->guest_addr, &f->guest_port)) {
        snprintf(err, errlen,
                 "%s: expected [tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT (ports 1-65535)",
                 f->text);
        return -1;
    }
    net->n_fwd++;
    return 0;
}

static int parse_bool(const char *opt, const char *v, size_t n, bool *out, char *err,
                      size_t errlen) {
    static const char *const yes[] = {"on", "yes", "true", "1"}, *const no[] = {"off", "no",
                                                                                "false", "0"};
    for (unsigned i = 0; i < 4; i++) {
        if (strlen(yes[i]) == n && !strncmp(v, yes[i], n)) return *out = true, 0;
        if (strlen(no[i]) == n && !strncmp(v, no[i], n)) return *out = false, 0;
    }
    snprintf(err, errlen, "%s='%.*s' is not on or off", opt, (int)(n < 40 ? n : 40), v);
    return -1;
}

static int parse_mac(const char *v, size_t n, cli_net *net, char *err, size_t errlen) {
    unsigned b[6];
    char buf[32], tail;
    if (n < sizeof buf) {
        memcpy(buf, v, n);
        buf[n] = '\0';
        if (n == 17 &&
            sscanf(buf, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
                   &tail) == 6 &&
            !(b[0] & 1)) {
            for (unsigned i = 0; i < 6; i++)
                net->mac[i] = (uint8_t)b[i];
            net->have_mac = true;
            return 0;
        }
    }
    snprintf(err, errlen, "mac='%.*s' is not a unicast address like 52:54:00:12:34:56",
             (int)(n < 40 ? n : 40), v);
    return -1;
}

int cli_net_parse(const char *spec, cli_net *net, char *err, size_t errlen) {
    const char *dump = net->dump;
    memset(net, 0, sizeof *net);
    net->dump = dump;
    size_t kind = strcspn(spec, ",");
    if (kind == 4 && !strncmp(spec, "none", 4) && !spec[4]) {
        net->none = true;
        return 0;
    }
    if (kind != 4 || strncmp(spec, "user", 4)) {
        snprintf(err, errlen,
                 "'%.*s' is not a network backend (user or none; tap is not supported)",
                 (int)(kind < 40 ? kind : 40), spec);
        return -1;
    }
    const char *p = spec + kind;
    while (*p == ',') {
        p++;
        size_t len = strcspn(p, ",");
        const char *eq = memchr(p, '=', len);
        if (!eq) {
            snprintf(err, errlen, "'%.*s': expected option=value", (int)(len < 60 ? len : 60), p);
            return -1;
        }
        size_t kl = (size_t)(eq - p), vl = len - kl - 1;
        const char *v = eq + 1;
#define KEY(k) (kl == strlen(k) && !strncmp(p, k, kl))
        int r = 0;
        if (KEY("hostfwd")) {
            r = parse_hostfwd(v, vl, net, err, errlen);
        } else if (KEY("restrict")) {
            r = parse_bool("restrict", v, vl, &net->restricted, err, errlen);
        } else if (KEY("mac")) {
            r = parse_mac(v, vl, net, err, errlen);
        } else if (KEY("id") || KEY("model")) {
            /* -netdev's id (one board NIC takes it), -nic's model (the board's own NIC) */
        } else {
            snprintf(err, errlen, "unknown option '%.*s' (hostfwd, restrict, mac, id, model)",
                     (int)(kl < 40 ? kl : 40), p);
            r = -1;
        }
#undef KEY
        if (r) return r;
        p += len;
    }
    return 0;
}
