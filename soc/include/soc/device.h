/* The device model interface. A device type is data: a name, the size of its state, its register
 * regions, its properties, its named IRQ outputs and inputs, and realize/reset hooks. The board
 * code (boards/) creates instances from a descriptor; a device sees only its dev_ctx: the bus (for
 * DMA), the clock, its IRQ lines, its properties, a chardev if it is a UART, and a way to ask the
 * machine to power off or reset. Devices never include CPU headers. */
#ifndef SOC_DEVICE_H
#define SOC_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "soc/bus.h"
#include "soc/chardev.h"
#include "soc/clock.h"
#include "soc/irq.h"

typedef enum { PROP_U64, PROP_BOOL, PROP_STR } dev_prop_kind;

typedef struct dev_prop {
    const char *name;
    dev_prop_kind kind;
    const char *default_value; /* as written in a board file; NULL = required */
    uint64_t min, max;         /* PROP_U64 range (both 0 = any) */
    const char *help;
} dev_prop;

typedef struct dev_region {
    const char *name; /* "regs", or e.g. "mailbox" when a device has several */
    uint64_t size;    /* natural size; a board may map less or more only if it says so */
    mmio_ops ops;
} dev_region;

typedef enum {
    MACHINE_REQ_POWEROFF, /* the guest powered off cleanly */
    MACHINE_REQ_RESET,    /* the guest asked for a reboot */
    MACHINE_REQ_PANIC,    /* a device knows the guest has failed */
} machine_request;

typedef struct dev_ctx dev_ctx;
typedef struct dev_type dev_type;
struct sd_card; /* peripherals/sd_card.h: soc only passes the board's card along */
struct netport; /* soc/netport.h */

#define DEV_MAX_IRQ_OUT 64
#define DEV_MAX_IRQ_IN  128
#define DEV_MAX_PROPS   32

struct dev_ctx {
    const dev_type *type;
    const char *name; /* instance name from the board file, e.g. "uart1" */
    bus *bus;
    vclock *clock;
    irq_line *irq_out[DEV_MAX_IRQ_OUT];     /* wired sinks (NULL = not connected) */
    irq_line irq_in[DEV_MAX_IRQ_IN];        /* inputs, for interrupt controllers */
    const char *prop_values[DEV_MAX_PROPS]; /* parallel to type->props; never NULL after load */
    chardev *chr;                           /* UARTs: the host end, may be NULL */
    /* SD host controllers (dev_type.sd_host): the board's one SD card (--sd), NULL = none. The
     * machine owns it and offers it to every controller; each talks to it only while its
     * pin-mux input says the slot's pins are routed to it. */
    struct sd_card *sd_card;
    /* NICs (dev_type.net_port): the machine's network port (--net), NULL = no cable. */
    struct netport *net;
    void (*request)(void *machine, machine_request req, const char *why);
    void *machine;
};

struct dev_type {
    const char *name;        /* as used in board files: "bcm2835-aux-uart" */
    const char *description; /* one line, for --list-devices */
    size_t state_size;       /* zeroed allocation passed as dev */
    const dev_region *regions;
    unsigned n_regions;
    const dev_prop *props;
    unsigned n_props;
    const char *const *irq_outputs; /* names, e.g. {"irq"} */
    unsigned n_irq_outputs;
    unsigned n_irq_inputs; /* > 0 for interrupt controllers; inputs are numbered 0..n-1 */
    void (*irq_input)(void *dev, int n, bool level);
    bool is_uart;  /* gets a chardev, in board order */
    bool sd_host;  /* gets the machine's SD card in ctx->sd_card */
    bool net_port; /* gets the machine's network port in ctx->net */
    /* After properties and wiring are set; may fail with a one-line reason. */
    int (*realize)(void *dev, dev_ctx *ctx, char *err, size_t errlen);
    void (*reset)(void *dev);
    void (*unrealize)(void *dev);
};

/* Property access for realize(); the values were validated against the type when loaded. */
uint64_t dev_prop_u64(const dev_ctx *ctx, const char *name);
bool dev_prop_bool(const dev_ctx *ctx, const char *name);
const char *dev_prop_str(const dev_ctx *ctx, const char *name);
/* The property value syntax, for whoever validates board files: u64 is 0x-hex or decimal with an
 * optional K/M/G (binary) suffix; bool is true/false, yes/no, on/off, 1/0. */
bool dev_parse_u64(const char *text, uint64_t *value);
bool dev_parse_bool(const char *text, bool *value);
/* Index of a named output, or -1. */
int dev_irq_output_index(const dev_type *t, const char *name);
/* Output line by index (NULL if not wired); pass to irq_set. */
static inline irq_line *dev_irq(const dev_ctx *ctx, unsigned idx) {
    return idx < DEV_MAX_IRQ_OUT ? ctx->irq_out[idx] : NULL;
}
static inline void dev_request(dev_ctx *ctx, machine_request req, const char *why) {
    if (ctx->request) ctx->request(ctx->machine, req, why);
}
/* Logs "name: register 0x.. (what) not modelled" once per (device, offset); TRACE_UNIMP. */
void dev_warn_unimp(const dev_ctx *ctx, uint64_t offset, bool is_write, uint64_t value);

#endif
