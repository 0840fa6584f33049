/* A USB 2.0 high-speed hub (single TT) with up to 7 downstream ports: the hub class requests
 * Linux's hub driver uses (hub descriptor, hub/port status, port power/reset/enable/suspend
 * features and their change bits, TT requests) and the status-change interrupt endpoint 0x81
 * (one bit per port with a change, NAK while nothing changed). Port resets complete at once;
 * a reset port is enabled at high speed with its device reset to address 0.
 * The LAN9514 on the Raspberry Pi 3 is one of these (0424:9514, 5 ports, Ethernet on port 1). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "peripherals/usb.h"

enum {
    PORT_CONNECTION = 1u << 0,
    PORT_ENABLE = 1u << 1,
    PORT_SUSPEND = 1u << 2,
    PORT_RESET = 1u << 4,
    PORT_POWER = 1u << 8,
    PORT_HIGH_SPEED = 1u << 10,
    /* features (wValue) */
    F_PORT_ENABLE = 1,
    F_PORT_SUSPEND = 2,
    F_PORT_RESET = 4,
    F_PORT_POWER = 8,
    F_C_PORT_CONNECTION = 16,
    F_C_PORT_ENABLE = 17,
    F_C_PORT_SUSPEND = 18,
    F_C_PORT_OVER_CURRENT = 19,
    F_C_PORT_RESET = 20,
    /* class requests */
    HUB_GET_STATUS = 0,
    HUB_CLEAR_FEATURE = 1,
    HUB_SET_FEATURE = 3,
    HUB_GET_DESCRIPTOR = 6,
    HUB_CLEAR_TT_BUFFER = 8,
    HUB_RESET_TT = 9,
    HUB_GET_TT_STATE = 10,
    HUB_STOP_TT = 11,
};

typedef struct hub_port {
    usb_device *dev;
    uint16_t status, change;
} hub_port;

struct usb_hub {
    usb_device usb;
    unsigned n_ports;
    hub_port port[USB_HUB_MAX_PORTS + 1]; /* 1-based */
    uint8_t device_desc[18];
    uint8_t config_desc[25];
    char name[32];
};

static usb_hub *hub_of(usb_device *d) {
    return d->opaque;
}

static void hub_reset(usb_device *d) {
    usb_hub *h = hub_of(d);
    for (unsigned p = 1; p <= h->n_ports; p++) {
        h->port[p].status = 0; /* unpowered until the driver powers it */
        h->port[p].change = 0;
    }
}

static void port_reset(usb_hub *h, unsigned p) {
    hub_port *hp = &h->port[p];
    if (!(hp->status & PORT_CONNECTION)) return;
    usb_device_reset(hp->dev);
    hp->status =
        (uint16_t)((hp->status & ~(PORT_RESET | PORT_SUSPEND)) | PORT_ENABLE | PORT_HIGH_SPEED);
    hp->change |= PORT_RESET;
}

static void port_power(usb_hub *h, unsigned p, bool on) {
    hub_port *hp = &h->port[p];
    if (on) {
        if (hp->status & PORT_POWER) return;
        hp->status |= PORT_POWER;
        if (hp->dev) {
            hp->status |= PORT_CONNECTION | PORT_HIGH_SPEED;
            hp->change |= PORT_CONNECTION;
        }
    } else {
        if (hp->status & PORT_CONNECTION) hp->change |= PORT_CONNECTION;
        hp->status = 0;
    }
}

static int hub_control(usb_device *d, const usb_setup_req *r, uint8_t *data) {
    usb_hub *h = hub_of(d);
    unsigned p = r->index & 0xFF;
    bool port_req = (r->type & 0x1F) == 3;
    if ((r->type & 0x60) != 0x20) return USB_STALL; /* class only */
    if (port_req && (p < 1 || p > h->n_ports)) return USB_STALL;
    switch (r->request) {
    case HUB_GET_DESCRIPTOR: {
        if ((r->value >> 8) != 0x29) return USB_STALL;
        uint8_t desc[9] = {9,    0x29, (uint8_t)h->n_ports,
                           0x09, 0x00, /* per-port power switching and over-current */
                           50,         /* 100 ms power on to power good */
                           1,          /* 2 mA */
                           0x02,       /* port 1 is not removable (the on-board function) */
                           0xFF};
        memcpy(data, desc, sizeof desc);
        return sizeof desc;
    }
    case HUB_GET_STATUS:
        if (!port_req) {
            memset(data, 0, 4);
            return 4;
        }
        data[0] = (uint8_t)h->port[p].status, data[1] = (uint8_t)(h->port[p].status >> 8);
        data[2] = (uint8_t)h->port[p].change, data[3] = (uint8_t)(h->port[p].change >> 8);
        return 4;
    case HUB_SET_FEATURE:
        if (!port_req) return 0;
        switch (r->value) {
        case F_PORT_POWER: port_power(h, p, true); return 0;
        case F_PORT_RESET: port_reset(h, p); return 0;
        case F_PORT_SUSPEND: h->port[p].status |= PORT_SUSPEND; return 0;
        default: return 0; /* indicators, test modes */
        }
    case HUB_CLEAR_FEATURE:
        if (!port_req) return 0; /* C_HUB_LOCAL_POWER, C_HUB_OVER_CURRENT */
        switch (r->value) {
        case F_PORT_ENABLE: h->port[p].status &= (uint16_t)~PORT_ENABLE; return 0;
        case F_PORT_SUSPEND:
            if (h->port[p].status & PORT_SUSPEND) {
                h->port[p].status &= (uint16_t)~PORT_SUSPEND;
                h->port[p].change |= PORT_SUSPEND;
            }
            return 0;
        case F_PORT_POWER: port_power(h, p, false); return 0;
        case F_C_PORT_CONNECTION: h->port[p].change &= (uint16_t)~PORT_CONNECTION; return 0;
        case F_C_PORT_ENABLE: h->port[p].change &= (uint16_t)~PORT_ENABLE; return 0;
        case F_C_PORT_SUSPEND: h->port[p].change &= (uint16_t)~PORT_SUSPEND; return 0;
        case F_C_PORT_OVER_CURRENT: h->port[p].change &= (uint16_t) ~(1u << 3); return 0;
        case F_C_PORT_RESET: h->port[p].change &= (uint16_t)~PORT_RESET; return 0;
        default: return 0;
        }
    case HUB_CLEAR_TT_BUFFER:
    case HUB_RESET_TT:
    case HUB_STOP_TT: return 0;
    case HUB_GET_TT_STATE: return USB_STALL;
    default: return USB_STALL;
    }
}

/* Status change endpoint: bit 0 the hub itself, bit n port n. */
static int hub_in(usb_device *d, unsigned ep, uint8_t *buf, size_t max) {
    usb_hub *h = hub_of(d);
    if (ep != 1 || d->config == 0) return USB_STALL;
    uint8_t bits = 0;
    for (unsigned p = 1; p <= h->n_ports; p++)
        if (h->port[p].change) bits |= (uint8_t)(1u << p);
    if (!bits) return USB_NAK;
    if (max < 1) return 0;
    buf[0] = bits;
    return 1;
}

static usb_device *hub_find(usb_device *d, uint8_t addr) {
    usb_hub *h = hub_of(d);
    for (unsigned p = 1; p <= h->n_ports; p++) {
        hub_port *hp = &h->port[p];
        if (!hp->dev || !(hp->status & PORT_ENABLE)) continue;
        usb_device *found = usb_find(hp->dev, addr);
        if (found) return found;
    }
    return NULL;
}

static const usb_device_ops hub_ops = {
    .reset = hub_reset, .control = hub_control, .in = hub_in, .find = hub_find};

static void child_wakeup(void *opaque) {
    usb_wakeup(&((usb_hub *)opaque)->usb);
}

usb_hub *usb_hub_new(const char *name, uint16_t vendor, uint16_t product, unsigned n_ports) {
    if (n_ports < 1 || n_ports > USB_HUB_MAX_PORTS) return NULL;
    usb_hub *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    snprintf(h->name, sizeof h->name, "%s", name);
    const uint8_t dd[18] = {18,
                            1,
                            USB_LE16(0x0200),
                            9,
                            0,
                            1 /* single TT */,
                            64,
                            USB_LE16(vendor),
                            USB_LE16(product),
                            USB_LE16(0x0200),
                            0,
                            0,
                            0,
                            1};
    const uint8_t cd[25] = {
        9,
        2,
        USB_LE16(25),
        1,
        1,
        0,
        0xE0 /* self-powered, remote wakeup */,
        1,
        9,
        4,
        0,
        0,
        1,
        9,
        0,
        0,
        0, /* interface: hub class, one endpoint */
        7,
        5,
        0x81,
        3,
        USB_LE16(1),
        12, /* interrupt IN, 1 byte, 2^11 microframes */
    };
    memcpy(h->device_desc, dd, sizeof dd);
    memcpy(h->config_desc, cd, sizeof cd);
    h->n_ports = n_ports;
    usb_device_init(&h->usb, h->name, &hub_ops, h, h->device_desc, h->config_desc);
    return h;
}

void usb_hub_free(usb_hub *h) {
    free(h);
}

usb_device *usb_hub_device(usb_hub *h) {
    return &h->usb;
}

void usb_hub_attach(usb_hub *h, unsigned port, usb_device *dev) {
    if (port < 1 || port > h->n_ports) return;
    hub_port *hp = &h->port[port];
    if (hp->dev == dev) return;
    if (hp->status & PORT_CONNECTION) hp->change |= PORT_CONNECTION;
    hp->dev = dev;
    hp->status &= (uint16_t) ~(PORT_CONNECTION | PORT_ENABLE);
    if (dev) {
        dev->wakeup = child_wakeup;
        dev->wakeup_opaque = h;
        if (hp->status & PORT_POWER) {
            hp->status |= PORT_CONNECTION | PORT_HIGH_SPEED;
            hp->change |= PORT_CONNECTION;
        }
    }
    usb_wakeup(&h->usb);
}
