/* A fake interrupt controller for board tests: 16 inputs; output "irq" is the OR of inputs 0-7,
 * output "fiq" the OR of 8-15; register 0 reads the input levels. */
#ifndef TESTS_BOARDS_TEST_INTC_H
#define TESTS_BOARDS_TEST_INTC_H

#include "soc/device.h"

typedef struct test_intc {
    dev_ctx *ctx;
    uint32_t levels;
} test_intc;

static void test_intc_input(void *dev, int n, bool level) {
    test_intc *t = dev;
    if (level)
        t->levels |= 1u << n;
    else
        t->levels &= ~(1u << n);
    irq_set(dev_irq(t->ctx, 0), (t->levels & 0xFF) != 0);
    irq_set(dev_irq(t->ctx, 1), (t->levels & 0xFF00) != 0);
}

static uint64_t test_intc_read(void *dev, uint64_t offset, unsigned size) {
    return offset == 0 ? ((test_intc *)dev)->levels : 0;
}

static void test_intc_write(void *dev, uint64_t offset, uint64_t value, unsigned size) {}

static int test_intc_realize(void *dev, dev_ctx *ctx, char *err, size_t errlen) {
    ((test_intc *)dev)->ctx = ctx;
    return 0;
}

static const dev_region test_intc_regions[] = {
    {.name = "regs", .size = 0x100, .ops = {.read = test_intc_read, .write = test_intc_write}},
};
static const char *const test_intc_outputs[] = {"irq", "fiq"};
static const dev_type test_intc_type = {
    .name = "test-intc",
    .description = "test interrupt controller",
    .state_size = sizeof(test_intc),
    .regions = test_intc_regions,
    .n_regions = 1,
    .irq_outputs = test_intc_outputs,
    .n_irq_outputs = 2,
    .n_irq_inputs = 16,
    .irq_input = test_intc_input,
    .realize = test_intc_realize,
};
static const dev_type *const test_types[] = {&test_intc_type};

#endif
