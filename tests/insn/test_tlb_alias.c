/* Soft-TLB conflicts: copies between two buffers a power of two apart (4 MiB - one TLB's reach
 * with 4 KiB pages - and multiples, also +/- a page) must take one page walk per page touched,
 * not one per access. With the old direct-mapped index (VA bits 21:12) both buffers' pages shared
 * every slot: each load evicted the destination's entry and each store the source's (a memcpy
 * between two static 8 MiB arrays ran ~90x slower than under QEMU). Counted, not timed: TLB fills,
 * slow-path accesses and compiled memory ops that left their inline probe must stay near two per
 * page (cpu_get_mem_stats). Also: a sweep of one 4 MiB region fills each page once, the second
 * sweep none but the code page's (pages of one region never share a slot). */
#include "check.h"
#include "harness.h"

/* VA 0..1 GiB: identity (code, tables); every 2 MiB block of VA 1 GiB..512 GiB maps PA 2 MiB. */
enum { L1 = 0x1c0000, L2 = 0x1c1000, WINDOW_PA = 0x200000 };
#define GIB (1ull << 30)
#define MIB (1ull << 20)

static void setup_tables(th *t) {
    th_put64(t, L1, 0 | (1u << 10) | (3u << 8) | 1); /* 1 GiB identity block */
    for (unsigned k = 1; k < 512; k++)
        th_put64(t, L1 + 8 * k, L2 | 3);
    for (unsigned k = 0; k < 512; k++) /* 2 MiB blocks, AF, inner shareable, EL1 RW */
        th_put64(t, L2 + 8 * k, WINDOW_PA | (1u << 10) | (3u << 8) | 1);
}

enum { MSR_TTBR0_X1 = 0xd5182001, MSR_SCTLR_X5 = 0xd5181005, ISB = 0xd5033fdf };

static th *setup(void) {
    th *t = th_new(1);
    th_vectors(t, TH_VBAR);
    setup_tables(t);
    arm_cpu *c = th_cpu(t, 0);
    cpu_write_sysreg(c, "MAIR_EL1", 0xff);
    /* T0SZ 25 (39-bit VA), 4K granule, IPS 40 bits, EPD1 */
    cpu_write_sysreg(c, "TCR_EL1", 25 | (1ull << 23) | (2ull << 32));
    cpu_set_xreg(c, 1, L1);
    cpu_set_xreg(c, 5, 0x00C50838 | 1); /* SCTLR_EL1.M */
    const uint32_t on[] = {MSR_TTBR0_X1, ISB, MSR_SCTLR_X5, ISB};
    th_code(t, TH_CODE, on, 4);
    cpu_set_pc(c, TH_CODE);
    th_run(t, 0, 4);
    return t;
}

static uint64_t events(arm_cpu *c) {
    cpu_mem_stats s;
    cpu_get_mem_stats(c, &s);
    return s.tlb_fills + s.slow_accesses + s.jit_slow_paths;
}

/* Copies `pages` pages from src to dst (16 bytes per LDP/STP, or 8 per LDR/STR, post-index)
 * and returns the fills + slow accesses + out-of-line compiled accesses it took. */
static uint64_t copy(th *t, uint64_t src, uint64_t dst, unsigned pages, bool pair) {
    arm_cpu *c = th_cpu(t, 0);
    const uint32_t pair_loop[] = {
        0xa8c11003, /* ldp x3, x4, [x0], #16 */
        0xa8811023, /* stp x3, x4, [x1], #16 */
        0xf1004042, /* subs x2, x2, #16 */
        0x54ffffa1, /* b.ne loop */
    };
    const uint32_t single_loop[] = {
        0xf8408403, /* ldr x3, [x0], #8 */
        0xf8008423, /* str x3, [x1], #8 */
        0xf1002042, /* subs x2, x2, #8 */
        0x54ffffa1, /* b.ne loop */
    };
    uint64_t code = TH_CODE + 0x1000;
    th_code(t, code, pair ? pair_loop : single_loop, 4);
    cpu_set_xreg(c, 0, src);
    cpu_set_xreg(c, 1, dst);
    cpu_set_xreg(c, 2, 4096ull * pages);
    cpu_set_pc(c, code);
    uint64_t before = events(c);
    uint64_t iterations = 4096ull * pages / (pair ? 16 : 8);
    th_run(t, 0, 4 * iterations);
    CHECK_EQ_U64(cpu_get_xreg(c, 2), 0); /* the loop ran to its end */
    CHECK_EQ_U64(cpu_get_pc(c), code + 16);
    return events(c) - before;
}

static void test_copy_distances(void) {
    static const uint64_t dist[] = {
        4 * MIB,        8 * MIB,  16 * MIB,         64 * MIB,       GIB,
        4 * GIB,        64 * GIB, 4 * MIB + 4096,   8 * MIB + 4096, 4 * MIB - 4096,
        8 * MIB - 8192, 12 * MIB, 256 * MIB + 4096,
    };
    enum { PAGES = 8 };
    for (unsigned i = 0; i < sizeof dist / sizeof dist[0]; i++)
        for (unsigned pair = 0; pair < 2; pair++) {
            th *t = setup();
            /* An unaligned source too: the first access of each page is then the only slow one
             * (a pair straddling two pages goes out of line by design). */
            uint64_t src = GIB + 3 * MIB + (pair ? 0 : 8);
            uint64_t n = copy(t, src, src + dist[i], PAGES, pair);
            /* Per page: a fill and a slow access each for source and destination (and an
             * out-of-line compiled access each once compiled), plus page crossings. */
            if (n > 8 * PAGES + 16)
                fprintf(stderr, "distance %#llx %s: %llu TLB fills/slow accesses for %u pages\n",
                        (unsigned long long)dist[i], pair ? "ldp/stp" : "ldr/str",
                        (unsigned long long)n, PAGES);
            CHECK(n <= 8 * PAGES + 16);
            th_free(t);
        }
}

/* Pages of one 4 MiB region never share a slot: the second sweep of 1024 pages misses nowhere;
 * nor do 1021 consecutive pages straddling two regions. */
static void test_sweep(void) {
    static const uint64_t start[] = {GIB + 4 * MIB, GIB + 4 * MIB + 1536 * 4096ull};
    static const unsigned pages[] = {1024, 1021};
    for (unsigned k = 0; k < 2; k++) {
        th *t = setup();
        arm_cpu *c = th_cpu(t, 0);
        const uint32_t sweep[] = {
            0xf9400003, /* ldr x3, [x0] */
            0x91400400, /* add x0, x0, #1, lsl #12 */
            0xf1000442, /* subs x2, x2, #1 */
            0x54ffffa1, /* b.ne loop */
        };
        uint64_t code = TH_CODE + 0x1000;
        th_code(t, code, sweep, 4);
        uint64_t n[2];
        for (unsigned pass = 0; pass < 2; pass++) {
            cpu_set_xreg(c, 0, start[k]);
            cpu_set_xreg(c, 2, pages[k]);
            cpu_set_pc(c, code);
            cpu_mem_stats before, after;
            cpu_get_mem_stats(c, &before);
            th_run(t, 0, 4ull * pages[k]);
            cpu_get_mem_stats(c, &after);
            CHECK_EQ_U64(cpu_get_xreg(c, 2), 0);
            n[pass] = after.tlb_fills - before.tlb_fills;
        }
        /* The code page's entry takes one of the region's slots: it and that data page miss
         * once more each per pass. */
        CHECK(n[0] >= pages[k] && n[0] <= pages[k] + 1);
        CHECK(n[1] <= 2);
        th_free(t);
    }
}

int main(void) {
    test_copy_distances();
    test_sweep();
    return check_report("insn_tlb_alias");
}
