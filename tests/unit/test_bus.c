/* Bus: region insertion checks, lookups, RAM pointers, MMIO size handling, unmapped and
 * unimplemented accesses, ROM, block copies. */
#include "check.h"
#include "capture_log.h"
#include "soc/bus.h"

/* A device with 16 bytes of registers that records each callback it receives. */
typedef struct {
    uint8_t regs[16];
    struct {
        uint64_t offset, value;
        unsigned size;
        int is_write;
    } calls[16];
    unsigned n_calls;
} fake_dev;

static uint64_t fake_read(void *opaque, uint64_t offset, unsigned size) {
    fake_dev *d = opaque;
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)d->regs[offset + i] << (8 * i);
    if (d->n_calls < 16) d->calls[d->n_calls++] = (typeof(d->calls[0])){offset, v, size, 0};
    return v;
}

static void fake_write(void *opaque, uint64_t offset, uint64_t value, unsigned size) {
    fake_dev *d = opaque;
    for (unsigned i = 0; i < size; i++)
        d->regs[offset + i] = (uint8_t)(value >> (8 * i));
    if (d->n_calls < 16) d->calls[d->n_calls++] = (typeof(d->calls[0])){offset, value, size, 1};
}

static char err[256];

static uint64_t load_expected(const uint8_t *p) {
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24;
}

static void test_insertion(void) {
    bus b;
    bus_init(&b, BUS_UNMAPPED_RAZ_WI);
    CHECK(bus_add_ram(&b, "sdram", 0x1000, 0x1000, NULL, err, sizeof err) == 0);
    CHECK(bus_add_unimp(&b, "gpio", 0x3000, 0x100, err, sizeof err) == 0);

    /* New region inside an existing one. */
    CHECK(bus_add_unimp(&b, "inner", 0x1800, 0x10, err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "'inner'");
    CHECK_STR_CONTAINS(err, "'sdram'");
    CHECK_STR_CONTAINS(err, "overlaps");
    /* New region containing an existing one (a containment-only test misses this). */
    CHECK(bus_add_unimp(&b, "outer", 0x2f00, 0x1000, err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "'outer'");
    CHECK_STR_CONTAINS(err, "'gpio'");
    /* Straddling the start and the end of an existing region. */
    CHECK(bus_add_unimp(&b, "low", 0x0f00, 0x101, err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "'sdram'");
    CHECK(bus_add_unimp(&b, "high", 0x1fff, 0x10, err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "'high'");
    /* Exactly adjacent on both sides is fine. */
    CHECK(bus_add_unimp(&b, "below", 0x0f00, 0x100, err, sizeof err) == 0);
    CHECK(bus_add_unimp(&b, "above", 0x2000, 0x100, err, sizeof err) == 0);

    CHECK(bus_add_unimp(&b, "empty", 0x9000, 0, err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "'empty'");
    CHECK_STR_CONTAINS(err, "size zero");
    CHECK(bus_add_unimp(&b, "wrap", UINT64_MAX - 0xff, 0x200, err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "'wrap'");
    CHECK_STR_CONTAINS(err, "wraps");
    /* Reaching exactly the top of the address space does not wrap. */
    CHECK(bus_add_unimp(&b, "top", UINT64_MAX - 0xff, 0x100, err, sizeof err) == 0);

    /* Kept sorted whatever the insertion order. */
    CHECK_EQ_U64(b.n_regions, 5);
    for (unsigned i = 1; i < b.n_regions; i++)
        CHECK(b.regions[i - 1].base < b.regions[i].base);
    bus_destroy(&b);
}

static void test_lookup_and_ram_ptr(void) {
    bus b;
    bus_init(&b, BUS_UNMAPPED_RAZ_WI);
    static uint8_t rom_bytes[0x100] = {0xaa, 0xbb};
    uint8_t host_ram[0x200];
    memset(host_ram, 0x5a, sizeof host_ram);
    CHECK(bus_add_ram(&b, "ram", 0x0, 0x200, host_ram, err, sizeof err) == 0);
    CHECK(bus_add_rom(&b, "rom", 0x1000, 0x100, rom_bytes, err, sizeof err) == 0);
    CHECK(bus_add_ram(&b, "zeroed", 0x8000, 0x100, NULL, err, sizeof err) == 0);
    for (uint64_t base = 0x10000; base < 0x10000 + 40 * 0x100; base += 0x100) {
        char name[16];
        snprintf(name, sizeof name, "blk%u", (unsigned)(base >> 8));
        CHECK(bus_add_unimp(&b, name, base, 0x80, err, sizeof err) == 0);
    }

    CHECK(bus_find(&b, 0x0) && strcmp(bus_find(&b, 0x0)->name, "ram") == 0);
    CHECK(bus_find(&b, 0x1ff) && strcmp(bus_find(&b, 0x1ff)->name, "ram") == 0);
    CHECK(bus_find(&b, 0x200) == NULL);
    CHECK(bus_find(&b, 0xfff) == NULL);
    CHECK(bus_find(&b, 0x10ff) && strcmp(bus_find(&b, 0x10ff)->name, "rom") == 0);
    CHECK(bus_find(&b, 0x1100) == NULL);
    CHECK(bus_find(&b, 0x10000 + 17 * 0x100 + 0x7f) &&
          strcmp(bus_find(&b, 0x10000 + 17 * 0x100 + 0x7f)->name, "blk273") == 0);
    CHECK(bus_find(&b, 0x10000 + 17 * 0x100 + 0x80) == NULL);
    CHECK(bus_find(&b, UINT64_MAX) == NULL);

    uint64_t avail = 0;
    CHECK(bus_ram_ptr(&b, 0x10, true, &avail) == host_ram + 0x10);
    CHECK_EQ_U64(avail, 0x1f0);
    CHECK(bus_ram_ptr(&b, 0x1001, false, &avail) == rom_bytes + 1);
    CHECK_EQ_U64(avail, 0xff);
    CHECK(bus_ram_ptr(&b, 0x1001, true, &avail) == NULL); /* ROM is not writable through it */
    CHECK(bus_ram_ptr(&b, 0x10000, false, &avail) == NULL);
    CHECK(bus_ram_ptr(&b, 0x300, false, &avail) == NULL);
    uint8_t *zeroed = bus_ram_ptr(&b, 0x8000, true, &avail);
    CHECK(zeroed != NULL);
    CHECK(zeroed && zeroed[0] == 0 && zeroed[0xff] == 0);

    uint64_t v = 0;
    CHECK(bus_write(&b, 0x20, 4, 0x11223344) == BUS_OK);
    CHECK_EQ_U64(host_ram[0x20], 0x44); /* little-endian */
    CHECK(bus_read(&b, 0x20, 2, &v) == BUS_OK);
    CHECK_EQ_U64(v, 0x3344);
    CHECK(bus_read(&b, 0x1000, 2, &v) == BUS_OK);
    CHECK_EQ_U64(v, 0xbbaa);
    bus_destroy(&b);
}

static void test_mmio_sizes(void) {
    bus b;
    bus_init(&b, BUS_UNMAPPED_RAZ_WI);
    fake_dev wide = {0}, narrow = {0}, any = {0};
    /* Guest may use 1..8 bytes, device implements 4 only: split and widen. */
    static const mmio_ops word_ops = {.read = fake_read,
                                      .write = fake_write,
                                      .valid_min = 1,
                                      .valid_max = 8,
                                      .impl_min = 4,
                                      .impl_max = 4};
    /* Guest may only use 4 bytes. */
    static const mmio_ops strict_ops = {
        .read = fake_read, .write = fake_write, .valid_min = 4, .valid_max = 4};
    static const mmio_ops unaligned_ops = {
        .read = fake_read, .write = fake_write, .unaligned_ok = true};
    CHECK(bus_add_mmio(&b, "wide", 0x100, 16, &word_ops, &wide, err, sizeof err) == 0);
    CHECK(bus_add_mmio(&b, "narrow", 0x200, 16, &strict_ops, &narrow, err, sizeof err) == 0);
    CHECK(bus_add_mmio(&b, "any", 0x300, 16, &unaligned_ops, &any, err, sizeof err) == 0);
    static const mmio_ops bad_ops = {.read = fake_read, .write = fake_write, .valid_max = 3};
    CHECK(bus_add_mmio(&b, "bad", 0x400, 16, &bad_ops, NULL, err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "'bad'");

    capture_start();
    uint64_t v;
    /* 8-byte write split into two 4-byte writes, low half first. */
    CHECK(bus_write(&b, 0x100, 8, 0x1122334455667788ull) == BUS_OK);
    CHECK_EQ_U64(wide.n_calls, 2);
    CHECK_EQ_U64(wide.calls[0].offset, 0);
    CHECK_EQ_U64(wide.calls[0].size, 4);
    CHECK_EQ_U64(wide.calls[0].value, 0x55667788);
    CHECK_EQ_U64(wide.calls[1].offset, 4);
    CHECK_EQ_U64(wide.calls[1].value, 0x11223344);
    wide.n_calls = 0;
    CHECK(bus_read(&b, 0x100, 8, &v) == BUS_OK);
    CHECK_EQ_U64(v, 0x1122334455667788ull);
    CHECK_EQ_U64(wide.n_calls, 2);

    /* 1-byte read widened to the 4-byte register holding it. */
    wide.n_calls = 0;
    CHECK(bus_read(&b, 0x106, 1, &v) == BUS_OK);
    CHECK_EQ_U64(v, 0x22);
    CHECK_EQ_U64(wide.n_calls, 1);
    CHECK_EQ_U64(wide.calls[0].offset, 4);
    CHECK_EQ_U64(wide.calls[0].size, 4);
    /* 2-byte write widened with read-modify-write: the other bytes are kept. */
    wide.n_calls = 0;
    CHECK(bus_write(&b, 0x106, 2, 0xbeef) == BUS_OK);
    CHECK_EQ_U64(wide.n_calls, 2);
    CHECK(!wide.calls[0].is_write && wide.calls[1].is_write);
    CHECK_EQ_U64(wide.calls[1].offset, 4);
    CHECK_EQ_U64(wide.calls[1].size, 4);
    CHECK_EQ_U64(wide.calls[1].value, 0xbeef3344);

    /* Sizes outside valid: bus error, device not called, counted, logged once per address. */
    uint64_t before = b.unmapped_accesses;
    CHECK(bus_write(&b, 0x204, 1, 0xff) == BUS_ERR_SIZE);
    CHECK(bus_read(&b, 0x204, 8, &v) == BUS_ERR_SIZE);
    CHECK_EQ_U64(v, 0);
    CHECK(bus_read(&b, 0x204, 2, &v) == BUS_ERR_SIZE);
    CHECK_EQ_U64(narrow.n_calls, 0);
    CHECK_EQ_U64(b.unmapped_accesses - before, 3);
    CHECK_EQ_U64(capture_count("0x204"), 1);
    CHECK_STR_CONTAINS(capture_text(), "'narrow'");
    CHECK(bus_write(&b, 0x204, 4, 7) == BUS_OK);
    CHECK_EQ_U64(narrow.n_calls, 1);

    /* Unaligned: refused unless the device says it copes. */
    CHECK(bus_read(&b, 0x102, 4, &v) == BUS_ERR_SIZE);
    CHECK_STR_CONTAINS(capture_text(), "unaligned");
    CHECK(bus_write(&b, 0x301, 4, 0xa1b2c3d4) == BUS_OK);
    CHECK_EQ_U64(any.n_calls, 1);
    CHECK_EQ_U64(any.calls[0].offset, 1);
    CHECK(bus_read(&b, 0x301, 4, &v) == BUS_OK);
    CHECK_EQ_U64(v, 0xa1b2c3d4);
    /* A size no access can have. */
    before = b.unmapped_accesses;
    CHECK(bus_read(&b, 0x300, 3, &v) == BUS_ERR_SIZE);
    CHECK(bus_write(&b, 0x300, 16, 0) == BUS_ERR_SIZE);
    CHECK_EQ_U64(b.unmapped_accesses - before, 2);
    CHECK_EQ_U64(any.n_calls, 2);
    /* Past the end of the region. */
    CHECK(bus_read(&b, 0x30e, 4, &v) == BUS_ERR_SIZE);
    capture_stop();

    /* Stats: accesses that reached each device (refused sizes do not), busiest first. */
    const bus_region *w = bus_find(&b, 0x100), *n = bus_find(&b, 0x200);
    CHECK_EQ_U64(w->reads, 2);  /* the 8-byte and the widened 1-byte read */
    CHECK_EQ_U64(w->writes, 2); /* the 8-byte and the 2-byte write */
    CHECK_EQ_U64(n->reads + n->writes, 1);
    char report[400] = "";
    FILE *f = fmemopen(report, sizeof report - 1, "w");
    CHECK(f != NULL);
    if (f) {
        bus_report_stats(&b, f);
        fclose(f);
    }
    CHECK_STR_CONTAINS(report, "socemu-stats: mmio (reads/writes) wide=2/2 any=");
    CHECK_STR_CONTAINS(report, " narrow=0/1 unmapped=");
    bus_destroy(&b);
}

static void test_unmapped(void) {
    for (int policy = 0; policy < 2; policy++) {
        bus b;
        bus_init(&b, policy ? BUS_UNMAPPED_ABORT : BUS_UNMAPPED_RAZ_WI);
        CHECK(bus_add_ram(&b, "ram", 0, 0x100, NULL, err, sizeof err) == 0);
        capture_start();
        uint64_t v = 123;
        CHECK(bus_read(&b, 0x5000, 4, &v) == BUS_ERR_UNMAPPED);
        CHECK_EQ_U64(v, 0); /* reads as zero under either policy */
        CHECK(bus_read(&b, 0x5000, 4, &v) == BUS_ERR_UNMAPPED);
        CHECK(bus_write(&b, 0x5000, 4, 1) == BUS_ERR_UNMAPPED);
        CHECK(bus_write(&b, 0x6000, 1, 1) == BUS_ERR_UNMAPPED);
        CHECK_EQ_U64(b.unmapped_accesses, 4);
        CHECK_EQ_U64(capture_count("0x5000"), 1); /* once per address */
        CHECK_EQ_U64(capture_count("0x6000"), 1);
        CHECK(bus_should_abort(&b, BUS_ERR_UNMAPPED) == (policy == 1));
        CHECK(!bus_should_abort(&b, BUS_OK));
        /* A RAM access running off the end of RAM into nothing fails as a whole. */
        CHECK(bus_write(&b, 0xfe, 4, 0xffffffff) == BUS_ERR_UNMAPPED);
        uint8_t *ram = bus_ram_ptr(&b, 0, false, NULL);
        CHECK(ram && ram[0xfe] == 0 && ram[0xff] == 0);
        capture_stop();
        bus_destroy(&b);
    }
}

static void test_unimp_and_rom(void) {
    bus b;
    bus_init(&b, BUS_UNMAPPED_ABORT);
    CHECK(bus_add_unimp(&b, "pwm", 0x3f20c000, 0x100, err, sizeof err) == 0);
    uint8_t rom[16] = {1, 2, 3, 4};
    CHECK(bus_add_rom(&b, "bootrom", 0x0, sizeof rom, rom, err, sizeof err) == 0);
    capture_start();
    soc_trace_mask = TRACE_UNIMP;
    uint64_t v = 99;
    CHECK(bus_read(&b, 0x3f20c010, 4, &v) == BUS_OK);
    CHECK_EQ_U64(v, 0);
    CHECK(bus_write(&b, 0x3f20c010, 4, 5) == BUS_OK);
    CHECK(bus_write(&b, 0x3f20c014, 4, 5) == BUS_OK);
    CHECK_EQ_U64(b.unimp_accesses, 3);
    CHECK_EQ_U64(b.unmapped_accesses, 0);
    CHECK_EQ_U64(capture_count("warning: pwm: register 0x10"), 1); /* once per offset */
    CHECK_EQ_U64(capture_count("warning: pwm: register 0x14"), 1);
    CHECK_EQ_U64(capture_count("trace: pwm:"), 3); /* traced every time */
    soc_trace_mask = 0;

    CHECK(bus_write(&b, 0x2, 1, 0xff) == BUS_ERR_READONLY);
    CHECK(bus_should_abort(&b, BUS_ERR_READONLY));
    CHECK_EQ_U64(rom[2], 3);
    CHECK_STR_CONTAINS(capture_text(), "read-only 'bootrom'");
    /* The loader may write ROM. */
    CHECK(bus_write_block(&b, 0x2, "\x09", 1, err, sizeof err) == 0);
    CHECK_EQ_U64(rom[2], 9);
    capture_stop();
    bus_destroy(&b);
}

static uint64_t hook_addr, hook_len;
static unsigned hook_calls;
static void on_ram_write(void *opaque, uint64_t addr, uint64_t len) {
    (void)opaque;
    hook_addr = addr;
    hook_len = len;
    hook_calls++;
}

static void test_blocks(void) {
    bus b;
    bus_init(&b, BUS_UNMAPPED_RAZ_WI);
    CHECK(bus_add_ram(&b, "lo", 0x1000, 0x100, NULL, err, sizeof err) == 0);
    CHECK(bus_add_ram(&b, "hi", 0x1100, 0x100, NULL, err, sizeof err) == 0);
    fake_dev dev = {0};
    static const mmio_ops ops = {.read = fake_read, .write = fake_write};
    CHECK(bus_add_mmio(&b, "dev", 0x1200, 16, &ops, &dev, err, sizeof err) == 0);
    bus_set_ram_write_hook(&b, on_ram_write, NULL);

    uint8_t pattern[64], back[64];
    for (unsigned i = 0; i < sizeof pattern; i++)
        pattern[i] = (uint8_t)(i * 7 + 1);
    CHECK(bus_write_block(&b, 0x10e0, pattern, sizeof pattern, err, sizeof err) == 0);
    CHECK_EQ_U64(hook_calls, 1);
    CHECK_EQ_U64(hook_addr, 0x10e0);
    CHECK_EQ_U64(hook_len, 64);
    uint8_t *hi = bus_ram_ptr(&b, 0x1100, false, NULL);
    CHECK(hi && hi[0] == pattern[0x20]);
    memset(back, 0, sizeof back);
    CHECK(bus_read_block(&b, 0x10e0, back, sizeof back, err, sizeof err) == 0);
    CHECK(memcmp(back, pattern, sizeof back) == 0);

    /* A single access straddling the two RAM regions. */
    uint64_t v;
    CHECK(bus_read(&b, 0x10fe, 4, &v) == BUS_OK);
    CHECK_EQ_U64(v, load_expected(pattern + 0x1e));

    /* Running into MMIO: refused, nothing written, the error names the region. */
    uint8_t ones[32];
    memset(ones, 0xff, sizeof ones);
    hook_calls = 0;
    CHECK(bus_write_block(&b, 0x11f0, ones, sizeof ones, err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "'dev'");
    CHECK_STR_CONTAINS(err, "0x1200");
    CHECK_EQ_U64(hook_calls, 0);
    CHECK(hi && hi[0xf0] == 0);
    CHECK_EQ_U64(dev.n_calls, 0);
    CHECK(bus_read_block(&b, 0x11f0, ones, sizeof ones, err, sizeof err) == -1);
    CHECK(bus_read_block(&b, 0x0, ones, 4, err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "not mapped");
    bus_destroy(&b);
}

int main(void) {
    test_insertion();
    test_lookup_and_ram_ptr();
    test_mmio_sizes();
    test_unmapped();
    test_unimp_and_rom();
    test_blocks();
    return check_report("unit_bus");
}
