/* User-mode networking on libslirp for the board's Ethernet; see net_user.h. Single-threaded:
 * slirp runs from the scheduler's poll (net_user_poll), which hands it the host sockets' events
 * (a poll with no wait), fires its timers and so delivers received frames to the NIC. */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <slirp/libslirp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "net_user.h"
#include "soc/log.h"

#define MAX_TIMERS 16
#define MAX_FDS    256

typedef struct user_timer {
    bool used, armed;
    int64_t expire_ms;
    SlirpTimerCb cb;
    void *cb_opaque;
} user_timer;

static struct {
    Slirp *slirp;
    netport port;
    user_timer timers[MAX_TIMERS];
    struct pollfd fds[MAX_FDS];
    int n_fds;
    FILE *pcap;
    const char *pcap_path;
    bool pcap_failed;
} U;

static int64_t clock_ns(void *opaque) {
    (void)opaque;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void pcap_write(const void *frame, size_t len) {
    if (!U.pcap || U.pcap_failed) return;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    uint32_t rec[4] = {(uint32_t)tv.tv_sec, (uint32_t)tv.tv_usec, (uint32_t)len, (uint32_t)len};
    if (fwrite(rec, sizeof rec, 1, U.pcap) != 1 || fwrite(frame, 1, len, U.pcap) != len) {
        U.pcap_failed = true;
        soc_warn("--net-dump %s: %s; capture stopped", U.pcap_path, strerror(errno));
    }
}

/* slirp -> guest */
static ssize_t send_packet(const void *buf, size_t len, void *opaque) {
    (void)opaque;
    pcap_write(buf, len);
    if (U.port.receive && len <= NETPORT_MAX_FRAME) U.port.receive(U.port.fe_opaque, buf, len);
    return (ssize_t)len;
}

static void guest_error(const char *msg, void *opaque) {
    (void)opaque;
    soc_warn("net: %s", msg);
}

static void *timer_new(SlirpTimerCb cb, void *cb_opaque, void *opaque) {
    (void)opaque;
    for (unsigned i = 0; i < MAX_TIMERS; i++) {
        if (U.timers[i].used) continue;
        U.timers[i] = (user_timer){.used = true, .cb = cb, .cb_opaque = cb_opaque};
        return &U.timers[i];
    }
    soc_warn("net: out of slirp timers");
    return NULL;
}

static void timer_free(void *timer, void *opaque) {
    (void)opaque;
    if (timer) ((user_timer *)timer)->used = false;
}

static void timer_mod(void *timer, int64_t expire_ms, void *opaque) {
    (void)opaque;
    if (!timer) return;
    ((user_timer *)timer)->armed = true;
    ((user_timer *)timer)->expire_ms = expire_ms;
}

static void register_fd(int fd, void *opaque) {
    (void)fd, (void)opaque;
}

static void notify(void *opaque) {
    (void)opaque;
}

static const SlirpCb callbacks = {
    .send_packet = send_packet,
    .guest_error = guest_error,
    .clock_get_ns = clock_ns,
    .timer_new = timer_new,
    .timer_free = timer_free,
    .timer_mod = timer_mod,
    .register_poll_fd = register_fd,
    .unregister_poll_fd = register_fd,
    .notify = notify,
};

/* guest -> slirp */
static void port_send(netport *p, const uint8_t *frame, size_t len) {
    (void)p;
    pcap_write(frame, len);
    if (U.slirp) slirp_input(U.slirp, frame, (int)len);
}

static int add_poll(int fd, int events, void *opaque) {
    (void)opaque;
    if (U.n_fds >= MAX_FDS) return -1;
    short ev = 0;
    if (events & SLIRP_POLL_IN) ev |= POLLIN;
    if (events & SLIRP_POLL_OUT) ev |= POLLOUT;
    if (events & SLIRP_POLL_PRI) ev |= POLLPRI;
    U.fds[U.n_fds] = (struct pollfd){.fd = fd, .events = ev};
    return U.n_fds++;
}

static int get_revents(int idx, void *opaque) {
    (void)opaque;
    if (idx < 0 || idx >= U.n_fds) return 0;
    short r = U.fds[idx].revents;
    int out = 0;
    if (r & POLLIN) out |= SLIRP_POLL_IN;
    if (r & POLLOUT) out |= SLIRP_POLL_OUT;
    if (r & POLLPRI) out |= SLIRP_POLL_PRI;
    if (r & POLLERR) out |= SLIRP_POLL_ERR;
    if (r & POLLHUP) out |= SLIRP_POLL_HUP;
    return out;
}

void net_user_poll(void) {
    if (!U.slirp) return;
    int64_t now_ms = clock_ns(NULL) / 1000000;
    for (unsigned i = 0; i < MAX_TIMERS; i++) {
        user_timer *t = &U.timers[i];
        if (t->used && t->armed && t->expire_ms <= now_ms) {
            t->armed = false;
            t->cb(t->cb_opaque);
        }
    }
    /* A few rounds, so a burst (a download) is not held to one poll's worth per call. */
    for (int round = 0; round < 4; round++) {
        uint32_t timeout = 0;
        U.n_fds = 0;
        slirp_pollfds_fill(U.slirp, &timeout, add_poll, NULL);
        int r = poll(U.fds, (nfds_t)U.n_fds, 0);
        slirp_pollfds_poll(U.slirp, r < 0, get_revents, NULL);
        if (r <= 0) break;
    }
}

bool net_user_active(void) {
    return U.slirp != NULL && U.port.receive && U.port.rx_enabled;
}

static struct in_addr ip4(const char *s) {
    struct in_addr a;
    inet_pton(AF_INET, s, &a);
    return a;
}

netport *net_user_start(const cli_net *n, char *err, size_t errlen) {
    if (n->dump) {
        U.pcap = fopen(n->dump, "wb");
        uint32_t hdr[6] = {0xa1b2c3d4u, 2 | (4u << 16), 0, 0, 65535, 1 /* Ethernet */};
        if (!U.pcap || fwrite(hdr, sizeof hdr, 1, U.pcap) != 1 || fflush(U.pcap) != 0) {
            snprintf(err, errlen, "--net-dump %s: %s", n->dump, strerror(errno));
            if (U.pcap) fclose(U.pcap);
            U.pcap = NULL;
            return NULL;
        }
        U.pcap_path = n->dump;
    }
    U.port.name = "user";
    U.port.link_up = !n->none;
    U.port.send = port_send;
    if (n->none) return &U.port; /* a NIC with no cable: nothing to start */
    SlirpConfig cfg = {
        .version = 1,
        .restricted = n->restricted,
        .in_enabled = true,
        .vnetwork = ip4("10.0.2.0"),
        .vnetmask = ip4("255.255.255.0"),
        .vhost = ip4("10.0.2.2"),
        .in6_enabled = false,
        .vhostname = "socemu",
        .vdhcp_start = ip4("10.0.2.15"),
        .vnameserver = ip4("10.0.2.3"),
    };
    U.slirp = slirp_new(&cfg, &callbacks, NULL);
    if (!U.slirp) {
        snprintf(err, errlen, "--net user: libslirp could not start");
        return NULL;
    }
    for (unsigned i = 0; i < n->n_fwd; i++) {
        const cli_hostfwd *f = &n->fwd[i];
        struct in_addr host = {.s_addr = f->host_addr ? f->host_addr : ip4("127.0.0.1").s_addr};
        struct in_addr guest = {.s_addr = f->guest_addr ? f->guest_addr : ip4("10.0.2.15").s_addr};
        errno = 0;
        if (slirp_add_hostfwd(U.slirp, f->udp, host, f->host_port, guest, f->guest_port) < 0) {
            char a[INET_ADDRSTRLEN];
            inet_ntop(AF_INET, &host, a, sizeof a);
            snprintf(err, errlen, "%s: cannot listen on %s:%u (%s)", f->text, a, f->host_port,
                     errno ? strerror(errno) : "port in use?");
            net_user_stop();
            return NULL;
        }
    }
    return &U.port;
}

void net_user_stop(void) {
    if (U.slirp) slirp_cleanup(U.slirp);
    U.slirp = NULL;
    if (U.pcap) fclose(U.pcap);
    U.pcap = NULL;
}
