/* Serial backends: file output, the observer tee, unix sockets both ways, a tcp server, and bad
 * specs. */
#include <stdbool.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "check.h"
#include "serial_backends.h"

static char observed[256];
static size_t observed_len;
static void observe(void *opaque, unsigned stream, const uint8_t *data, size_t len) {
    CHECK(stream == 3);
    memcpy(observed + observed_len, data, len);
    observed_len += len;
}

static char received[256];
static size_t received_len;
static unsigned can_receive(void *opaque) {
    return 4;
} /* a small UART FIFO */
static void receive(void *opaque, const uint8_t *data, size_t len) {
    CHECK(len <= 4);
    memcpy(received + received_len, data, len);
    received_len += len;
}

static void test_file_and_observer(const char *dir) {
    char path[512], spec[600], err[256];
    snprintf(path, sizeof path, "%s/serial.txt", dir);
    snprintf(spec, sizeof spec, "file:%s", path);
    serial_backend *b = serial_backend_open(spec, err, sizeof err);
    CHECK(b != NULL);
    serial_backend_set_observer(b, observe, NULL, 3);
    chardev_write(serial_backend_chardev(b), (const uint8_t *)"hello\n", 6);
    serial_backend_free(b);
    CHECK(observed_len == 6 && memcmp(observed, "hello\n", 6) == 0);
    FILE *f = fopen(path, "r");
    char buf[32] = "";
    CHECK(f && fgets(buf, sizeof buf, f));
    if (f) fclose(f);
    CHECK(strcmp(buf, "hello\n") == 0);
}

static void test_unix_server(const char *dir) {
    char path[512], spec[600], err[256];
    snprintf(path, sizeof path, "%s/serial.sock", dir);
    snprintf(spec, sizeof spec, "unix:%s,server,nowait", path);
    serial_backend *b = serial_backend_open(spec, err, sizeof err);
    CHECK(b != NULL);
    if (!b) return;
    chardev *c = serial_backend_chardev(b);
    chardev_set_frontend(c, can_receive, receive, NULL);
    CHECK(serial_backends_start(err, sizeof err) == 0); /* nowait: returns at once */
    chardev_write(c, (const uint8_t *)"lost", 4);       /* no client yet: dropped */

    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    CHECK(strlen(path) < sizeof addr.sun_path);
    memcpy(addr.sun_path, path, strlen(path) + 1);
    CHECK(connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0);
    CHECK(write(fd, "root\n", 5) == 5);
    for (int i = 0; i < 50 && received_len < 5; i++) {
        serial_backends_poll();
        usleep(1000);
    }
    CHECK(received_len == 5 && memcmp(received, "root\n", 5) == 0);
    chardev_write(c, (const uint8_t *)"# ", 2);
    char buf[8] = "";
    CHECK(read(fd, buf, sizeof buf) == 2 && memcmp(buf, "# ", 2) == 0);
    close(fd);
    serial_backend_free(b);

    /* a client of the (now closed) socket path: nothing listens */
    snprintf(spec, sizeof spec, "unix:%s", path);
    CHECK(serial_backend_open(spec, err, sizeof err) == NULL);
    CHECK_STR_CONTAINS(err, "Connection refused");
}

/* tcp:, as for -qmp tcp::PORT,server,nowait: a client is accepted from the poll and hears the
 * backend's output. */
static void test_tcp_server(void) {
    char err[256], spec[64];
    serial_backend *b = NULL;
    unsigned port = 0;
    for (unsigned p = 45123; p < 45223 && !b; p++) { /* a free port */
        snprintf(spec, sizeof spec, "tcp::%u,server=on,wait=off", p);
        b = serial_backend_open(spec, err, sizeof err);
        port = p;
    }
    CHECK(b != NULL);
    if (!b) return;
    chardev *c = serial_backend_chardev(b);
    chardev_set_frontend(c, can_receive, receive, NULL);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0);
    for (int i = 0; i < 50 && !serial_backend_connected(b); i++) {
        serial_backends_poll();
        usleep(1000);
    }
    CHECK(serial_backend_connected(b) && serial_backend_connections(b) == 1);
    chardev_write(c, (const uint8_t *)"hi", 2);
    char buf[8] = "";
    CHECK(read(fd, buf, sizeof buf) == 2 && memcmp(buf, "hi", 2) == 0);
    close(fd);
    serial_backend_free(b);
}

static void test_bad_specs(void) {
    char err[256];
    CHECK(serial_backend_open("telnet::4444", err, sizeof err) == NULL);
    CHECK(strcmp(err,
                 "telnet::4444: unknown serial backend (stdio, file:PATH, pipe:PATH, "
                 "unix:PATH[,server[,nowait]], tcp:[HOST]:PORT[,server[,nowait]], null)") == 0);
    CHECK(serial_backend_open("tcp::0,server", err, sizeof err) == NULL);
    CHECK(strcmp(err, "tcp::0,server: expected tcp:[HOST]:PORT with a port 1-65535") == 0);
    CHECK(serial_backend_open("tcp:example.org:80", err, sizeof err) == NULL);
    CHECK(strcmp(err, "tcp:example.org:80: the host is not an IPv4 address") == 0);
    CHECK(serial_backend_open("file:/nonexistent-dir/x", err, sizeof err) == NULL);
    CHECK(strcmp(err, "/nonexistent-dir/x: No such file or directory") == 0);
    CHECK(serial_backend_open("unix:/tmp/x,fast", err, sizeof err) == NULL);
    CHECK(strcmp(err, "unix:/tmp/x,fast: unknown socket option 'fast'") == 0);
    serial_backend *n = serial_backend_open("null", err, sizeof err);
    CHECK(n != NULL);
    chardev_write(serial_backend_chardev(n), (const uint8_t *)"x", 1);
    serial_backend_free(n);
}

int main(void) {
    char dir[] = "/tmp/socemu-serial-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    test_file_and_observer(dir);
    test_unix_server(dir);
    test_tcp_server();
    test_bad_specs();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    return check_report("cli_serial_backends");
}
