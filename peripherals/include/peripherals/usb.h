/* USB devices as a host controller model reaches them: transactions on endpoints.
 *
 * A host controller (peripherals/dwc2.c) owns one root device (a hub, or any device) and moves
 * data with three calls, one per transfer on an endpoint:
 *   usb_setup(dev, 8 bytes)          SETUP stage of a control transfer on endpoint 0;
 *   usb_in(dev, ep, buf, max)        an IN transfer: the bytes, USB_NAK (no data yet) or USB_STALL;
 *   usb_out(dev, ep, data, len)      an OUT transfer: 0 (taken), USB_NAK or USB_STALL.
 * An IN result ends the transfer as a short packet (or zero-length packet) would; a device that
 * has more than max bytes keeps the rest for the next transfer. Endpoint 0 stages (data, status)
 * are run by usb_core.c from the device's descriptors and its control() hook, so a device only
 * answers its class and vendor requests. A device that gets data for a transfer it NAKed calls
 * usb_wakeup, and the controller retries its waiting IN transfers.
 *
 * Hubs route by address: usb_find(root, addr) asks each device's find() hook (hubs look
 * downstream). Keyboards or mass storage join the same way: descriptors plus in/out/control. */
#ifndef PERIPHERALS_USB_H
#define PERIPHERALS_USB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { USB_NAK = -1, USB_STALL = -2 };

enum { USB_CTRL_BUF = 4096 }; /* the longest control data stage a device model answers */

typedef struct usb_setup_req {
    uint8_t type; /* bmRequestType */
    uint8_t request;
    uint16_t value, index, length;
} usb_setup_req;

typedef struct usb_device usb_device;

typedef struct usb_device_ops {
    /* Bus reset (port reset): the device forgets its address and configuration. Optional. */
    void (*reset)(usb_device *dev);
    /* Class/vendor (and unhandled standard) requests. IN: fill data (up to req->length bytes)
     * and return the length; OUT: data holds req->length bytes, return 0. USB_STALL refuses. */
    int (*control)(usb_device *dev, const usb_setup_req *req, uint8_t *data);
    /* Transfers on endpoints other than 0 (ep = number, without the direction bit). */
    int (*in)(usb_device *dev, unsigned ep, uint8_t *buf, size_t max);
    int (*out)(usb_device *dev, unsigned ep, const uint8_t *data, size_t len);
    /* Hubs: the device with this address below this one, or NULL. */
    usb_device *(*find)(usb_device *dev, uint8_t addr);
} usb_device_ops;

struct usb_device {
    const char *name; /* for guest error messages */
    const usb_device_ops *ops;
    void *opaque;
    const uint8_t *device_desc; /* 18 bytes */
    const uint8_t *config_desc; /* the full configuration, wTotalLength bytes */
    size_t config_len;
    /* state kept by usb_core.c */
    uint8_t addr, pending_addr, config;
    bool addr_pending;
    enum { USB_CTL_IDLE, USB_CTL_IN, USB_CTL_OUT, USB_CTL_STATUS_IN, USB_CTL_STATUS_OUT } ctl;
    bool ctl_stall;
    usb_setup_req req;
    uint16_t ctl_len, ctl_pos;
    uint8_t ctl_buf[USB_CTRL_BUF];
    /* set by whoever attaches the device (a hub port, the controller) */
    void (*wakeup)(void *opaque);
    void *wakeup_opaque;
};

void usb_device_init(usb_device *dev, const char *name, const usb_device_ops *ops, void *opaque,
                     const uint8_t *device_desc, const uint8_t *config_desc);
/* Bus reset: address 0, unconfigured, control pipe idle, then the device's own reset. */
void usb_device_reset(usb_device *dev);
usb_device *usb_find(usb_device *root, uint8_t addr);

/* The SETUP stage: always taken; a request the device refuses stalls its later stages. */
void usb_setup(usb_device *dev, const uint8_t setup[8]);
int usb_in(usb_device *dev, unsigned ep, uint8_t *buf, size_t max);
int usb_out(usb_device *dev, unsigned ep, const uint8_t *data, size_t len);

static inline void usb_wakeup(usb_device *dev) {
    if (dev->wakeup) dev->wakeup(dev->wakeup_opaque);
}

/* Descriptor field helpers. */
#define USB_LE16(v) (uint8_t)((v)&0xFF), (uint8_t)(((v) >> 8) & 0xFF)

/* A hub on a parent port or a host controller root port: connect/disconnect notification. */
typedef struct usb_hub usb_hub;
#define USB_HUB_MAX_PORTS 7
usb_hub *usb_hub_new(const char *name, uint16_t vendor, uint16_t product, unsigned n_ports);
void usb_hub_free(usb_hub *h);
usb_device *usb_hub_device(usb_hub *h);
/* Plugs dev into port (1-based); NULL unplugs. The hub reports the change on its status pipe. */
void usb_hub_attach(usb_hub *h, unsigned port, usb_device *dev);

#endif

/* The LAN9514's Ethernet function (0424:ec00) as Linux's smsc95xx drives it; frames go to and
 * come from port (NULL: no cable). peripherals/smsc95xx.c. */
struct netport;
typedef struct smsc95xx smsc95xx;
smsc95xx *smsc95xx_new(struct netport *port);
void smsc95xx_free(smsc95xx *s);
usb_device *smsc95xx_device(smsc95xx *s);
/* Frames received from the port and dropped because the receive queue was full. */
uint64_t smsc95xx_rx_dropped(const smsc95xx *s);
