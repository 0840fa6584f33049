/* A byte stream between a guest UART and the host (stdio, a file, a unix socket, nothing).
 * The UART calls chardev_write for each transmitted byte; the host side delivers received bytes by
 * calling the receive callback the UART registered. The CLI creates the backends; devices only see
 * this interface. */
#ifndef SOC_CHARDEV_H
#define SOC_CHARDEV_H

#include <stddef.h>
#include <stdint.h>

typedef struct chardev chardev;
struct chardev {
    const char *name;
    void (*write)(chardev *c, const uint8_t *data, size_t len); /* backend: guest -> host */
    /* frontend (the UART): how many bytes it can accept now, and the delivery of them */
    unsigned (*can_receive)(void *fe_opaque);
    void (*receive)(void *fe_opaque, const uint8_t *data, size_t len);
    void *fe_opaque;
    void *be_opaque;
};

static inline void chardev_write(chardev *c, const uint8_t *data, size_t len) {
    if (c && c->write) c->write(c, data, len);
}
static inline void chardev_set_frontend(chardev *c, unsigned (*can_receive)(void *),
                                        void (*receive)(void *, const uint8_t *, size_t),
                                        void *fe_opaque) {
    if (!c) return;
    c->can_receive = can_receive;
    c->receive = receive;
    c->fe_opaque = fe_opaque;
}

#endif
