/* Raw-encoding tests of the AdvSIMD structure loads and stores: multiple structures (LD1-LD4,
 * ST1-ST4, register wrap-around from V31 to V0), single lanes, LDnR, post-index by immediate and
 * by register, faults part-way through (FAR, no writeback), UNDEFINED layouts and the FP trap.
 * Expectations come from a separate Python model of the pseudocode, written out below: memory at
 * TH_DATA holds bytes 0x10, 0x11, ...; Vi starts as bytes 0x80+i (low half) and 0xc0+i (high). */
#include "check.h"
#include "harness.h"

typedef struct struct_case {
    uint32_t insn;
    const char *text;
    uint64_t x1_in, x1_out; /* X2 = 0x123 (register post-index) */
    unsigned n_regs;        /* the V registers that change */
    struct {
        unsigned reg;
        uint64_t lo, hi;
    } regs[4];
    const char *mem_hex; /* the 256 bytes at TH_DATA afterwards; NULL: unchanged */
} struct_case;

/* clang-format off */
static const struct_case struct_cases[] = {
    {0x4c407020, "ld1 {v0.16b}, [x1]", 0x100008, 0x100008, 1, {{0, 0x1f1e1d1c1b1a1918ull, 0x2726252423222120ull}},
     NULL},
    {0x0cdfa020, "ld1 {v0.8b, v1.8b}, [x1], #16", 0x100003, 0x100013, 2, {{0, 0x1a19181716151413ull, 0x0000000000000000ull}, {1, 0x2221201f1e1d1c1bull, 0x0000000000000000ull}},
     NULL},
    {0x4c408822, "ld2 {v2.4s, v3.4s}, [x1]", 0x100003, 0x100003, 2, {{2, 0x1e1d1c1b16151413ull, 0x2e2d2c2b26252423ull}, {3, 0x2221201f1a191817ull, 0x3231302f2a292827ull}},
     NULL},
    {0x4cc24424, "ld3 {v4.8h, v5.8h, v6.8h}, [x1], x2", 0x100003, 0x100126, 3, {{4, 0x2625201f1a191413ull, 0x3e3d383732312c2bull}, {5, 0x282722211c1b1615ull, 0x403f3a3934332e2dull}, {6, 0x2a2924231e1d1817ull, 0x42413c3b3635302full}},
     NULL},
    {0x0c40083e, "ld4 {v30.2s, v31.2s, v0.2s, v1.2s}, [x1]", 0x100003, 0x100003, 4, {{0, 0x2e2d2c2b1e1d1c1bull, 0x0000000000000000ull}, {1, 0x3231302f2221201full, 0x0000000000000000ull}, {30, 0x2625242316151413ull, 0x0000000000000000ull}, {31, 0x2a2928271a191817ull, 0x0000000000000000ull}},
     NULL},
    {0x4cdf2c20, "ld1 {v0.2d, v1.2d, v2.2d, v3.2d}, [x1], #64", 0x100003, 0x100043, 4, {{0, 0x1a19181716151413ull, 0x2221201f1e1d1c1bull}, {1, 0x2a29282726252423ull, 0x3231302f2e2d2c2bull}, {2, 0x3a39383736353433ull, 0x4241403f3e3d3c3bull}, {3, 0x4a49484746454443ull, 0x5251504f4e4d4c4bull}},
     NULL},
    {0x4c00ac20, "st1 {v0.2d, v1.2d}, [x1]", 0x100003, 0x100003, 0, {},
     "1011128080808080808080c0c0c0c0c0c0c0c08181818181818181c1c1c1c1c1c1c1c1333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff000102030405060708090a0b0c0d0e0f"},
    {0x0c828020, "st2 {v0.8b, v1.8b}, [x1], x2", 0x100003, 0x100126, 0, {},
     "10111280818081808180818081808180818081232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff000102030405060708090a0b0c0d0e0f"},
    {0x4c004820, "st3 {v0.4s, v1.4s, v2.4s}, [x1]", 0x100003, 0x100003, 0, {},
     "101112808080808181818182828282808080808181818182828282c0c0c0c0c1c1c1c1c2c2c2c2c0c0c0c0c1c1c1c1c2c2c2c2434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff000102030405060708090a0b0c0d0e0f"},
    {0x4dbfb020, "st4 {v0.s, v1.s, v2.s, v3.s}[3], [x1], #16", 0x100003, 0x100013, 0, {},
     "101112c0c0c0c0c1c1c1c1c2c2c2c2c3c3c3c3232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff000102030405060708090a0b0c0d0e0f"},
    {0x4d404820, "ld1 {v0.h}[5], [x1]", 0x100003, 0x100003, 1, {{0, 0x8080808080808080ull, 0xc0c0c0c01413c0c0ull}},
     NULL},
    {0x4d40c820, "ld1r {v0.4s}, [x1]", 0x100003, 0x100003, 1, {{0, 0x1615141316151413ull, 0x1615141316151413ull}},
     NULL},
    {0x0dffc020, "ld2r {v0.8b, v1.8b}, [x1], #2", 0x100003, 0x100005, 2, {{0, 0x1313131313131313ull, 0x0000000000000000ull}, {1, 0x1414141414141414ull, 0x0000000000000000ull}},
     NULL},
    {0x4dc2ec20, "ld3r {v0.2d, v1.2d, v2.2d}, [x1], x2", 0x100003, 0x100126, 3, {{0, 0x1a19181716151413ull, 0x1a19181716151413ull}, {1, 0x2221201f1e1d1c1bull, 0x2221201f1e1d1c1bull}, {2, 0x2a29282726252423ull, 0x2a29282726252423ull}},
     NULL},
    {0x4d60a420, "ld4 {v0.d, v1.d, v2.d, v3.d}[1], [x1]", 0x100003, 0x100003, 4, {{0, 0x8080808080808080ull, 0x1a19181716151413ull}, {1, 0x8181818181818181ull, 0x2221201f1e1d1c1bull}, {2, 0x8282828282828282ull, 0x2a29282726252423ull}, {3, 0x8383838383838383ull, 0x3231302f2e2d2c2bull}},
     NULL},
    {0x4d001c20, "st1 {v0.b}[15], [x1]", 0x100003, 0x100003, 0, {},
     "101112c01415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff000102030405060708090a0b0c0d0e0f"},
    {0x4c408c20, "ld2 {v0.2d, v1.2d}, [x1]", 0x100003, 0x100003, 2, {{0, 0x1a19181716151413ull, 0x2a29282726252423ull}, {1, 0x2221201f1e1d1c1bull, 0x3231302f2e2d2c2bull}},
     NULL},
    {0x0d409020, "ld1 {v0.s}[1], [x1]", 0x100003, 0x100003, 1, {{0, 0x1615141380808080ull, 0xc0c0c0c0c0c0c0c0ull}},
     NULL},
};
/* clang-format on */

enum { WINDOW = 256 };

static th *setup(uint32_t insn, uint64_t x1) {
    th *t = th_new(1);
    th_vectors(t, TH_VBAR);
    arm_cpu *c = th_cpu(t, 0);
    for (unsigned i = 0; i < WINDOW; i++)
        t->ram[TH_DATA + i] = (uint8_t)(0x10 + i);
    for (unsigned i = 0; i < 32; i++)
        cpu_set_vreg(c, i, 0x0101010101010101ull * ((0x80 + i) & 0xff),
                     0x0101010101010101ull * ((0xc0 + i) & 0xff));
    cpu_set_xreg(c, 1, x1);
    cpu_set_xreg(c, 2, 0x123);
    th_code(t, TH_CODE, &insn, 1);
    return t;
}

static void test_cases(void) {
    for (size_t n = 0; n < sizeof struct_cases / sizeof struct_cases[0]; n++) {
        const struct_case *k = &struct_cases[n];
        th *t = setup(k->insn, k->x1_in);
        arm_cpu *c = th_cpu(t, 0);
        th_run(t, 0, 4);
        int before = check_failures;
        CHECK_EQ_U64(cpu_get_pc(c), TH_CODE + 4);
        CHECK_EQ_U64(cpu_get_xreg(c, 1), k->x1_out);
        for (unsigned r = 0; r < 32; r++) {
            uint64_t lo, hi, want_lo = 0x0101010101010101ull * ((0x80 + r) & 0xff),
                             want_hi = 0x0101010101010101ull * ((0xc0 + r) & 0xff);
            for (unsigned j = 0; j < k->n_regs; j++)
                if (k->regs[j].reg == r) want_lo = k->regs[j].lo, want_hi = k->regs[j].hi;
            cpu_get_vreg(c, r, &lo, &hi);
            CHECK_EQ_U64(lo, want_lo);
            CHECK_EQ_U64(hi, want_hi);
        }
        char hex[2 * WINDOW + 1];
        for (unsigned i = 0; i < WINDOW; i++)
            snprintf(hex + 2 * i, 3, "%02x", t->ram[TH_DATA + i]);
        if (k->mem_hex) {
            CHECK(strcmp(hex, k->mem_hex) == 0);
        } else {
            for (unsigned i = 0; i < WINDOW; i++)
                CHECK_EQ_U64(t->ram[TH_DATA + i], (uint8_t)(0x10 + i));
        }
        if (check_failures != before) fprintf(stderr, "  in case %zu: %s\n", n, k->text);
        th_free(t);
    }
}

/* A store that runs off the end of RAM part-way: the bytes before the hole are written, the abort
 * reports the first faulting element's address, and the base is not written back. */
static void test_fault_midway(void) {
    th *t = setup(0x4c9f7020 /* st1 {v0.16b}, [x1], #16 */, TH_RAM_SIZE - 4);
    arm_cpu *c = th_cpu(t, 0);
    th_run(t, 0, 4);
    uint64_t esr = 0, far = 0;
    cpu_read_sysreg(c, "ESR_EL1", &esr);
    cpu_read_sysreg(c, "FAR_EL1", &far);
    CHECK_EQ_U64(cpu_get_pc(c), TH_VBAR + 0x200);
    CHECK_EQ_U64(esr >> 26, 0x25);    /* data abort, same EL */
    CHECK_EQ_U64((esr >> 24) & 1, 0); /* ISV = 0 for SIMD structures */
    CHECK_EQ_U64((esr >> 6) & 1, 1);  /* WnR */
    CHECK_EQ_U64(esr & 0x3f, 0x10);   /* synchronous external abort */
    CHECK_EQ_U64(far, TH_RAM_SIZE);
    CHECK_EQ_U64(cpu_get_xreg(c, 1), TH_RAM_SIZE - 4);
    for (unsigned i = 0; i < 4; i++)
        CHECK_EQ_U64(t->ram[TH_RAM_SIZE - 4 + i], 0x80);
    th_free(t);
    /* A load with an 8-aligned base (chunked path): FAR is still the first faulting byte. */
    t = setup(0x4c40a020 /* ld1 {v0.16b, v1.16b}, [x1] */, TH_RAM_SIZE - 24);
    c = th_cpu(t, 0);
    th_run(t, 0, 4);
    cpu_read_sysreg(c, "FAR_EL1", &far);
    CHECK_EQ_U64(cpu_get_pc(c), TH_VBAR + 0x200);
    CHECK_EQ_U64(far, TH_RAM_SIZE);
    CHECK_EQ_U64(cpu_get_xreg(c, 1), TH_RAM_SIZE - 24);
    th_free(t);
}

static void test_undefined_and_trap(void) {
    static const uint32_t undef[] = {
        0x4c401020, /* LD multiple, opcode 0001 */
        0x0c408c20, /* ld2 {v0.1d, v1.1d}: size 11 with Q = 0 and more than one element */
        0x4d00c820, /* "st1r": replicate needs L = 1 */
        0x0d408820, /* 32-bit lane with size<1> = 1 */
        0x0d404420, /* 16-bit lane with size<0> = 1 */
        0x4d414820, /* single structure without post-index but Rm != 0 */
        0x4d40f020, /* ld3r with S = 1 */
        0x0d409420, /* 64-bit lane with S = 1 */
    };
    for (size_t n = 0; n < sizeof undef / sizeof undef[0]; n++) {
        th *t = setup(undef[n], TH_DATA);
        arm_cpu *c = th_cpu(t, 0);
        th_run(t, 0, 4);
        uint64_t esr = 0;
        cpu_read_sysreg(c, "ESR_EL1", &esr);
        if (cpu_get_pc(c) != TH_VBAR + 0x200) fprintf(stderr, "  word 0x%08x\n", undef[n]);
        CHECK_EQ_U64(cpu_get_pc(c), TH_VBAR + 0x200);
        CHECK_EQ_U64(esr, 0x02000000);
        th_free(t);
    }
    th *t = setup(0x4c407020 /* ld1 {v0.16b}, [x1] */, TH_DATA);
    arm_cpu *c = th_cpu(t, 0);
    cpu_write_sysreg(c, "CPACR_EL1", 0);
    th_run(t, 0, 4);
    uint64_t esr = 0;
    cpu_read_sysreg(c, "ESR_EL1", &esr);
    CHECK_EQ_U64(esr >> 26, 0x07);
    th_free(t);
}

int main(void) {
    test_cases();
    test_fault_midway();
    test_undefined_and_trap();
    printf("insn_ldst_simd: %zu cases, %d checks, %d failures\n",
           sizeof struct_cases / sizeof struct_cases[0], check_count, check_failures);
    return check_failures != 0;
}
