/* USB device side: endpoint 0 control transfers (SETUP, data and status stages) and the
 * standard requests every device answers from its descriptors; see peripherals/usb.h. */
#include <string.h>

#include "peripherals/usb.h"
#include "soc/log.h"

enum {
    REQ_GET_STATUS = 0,
    REQ_CLEAR_FEATURE = 1,
    REQ_SET_FEATURE = 3,
    REQ_SET_ADDRESS = 5,
    REQ_GET_DESCRIPTOR = 6,
    REQ_GET_CONFIGURATION = 8,
    REQ_SET_CONFIGURATION = 9,
    REQ_GET_INTERFACE = 10,
    REQ_SET_INTERFACE = 11,
    DESC_DEVICE = 1,
    DESC_CONFIG = 2,
    TYPE_MASK = 0x60,
    TYPE_STANDARD = 0x00,
    DIR_IN = 0x80,
};

void usb_device_init(usb_device *dev, const char *name, const usb_device_ops *ops, void *opaque,
                     const uint8_t *device_desc, const uint8_t *config_desc) {
    memset(dev, 0, sizeof *dev);
    dev->name = name;
    dev->ops = ops;
    dev->opaque = opaque;
    dev->device_desc = device_desc;
    dev->config_desc = config_desc;
    dev->config_len = config_desc ? (size_t)(config_desc[2] | config_desc[3] << 8) : 0;
}

void usb_device_reset(usb_device *dev) {
    dev->addr = dev->pending_addr = dev->config = 0;
    dev->addr_pending = false;
    dev->ctl = USB_CTL_IDLE;
    dev->ctl_stall = false;
    if (dev->ops && dev->ops->reset) dev->ops->reset(dev);
}

usb_device *usb_find(usb_device *root, uint8_t addr) {
    if (!root) return NULL;
    if (root->addr == addr) return root;
    return root->ops && root->ops->find ? root->ops->find(root, addr) : NULL;
}

/* Standard requests; -1 = not standard (ask the device), USB_STALL, or the IN length. */
static int standard_request(usb_device *dev, const usb_setup_req *r, uint8_t *data) {
    if ((r->type & TYPE_MASK) != TYPE_STANDARD) return -1;
    switch (r->request) {
    case REQ_GET_DESCRIPTOR:
        if (!(r->type & DIR_IN)) return USB_STALL;
        if ((r->value >> 8) == DESC_DEVICE) {
            memcpy(data, dev->device_desc, 18);
            return 18;
        }
        if ((r->value >> 8) == DESC_CONFIG && (r->value & 0xFF) == 0 && dev->config_desc) {
            size_t n = dev->config_len < USB_CTRL_BUF ? dev->config_len : USB_CTRL_BUF;
            memcpy(data, dev->config_desc, n);
            return (int)n;
        }
        return -1; /* strings, class descriptors: the device's own, else a stall */
    case REQ_SET_ADDRESS:
        if (r->value > 127) return USB_STALL;
        dev->pending_addr = (uint8_t)r->value;
        dev->addr_pending = true; /* takes effect after the status stage */
        return 0;
    case REQ_GET_CONFIGURATION: data[0] = dev->config; return 1;
    case REQ_SET_CONFIGURATION:
        if (r->value > 1) return USB_STALL;
        dev->config = (uint8_t)r->value;
        return 0;
    case REQ_GET_STATUS:
        data[0] = (r->type & 0x1F) == 0 ? 1 : 0; /* device: self-powered */
        data[1] = 0;
        return 2;
    case REQ_CLEAR_FEATURE:
    case REQ_SET_FEATURE: return 0; /* remote wakeup, endpoint halt: nothing to keep */
    case REQ_GET_INTERFACE: data[0] = 0; return 1;
    case REQ_SET_INTERFACE: return r->value == 0 ? 0 : USB_STALL;
    default: return -1;
    }
}

static int run_request(usb_device *dev, const usb_setup_req *r, uint8_t *data) {
    int n = standard_request(dev, r, data);
    if (n != -1) return n;
    if (dev->ops && dev->ops->control) return dev->ops->control(dev, r, data);
    return USB_STALL;
}

void usb_setup(usb_device *dev, const uint8_t s[8]) {
    usb_setup_req *r = &dev->req;
    r->type = s[0];
    r->request = s[1];
    r->value = (uint16_t)(s[2] | s[3] << 8);
    r->index = (uint16_t)(s[4] | s[5] << 8);
    r->length = (uint16_t)(s[6] | s[7] << 8);
    dev->ctl_stall = false;
    dev->ctl_pos = 0;
    if (r->length > USB_CTRL_BUF) {
        soc_warn("usb %s: control request %02x/%02x asks for %u bytes (at most %u): stalled",
                 dev->name, r->type, r->request, r->length, USB_CTRL_BUF);
        dev->ctl_stall = true;
        dev->ctl = (r->type & DIR_IN) ? USB_CTL_IN : USB_CTL_OUT;
        return;
    }
    if (r->type & DIR_IN) {
        memset(dev->ctl_buf, 0, r->length);
        int n = run_request(dev, r, dev->ctl_buf);
        if (n < 0) {
            dev->ctl_stall = true;
            n = 0;
        }
        dev->ctl_len = (uint16_t)(n < r->length ? n : r->length);
        dev->ctl = USB_CTL_IN;
    } else if (r->length) {
        dev->ctl_len = r->length;
        dev->ctl = USB_CTL_OUT;
    } else {
        dev->ctl_stall = run_request(dev, r, dev->ctl_buf) < 0;
        dev->ctl = USB_CTL_STATUS_IN;
    }
}

static void status_done(usb_device *dev) {
    if (dev->addr_pending && !dev->ctl_stall) dev->addr = dev->pending_addr;
    dev->addr_pending = false;
    dev->ctl = USB_CTL_IDLE;
}

int usb_in(usb_device *dev, unsigned ep, uint8_t *buf, size_t max) {
    if (ep != 0) return dev->ops && dev->ops->in ? dev->ops->in(dev, ep, buf, max) : USB_STALL;
    switch (dev->ctl) {
    case USB_CTL_IN: {
        if (dev->ctl_stall) return USB_STALL;
        size_t n = dev->ctl_len - dev->ctl_pos;
        if (n > max) n = max;
        memcpy(buf, dev->ctl_buf + dev->ctl_pos, n);
        dev->ctl_pos = (uint16_t)(dev->ctl_pos + n);
        return (int)n;
    }
    case USB_CTL_OUT:
        if (dev->ctl_pos < dev->ctl_len) {
            /* status stage before all the data: the host gave up on the rest */
            soc_warn("usb %s: control status stage after %u of %u data bytes", dev->name,
                     dev->ctl_pos, dev->ctl_len);
            dev->ctl = USB_CTL_IDLE;
            return USB_STALL;
        }
        dev->ctl = USB_CTL_STATUS_IN; /* data complete: this IN is the status stage */
        return usb_in(dev, ep, buf, max);
    case USB_CTL_STATUS_IN: {
        bool stall = dev->ctl_stall;
        status_done(dev);
        return stall ? USB_STALL : 0;
    }
    default: return USB_STALL; /* no control transfer in progress */
    }
}

int usb_out(usb_device *dev, unsigned ep, const uint8_t *data, size_t len) {
    if (ep != 0) return dev->ops && dev->ops->out ? dev->ops->out(dev, ep, data, len) : USB_STALL;
    switch (dev->ctl) {
    case USB_CTL_OUT: {
        if (dev->ctl_stall) return USB_STALL;
        size_t room = dev->ctl_len - dev->ctl_pos;
        if (len > room) len = room;
        memcpy(dev->ctl_buf + dev->ctl_pos, data, len);
        dev->ctl_pos = (uint16_t)(dev->ctl_pos + len);
        if (dev->ctl_pos == dev->ctl_len) {
            dev->ctl_stall = run_request(dev, &dev->req, dev->ctl_buf) < 0;
            dev->ctl = USB_CTL_STATUS_IN;
        }
        return 0;
    }
    case USB_CTL_IN: /* the status stage (possibly after a short read) */
    case USB_CTL_STATUS_OUT: {
        bool stall = dev->ctl_stall;
        status_done(dev);
        return stall ? USB_STALL : 0;
    }
    default: return USB_STALL;
    }
}
