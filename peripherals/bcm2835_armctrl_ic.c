/* BCM2835 ARM interrupt controller ("armctrl", 0x7E00B200 = ARM 0x3F00B200): 64 GPU interrupts
 * in two banks plus 8 basic ARM interrupts, chained into the BCM2836 local controller's GPU input.
 *
 * What Linux 6.1 relies on (drivers/irqchip/irq-bcm2835.c, the brcm,bcm2836-armctrl-ic variant):
 * - at init it reads the three enable registers and FIQ control and logs "FW_BUG Bootloader left
 *   irq enabled" if any is non-zero, so they reset to 0 and read back the enable masks;
 * - unmask/mask write one bit to the enable (W1S) / disable (W1C) register of the bank;
 * - the chained handler loops until basic pending reads 0: bank 0 bits, then the shortcut bits
 *   10-20, then bits 8/9 sending it to pending 1/2. So every pending view is ANDed with the
 *   enables: a visible masked source would make it spin forever.
 *
 * Inputs: 0-63 = GPU IRQ n, 64-71 = basic ARM IRQ 0-7 (0 ARM timer, 1 ARM mailbox, 2/3 doorbells
 * 0/1, 4/5 GPU0/1 halted, 6/7 illegal access type 1/0). All levels.
 * Outputs: "irq" (to the local controller's GPU IRQ input) and "fiq" (the one source FIQ control
 * selects, to its GPU FIQ input). */
#include <stdint.h>

#include "soc/device.h"
#include "soc/log.h"

/* Register offsets. */
enum {
    IC_BASIC_PENDING = 0x00, /* bits 0-7 ARM IRQs, 8/9 pending 1/2 non-empty, 10-20 shortcuts */
    IC_PENDING1 = 0x04,      /* GPU IRQs 0-31 */
    IC_PENDING2 = 0x08,      /* GPU IRQs 32-63 */
    IC_FIQ_CONTROL = 0x0C,   /* bit 7 enable, [6:0] source: 0-63 GPU, 64-71 ARM */
    IC_ENABLE1 = 0x10,       /* write 1s to enable GPU 0-31 (Linux unmask) */
    IC_ENABLE2 = 0x14,       /* GPU 32-63 */
    IC_ENABLE_BASIC = 0x18,  /* ARM IRQs 0-7 */
    IC_DISABLE1 = 0x1C,      /* write 1s to disable (Linux mask) */
    IC_DISABLE2 = 0x20,
    IC_DISABLE_BASIC = 0x24,
    IC_SIZE = 0x200,
};

enum {
    IC_IN_GPU0 = 0,
    IC_IN_ARM0 = 64,
    IC_N_INPUTS = 72,
    BASIC_PENDING1 = 1u << 8,
    BASIC_PENDING2 = 1u << 9,
    BASIC_SHORTCUT0 = 10,
    FIQ_ENABLE = 1u << 7,
    FIQ_SOURCE = 0x7F,
};

/* Basic pending bits 10-20 repeat these GPU interrupts (a "shortcut" saves reading bank 1/2). */
static const uint8_t shortcut_gpu_irq[] = {7, 9, 10, 18, 19, 53, 54, 55, 56, 57, 62};
#define N_SHORTCUTS (sizeof shortcut_gpu_irq / sizeof shortcut_gpu_irq[0])

/* The enable registers of each bank: 0 = basic, 1 = GPU 0-31, 2 = GPU 32-63 (Linux's order). */
static const struct {
    uint32_t enable, disable, mask;
} ic_banks[3] = {
    {IC_ENABLE_BASIC, IC_DISABLE_BASIC, 0xFF},
    {IC_ENABLE1, IC_DISABLE1, 0xFFFFFFFF},
    {IC_ENABLE2, IC_DISABLE2, 0xFFFFFFFF},
};

typedef struct bcm2835_armctrl_ic {
    dev_ctx *ctx;
    uint32_t enable[3]; /* per bank, as ic_banks */
    uint32_t fiq_control;
} bcm2835_armctrl_ic;

/* Raw input levels of a bank. */
static uint32_t raw_bank(const bcm2835_armctrl_ic *s, unsigned bank) {
    unsigned first = bank == 0 ? IC_IN_ARM0 : IC_IN_GPU0 + 32 * (bank - 1);
    unsigned n = bank == 0 ? 8 : 32;
    uint32_t bits = 0;
    for (unsigned i = 0; i < n; i++)
        if (s->ctx->irq_in[first + i].level) bits |= 1u << i;
    return bits;
}

static uint32_t pending_bank(const bcm2835_armctrl_ic *s, unsigned bank) {
    return raw_bank(s, bank) & s->enable[bank];
}

static uint32_t basic_pending(const bcm2835_armctrl_ic *s) {
    uint32_t p1 = pending_bank(s, 1), p2 = pending_bank(s, 2);
    uint32_t basic = pending_bank(s, 0);
    if (p1) basic |= BASIC_PENDING1;
    if (p2) basic |= BASIC_PENDING2;
    uint64_t gpu = (uint64_t)p2 << 32 | p1;
    for (unsigned i = 0; i < N_SHORTCUTS; i++)
        if (gpu >> shortcut_gpu_irq[i] & 1) basic |= 1u << (BASIC_SHORTCUT0 + i);
    return basic;
}

static void update_outputs(bcm2835_armctrl_ic *s) {
    bool irq = pending_bank(s, 0) || pending_bank(s, 1) || pending_bank(s, 2);
    unsigned src = s->fiq_control & FIQ_SOURCE;
    /* The FIQ source is taken raw: it is selected instead of, not in addition to, an enable. */
    bool fiq = (s->fiq_control & FIQ_ENABLE) && src < IC_N_INPUTS && s->ctx->irq_in[src].level;
    irq_set(dev_irq(s->ctx, 0), irq);
    irq_set(dev_irq(s->ctx, 1), fiq);
}

static void ic_input(void *dev, int n, bool level) {
    update_outputs(dev);
}

static uint64_t ic_read(void *opaque, uint64_t offset, unsigned size) {
    bcm2835_armctrl_ic *s = opaque;
    switch (offset) {
    case IC_BASIC_PENDING: return basic_pending(s);
    case IC_PENDING1: return pending_bank(s, 1);
    case IC_PENDING2: return pending_bank(s, 2);
    case IC_FIQ_CONTROL: return s->fiq_control;
    default: break;
    }
    /* Enable and disable registers both read the bank's enable mask (Linux's FW_BUG check). */
    for (unsigned b = 0; b < 3; b++)
        if (offset == ic_banks[b].enable || offset == ic_banks[b].disable) return s->enable[b];
    dev_warn_unimp(s->ctx, offset, false, 0);
    return 0;
}

static void ic_write(void *opaque, uint64_t offset, uint64_t value, unsigned size) {
    bcm2835_armctrl_ic *s = opaque;
    uint32_t v = (uint32_t)value;
    for (unsigned b = 0; b < 3; b++) {
        if (offset == ic_banks[b].enable) {
            s->enable[b] |= v & ic_banks[b].mask;
            update_outputs(s);
            return;
        }
        if (offset == ic_banks[b].disable) {
            s->enable[b] &= ~(v & ic_banks[b].mask);
            update_outputs(s);
            return;
        }
    }
    switch (offset) {
    case IC_FIQ_CONTROL:
        if ((v & FIQ_ENABLE) && (v & FIQ_SOURCE) >= IC_N_INPUTS)
            soc_warn("%s: FIQ source %u does not exist", s->ctx->name, v & FIQ_SOURCE);
        s->fiq_control = v & (FIQ_ENABLE | FIQ_SOURCE);
        update_outputs(s);
        break;
    case IC_BASIC_PENDING:
    case IC_PENDING1:
    case IC_PENDING2: break; /* read-only: sources are levels cleared at the device */
    default: dev_warn_unimp(s->ctx, offset, true, v); break;
    }
}

static int ic_realize(void *dev, dev_ctx *ctx, char *err, size_t errlen) {
    bcm2835_armctrl_ic *s = dev;
    s->ctx = ctx;
    return 0;
}

static void ic_reset(void *dev) {
    bcm2835_armctrl_ic *s = dev;
    s->enable[0] = s->enable[1] = s->enable[2] = 0;
    s->fiq_control = 0;
    update_outputs(s);
}

static const dev_region ic_regions[] = {
    {.name = "regs",
     .size = IC_SIZE,
     .ops = {.read = ic_read,
             .write = ic_write,
             .valid_min = 4,
             .valid_max = 8,
             .impl_min = 4,
             .impl_max = 4}},
};

static const char *const ic_irq_outputs[] = {"irq", "fiq"};

const dev_type bcm2835_armctrl_ic_type = {
    .name = "bcm2835-armctrl-ic",
    .description = "BCM2835 ARM interrupt controller: 64 GPU + 8 ARM interrupts",
    .state_size = sizeof(bcm2835_armctrl_ic),
    .regions = ic_regions,
    .n_regions = 1,
    .irq_outputs = ic_irq_outputs,
    .n_irq_outputs = 2,
    .n_irq_inputs = IC_N_INPUTS,
    .irq_input = ic_input,
    .realize = ic_realize,
    .reset = ic_reset,
};
