/* Serial backends. Output is written synchronously (a slow reader slows the guest rather than
 * losing console text); input is polled without blocking from the run loop. */
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "serial_backends.h"

#define CTRL_A       0x01
#define MAX_BACKENDS 16

typedef enum { BACKEND_NULL, BACKEND_STDIO, BACKEND_FILE, BACKEND_UNIX, BACKEND_PIPE } backend_kind;

struct serial_backend {
    chardev chr; /* first: the machine sees only this */
    backend_kind kind;
    char spec[256];
    int out_fd;    /* -1: output discarded (null, server without a client) */
    int in_fd;     /* -1: no input */
    int listen_fd; /* unix server */
    bool owns_out; /* out_fd is ours to close */
    bool server, wait_for_client;
    bool input_is_tty; /* stdin on a terminal: raw mode and Ctrl-A escapes */
    bool saw_ctrl_a;
    int write_errno;      /* the first failed write to a file or stdout: the output is incomplete */
    unsigned connections; /* clients accepted so far (a connected socket or stdio counts 1) */
    serial_observer observer;
    void *observer_opaque;
    unsigned observer_stream;
};

static serial_backend *open_backends[MAX_BACKENDS];
static bool stdin_claimed;
static volatile sig_atomic_t quit_requested;
static volatile sig_atomic_t terminal_saved;
static struct termios saved_termios;

static void write_all(serial_backend *b, const uint8_t *data, size_t len) {
    while (len > 0 && b->out_fd >= 0) {
        ssize_t n = b->kind == BACKEND_UNIX ? send(b->out_fd, data, len, MSG_NOSIGNAL)
                                            : write(b->out_fd, data, len);
        if (n > 0) {
            data += n;
            len -= (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd p = {.fd = b->out_fd, .events = POLLOUT};
            poll(&p, 1, 100);
        } else if (b->kind == BACKEND_UNIX) { /* the client went away; wait for the next */
            close(b->out_fd);
            b->out_fd = b->in_fd = -1;
        } else {
            /* A full disk or a closed stdout: the log is incomplete, which the run loop turns
             * into an emulator fault (serial_backends_write_error). */
            if (!b->write_errno) b->write_errno = n < 0 ? errno : ENOSPC;
            return;
        }
    }
}

static void backend_write(chardev *c, const uint8_t *data, size_t len) {
    serial_backend *b = c->be_opaque;
    if (b->observer) b->observer(b->observer_opaque, b->observer_stream, data, len);
    if (!b->write_errno) write_all(b, data, len);
}

bool serial_backends_write_error(char *err, size_t errlen) {
    for (size_t i = 0; i < MAX_BACKENDS; i++) {
        serial_backend *b = open_backends[i];
        if (!b || !b->write_errno) continue;
        if (b->kind == BACKEND_FILE)
            snprintf(err, errlen, "cannot write the serial output to %s: %s", b->spec + 5,
                     strerror(b->write_errno));
        else
            snprintf(err, errlen, "cannot write the console to stdout: %s",
                     strerror(b->write_errno));
        return true;
    }
    return false;
}

static int fail(char *err, size_t errlen, const char *spec, const char *why) {
    snprintf(err, errlen, "%s: %s", spec, why);
    return -1;
}

/* ",server[=on|off],nowait,wait=on|off" after a socket's address: QEMU's spelling. */
static int socket_options(serial_backend *b, const char *p, char *err, size_t errlen) {
    bool wait_set = false;
    while (*p) {
        p++;
        size_t len = strcspn(p, ",");
        static const struct {
            const char *word;
            bool server, wait;
        } words[] = {{"server", true, true},      {"server=on", true, true},
                     {"server=off", false, true}, {"nowait", true, false},
                     {"wait=off", true, false},   {"wait=on", true, true}};
        bool known = false;
        for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
            if (strlen(words[i].word) != len || strncmp(p, words[i].word, len) != 0) continue;
            known = true;
            if (strncmp(p, "server", 6) == 0)
                b->server = words[i].server;
            else {
                b->wait_for_client = words[i].wait;
                wait_set = true;
            }
        }
        if (!known) {
            snprintf(err, errlen, "%s: unknown socket option '%.*s'", b->spec, (int)len, p);
            return -1;
        }
        p += len;
    }
    if (!wait_set) b->wait_for_client = true; /* QEMU's default for a server */
    return 0;
}

/* A listening socket is non-blocking; clients are accepted from the run loop. */
static int listen_on(serial_backend *b, int fd, const struct sockaddr *addr, socklen_t len,
                     char *err, size_t errlen) {
    if (bind(fd, addr, len) != 0 || listen(fd, 1) != 0) {
        int e = errno;
        close(fd);
        return fail(err, errlen, b->spec, strerror(e));
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    b->listen_fd = fd;
    return 0;
}

/* "tcp:[HOST]:PORT[,server...]": HOST is an IPv4 address, 127.0.0.1 when empty (the port
 * carries the guest's console or a monitor: loopback unless an address is given). */
static int open_tcp(serial_backend *b, const char *rest, char *err, size_t errlen) {
    char host[64];
    size_t n = strcspn(rest, ",");
    const char *colon = memchr(rest, ':', n);
    if (!colon) return fail(err, errlen, b->spec, "expected tcp:[HOST]:PORT");
    size_t hlen = (size_t)(colon - rest);
    if (hlen >= sizeof host) return fail(err, errlen, b->spec, "host name too long");
    memcpy(host, rest, hlen);
    host[hlen] = '\0';
    char *end;
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (end != rest + n || end == colon + 1 || port == 0 || port > 65535)
        return fail(err, errlen, b->spec, "expected tcp:[HOST]:PORT with a port 1-65535");
    if (socket_options(b, rest + n, err, errlen) != 0) return -1;
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, hlen ? host : "127.0.0.1", &addr.sin_addr) != 1)
        return fail(err, errlen, b->spec, "the host is not an IPv4 address");
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return fail(err, errlen, b->spec, strerror(errno));
    if (!b->server) {
        if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
            int e = errno;
            close(fd);
            return fail(err, errlen, b->spec, strerror(e));
        }
        b->out_fd = b->in_fd = fd;
        return 0;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    return listen_on(b, fd, (struct sockaddr *)&addr, sizeof addr, err, errlen);
}

/* "unix:PATH[,server[=on|off]][,nowait][,wait=on|off]": QEMU's spelling. */
static int open_unix(serial_backend *b, const char *rest, char *err, size_t errlen) {
    char path[sizeof((struct sockaddr_un *)0)->sun_path];
    size_t n = strcspn(rest, ",");
    if (n == 0) return fail(err, errlen, b->spec, "no socket path");
    if (n >= sizeof path) return fail(err, errlen, b->spec, "socket path too long");
    memcpy(path, rest, n);
    path[n] = '\0';
    if (socket_options(b, rest + n, err, errlen) != 0) return -1;

    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    memcpy(addr.sun_path, path, n + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return fail(err, errlen, b->spec, strerror(errno));
    if (!b->server) {
        if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
            int e = errno;
            close(fd);
            return fail(err, errlen, b->spec, strerror(e));
        }
        b->out_fd = b->in_fd = fd;
        return 0;
    }
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) unlink(path); /* a stale socket */
    return listen_on(b, fd, (struct sockaddr *)&addr, sizeof addr, err, errlen);
}

static int open_kind(serial_backend *b, char *err, size_t errlen) {
    const char *spec = b->spec;
    if (strcmp(spec, "null") == 0 || strcmp(spec, "none") == 0) {
        b->kind = BACKEND_NULL;
    } else if (strcmp(spec, "stdio") == 0 || strcmp(spec, "mon:stdio") == 0) {
        b->kind = BACKEND_STDIO;
        b->out_fd = STDOUT_FILENO;
        if (!stdin_claimed) {
            struct stat st;
            b->input_is_tty = isatty(STDIN_FILENO);
            /* a terminal or a pipe carries input; /dev/null or a closed stdin does not */
            if (b->input_is_tty || (fstat(STDIN_FILENO, &st) == 0 && S_ISFIFO(st.st_mode)) ||
                (fstat(STDIN_FILENO, &st) == 0 && S_ISSOCK(st.st_mode))) {
                b->in_fd = STDIN_FILENO;
                stdin_claimed = true;
            }
        }
    } else if (strncmp(spec, "file:", 5) == 0) {
        b->kind = BACKEND_FILE;
        if (!spec[5]) return fail(err, errlen, spec, "no file name");
        b->out_fd = open(spec + 5, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (b->out_fd < 0) return fail(err, errlen, spec + 5, strerror(errno));
        b->owns_out = true;
    } else if (strncmp(spec, "pipe:", 5) == 0) {
        /* QEMU's pipe: PATH.in (host to guest) and PATH.out, or PATH both ways. */
        b->kind = BACKEND_PIPE;
        char name[4200];
        if (!spec[5]) return fail(err, errlen, spec, "no file name");
        snprintf(name, sizeof name, "%s.out", spec + 5);
        b->out_fd = open(name, O_RDWR | O_CLOEXEC);
        if (b->out_fd >= 0) {
            snprintf(name, sizeof name, "%s.in", spec + 5);
            b->in_fd = open(name, O_RDWR | O_NONBLOCK | O_CLOEXEC);
        } else {
            b->out_fd = open(spec + 5, O_RDWR | O_CLOEXEC);
            b->in_fd = b->out_fd >= 0 ? dup(b->out_fd) : -1;
        }
        if (b->out_fd < 0 || b->in_fd < 0) return fail(err, errlen, spec + 5, strerror(errno));
        b->owns_out = true;
    } else if (strncmp(spec, "unix:", 5) == 0) {
        b->kind = BACKEND_UNIX;
        if (open_unix(b, spec + 5, err, errlen) != 0) return -1;
        b->owns_out = true;
    } else if (strncmp(spec, "tcp:", 4) == 0) {
        b->kind = BACKEND_UNIX; /* a stream socket like a unix one */
        if (open_tcp(b, spec + 4, err, errlen) != 0) return -1;
        b->owns_out = true;
    } else {
        return fail(err, errlen, spec,
                    "unknown serial backend (stdio, file:PATH, pipe:PATH, "
                    "unix:PATH[,server[,nowait]], tcp:[HOST]:PORT[,server[,nowait]], null)");
    }
    return 0;
}

serial_backend *serial_backend_open(const char *spec, char *err, size_t errlen) {
    if (strlen(spec) >= sizeof((serial_backend *)0)->spec) {
        fail(err, errlen, "--serial", "backend name too long");
        return NULL;
    }
    size_t slot = 0;
    while (slot < MAX_BACKENDS && open_backends[slot])
        slot++;
    if (slot == MAX_BACKENDS) {
        fail(err, errlen, spec, "too many serial backends");
        return NULL;
    }
    serial_backend *b = calloc(1, sizeof *b);
    if (!b) {
        fail(err, errlen, spec, strerror(errno));
        return NULL;
    }
    strcpy(b->spec, spec);
    b->out_fd = b->in_fd = b->listen_fd = -1;
    if (open_kind(b, err, errlen) != 0) {
        serial_backend_free(b);
        return NULL;
    }
    if (b->out_fd >= 0 || b->in_fd >= 0) b->connections = 1;
    b->chr.name = b->spec;
    b->chr.write = backend_write;
    b->chr.be_opaque = b;
    open_backends[slot] = b;
    return b;
}

void serial_backend_free(serial_backend *b) {
    if (!b) return;
    for (size_t i = 0; i < MAX_BACKENDS; i++)
        if (open_backends[i] == b) open_backends[i] = NULL;
    if (b->in_fd == STDIN_FILENO) {
        serial_terminal_restore();
        stdin_claimed = false;
    }
    if (b->kind == BACKEND_PIPE && b->in_fd >= 0 && b->in_fd != b->out_fd) close(b->in_fd);
    if (b->owns_out && b->out_fd >= 0) close(b->out_fd);
    if (b->listen_fd >= 0) close(b->listen_fd);
    free(b);
}

chardev *serial_backend_chardev(serial_backend *b) {
    return &b->chr;
}

void serial_backend_set_observer(serial_backend *b, serial_observer fn, void *opaque,
                                 unsigned stream) {
    b->observer = fn;
    b->observer_opaque = opaque;
    b->observer_stream = stream;
}

static void set_raw_terminal(void) {
    struct termios raw;
    if (tcgetattr(STDIN_FILENO, &saved_termios) != 0) return;
    raw = saved_termios;
    /* Keys go to the guest as typed, Ctrl-C included; output post-processing stays on so a
     * bare "\n" from the guest still starts a new line. */
    raw.c_iflag &= ~(unsigned)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    raw.c_lflag &= ~(unsigned)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
    raw.c_cflag |= CS8;
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0) terminal_saved = 1;
}

void serial_terminal_restore(void) {
    if (terminal_saved) {
        tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
        terminal_saved = 0;
    }
}

static bool accept_client(serial_backend *b, bool block) {
    if (b->listen_fd < 0 || b->out_fd >= 0) return b->out_fd >= 0;
    if (block) {
        struct pollfd p = {.fd = b->listen_fd, .events = POLLIN};
        if (poll(&p, 1, -1) < 0) return false; /* a signal: the caller gives up */
    }
    int fd = accept(b->listen_fd, NULL, NULL);
    if (fd < 0) return false;
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    b->out_fd = b->in_fd = fd;
    b->connections++;
    return true;
}

int serial_backends_start(char *err, size_t errlen) {
    for (size_t i = 0; i < MAX_BACKENDS; i++) {
        serial_backend *b = open_backends[i];
        if (!b || !b->server || !b->wait_for_client) continue;
        fprintf(stderr, "socemu: %s: waiting for a client to connect\n", b->spec);
        if (!accept_client(b, true)) return fail(err, errlen, b->spec, "no client connected");
    }
    for (size_t i = 0; i < MAX_BACKENDS; i++) {
        serial_backend *b = open_backends[i];
        if (b && b->input_is_tty && b->in_fd >= 0) set_raw_terminal();
    }
    return 0;
}

/* Ctrl-A x quits, Ctrl-A Ctrl-A sends one Ctrl-A, Ctrl-A h prints the keys; as in QEMU. */
static size_t apply_escapes(serial_backend *b, uint8_t *buf, size_t n) {
    size_t out = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = buf[i];
        if (!b->saw_ctrl_a) {
            if (c == CTRL_A)
                b->saw_ctrl_a = true;
            else
                buf[out++] = c;
            continue;
        }
        b->saw_ctrl_a = false;
        if (c == 'x' || c == 'X')
            quit_requested = 1;
        else if (c == CTRL_A)
            buf[out++] = c;
        else if (c == 'h' || c == '?')
            fputs("\r\nsocemu: Ctrl-A x  quit\r\nsocemu: Ctrl-A Ctrl-A  send Ctrl-A\r\n", stderr);
    }
    return out;
}

static void pump_input(serial_backend *b) {
    accept_client(b, false);
    if (b->in_fd < 0 || !b->chr.receive) return;
    unsigned room = b->chr.can_receive ? b->chr.can_receive(b->chr.fe_opaque) : 1;
    if (room == 0) return;
    struct pollfd p = {.fd = b->in_fd, .events = POLLIN};
    if (poll(&p, 1, 0) <= 0) return;
    uint8_t buf[256];
    size_t want = room < sizeof buf ? room : sizeof buf;
    ssize_t n = b->kind == BACKEND_UNIX ? recv(b->in_fd, buf, want, MSG_DONTWAIT)
                                        : read(b->in_fd, buf, want);
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n <= 0) { /* end of input */
        if (b->kind == BACKEND_UNIX) {
            close(b->in_fd);
            b->out_fd = -1;
        }
        b->in_fd = -1;
        return;
    }
    size_t len = b->input_is_tty ? apply_escapes(b, buf, (size_t)n) : (size_t)n;
    if (len) b->chr.receive(b->chr.fe_opaque, buf, len);
}

void serial_backends_poll(void) {
    for (size_t i = 0; i < MAX_BACKENDS; i++)
        if (open_backends[i]) pump_input(open_backends[i]);
}

bool serial_backends_have_live_input(void) {
    for (size_t i = 0; i < MAX_BACKENDS; i++) {
        const serial_backend *b = open_backends[i];
        if (b && (b->in_fd >= 0 || b->listen_fd >= 0)) return true;
    }
    return false;
}

unsigned serial_backend_connections(const serial_backend *b) {
    return b->connections;
}

bool serial_backend_connected(const serial_backend *b) {
    return b->out_fd >= 0;
}

bool serial_quit_requested(void) {
    return quit_requested;
}
