/* Device helpers: property parsing and lookup, IRQ output names, once-only unimp warnings. */
#include "check.h"
#include "capture_log.h"
#include "soc/device.h"

static const dev_prop props[] = {
    {.name = "clock-hz", .kind = PROP_U64, .default_value = "250000000"},
    {.name = "fifo", .kind = PROP_U64, .default_value = "16"},
    {.name = "flow-control", .kind = PROP_BOOL, .default_value = "false"},
    {.name = "label", .kind = PROP_STR, .default_value = "console"},
};
static const char *const outputs[] = {"irq", "dma-req"};
static const dev_type fake_type = {
    .name = "fake-uart",
    .props = props,
    .n_props = 4,
    .irq_outputs = outputs,
    .n_irq_outputs = 2,
};

static void test_parse(void) {
    uint64_t v = 0;
    CHECK(dev_parse_u64("0x3f201000", &v));
    CHECK_EQ_U64(v, 0x3f201000);
    CHECK(dev_parse_u64("1234", &v));
    CHECK_EQ_U64(v, 1234);
    CHECK(dev_parse_u64("010", &v)); /* decimal, not octal */
    CHECK_EQ_U64(v, 10);
    CHECK(dev_parse_u64("64K", &v));
    CHECK_EQ_U64(v, 64 * 1024);
    CHECK(dev_parse_u64("1G", &v));
    CHECK_EQ_U64(v, 1ull << 30);
    CHECK(dev_parse_u64("0x10M", &v));
    CHECK_EQ_U64(v, 16ull << 20);
    CHECK(dev_parse_u64("18446744073709551615", &v));
    CHECK_EQ_U64(v, UINT64_MAX);
    CHECK(!dev_parse_u64("18446744073709551616", &v));
    CHECK(!dev_parse_u64("", &v));
    CHECK(!dev_parse_u64("-1", &v));
    CHECK(!dev_parse_u64("12Q", &v));
    CHECK(!dev_parse_u64("0x", &v));
    CHECK(!dev_parse_u64("0xfffffffffffffffG", &v)); /* overflows when scaled */
    bool b = false;
    CHECK(dev_parse_bool("yes", &b) && b);
    CHECK(dev_parse_bool("OFF", &b) && !b);
    CHECK(dev_parse_bool("1", &b) && b);
    CHECK(!dev_parse_bool("maybe", &b));
}

static void test_props(void) {
    dev_ctx ctx = {.type = &fake_type, .name = "uart1"};
    ctx.prop_values[1] = "0x40";
    ctx.prop_values[2] = "true";
    ctx.prop_values[3] = "debug port";
    CHECK_EQ_U64(dev_prop_u64(&ctx, "clock-hz"), 250000000); /* default */
    CHECK_EQ_U64(dev_prop_u64(&ctx, "fifo"), 0x40);
    CHECK(dev_prop_bool(&ctx, "flow-control"));
    CHECK(strcmp(dev_prop_str(&ctx, "label"), "debug port") == 0);
    capture_start();
    CHECK_EQ_U64(dev_prop_u64(&ctx, "no-such"), 0);
    CHECK_STR_CONTAINS(capture_text(), "uart1");
    CHECK_STR_CONTAINS(capture_text(), "no-such");
    capture_stop();

    CHECK_EQ_U64(dev_irq_output_index(&fake_type, "irq"), 0);
    CHECK_EQ_U64(dev_irq_output_index(&fake_type, "dma-req"), 1);
    CHECK(dev_irq_output_index(&fake_type, "tx") == -1);
}

static void test_warn_unimp(void) {
    dev_ctx a = {.type = &fake_type, .name = "uart1"};
    dev_ctx b = {.type = &fake_type, .name = "uart2"};
    capture_start();
    dev_warn_unimp(&a, 0x44, false, 0);
    dev_warn_unimp(&a, 0x44, true, 5);
    dev_warn_unimp(&a, 0x48, true, 5);
    dev_warn_unimp(&b, 0x44, false, 0);
    CHECK_EQ_U64(capture_count("uart1: register 0x44"), 1);
    CHECK_EQ_U64(capture_count("uart1: register 0x48"), 1);
    CHECK_EQ_U64(capture_count("uart2: register 0x44"), 1);
    CHECK_STR_CONTAINS(capture_text(), "not modelled");
    capture_stop();
}

int main(void) {
    test_parse();
    test_props();
    test_warn_unimp();
    return check_report("unit_device");
}
