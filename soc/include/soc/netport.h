/* An Ethernet port between a guest NIC model and the host (user-mode NAT, nothing...).
 * The NIC calls netport_send for each frame the guest transmits (destination MAC first, no FCS);
 * the host side delivers received frames by calling the receive callback the NIC registered,
 * from the run loop's poll (never from another thread). link_up says whether a cable is plugged.
 * The CLI creates the backends (tools/cli/net_*.c); devices only see this interface, as with
 * soc/chardev.h for UARTs. */
#ifndef SOC_NETPORT_H
#define SOC_NETPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NETPORT_MAX_FRAME 1522 /* 1500 bytes of payload, Ethernet + VLAN header, no FCS */

typedef struct netport netport;
struct netport {
    const char *name;
    bool link_up;
    /* Set by the NIC while the guest has its receiver on (the interface is up): the host side
     * then keeps guest idle time to the wall clock, so the guest's TCP timers stay sane. */
    bool rx_enabled;
    /* backend: guest -> host */
    void (*send)(netport *p, const uint8_t *frame, size_t len);
    /* frontend (the NIC): delivery of one received frame; the NIC drops what it cannot hold */
    void (*receive)(void *fe_opaque, const uint8_t *frame, size_t len);
    void *fe_opaque;
    void *be_opaque;
};

static inline void netport_send(netport *p, const uint8_t *frame, size_t len) {
    if (p && p->send) p->send(p, frame, len);
}
static inline void netport_set_frontend(netport *p,
                                        void (*receive)(void *, const uint8_t *, size_t),
                                        void *fe_opaque) {
    if (!p) return;
    p->receive = receive;
    p->fe_opaque = fe_opaque;
}

#endif
