/* Raw-encoding tests of the scalar floating-point instructions: one instruction per case from a
 * fresh core, operands in V1-V3 (and X1/X2), result in V0, X0 or NZCV, FPSR flags compared.
 * V0 starts with all bits set to 0xc0 so that scalar writes are seen to clear bits 127:N.
 * Words from llvm-mc (-mattr=+fullfp16,+jsconv for the forms the A53 must reject). */
#include "check.h"
#include "harness.h"

typedef struct fp_case {
    uint32_t insn;
    const char *text;
    uint64_t v1, v2, v3; /* low halves of V1-V3; X1 = v1, X2 = v2 */
    uint32_t fpcr, nzcv_in;
    char kind; /* 'V': V0 (both halves), 'X': X0, 'F': flags only */
    uint64_t want_lo, want_hi;
    uint32_t want_fpsr;
    int want_nzcv; /* -1: not checked */
} fp_case;

typedef struct undef_case {
    uint32_t insn;
    const char *text;
} undef_case;

/* clang-format off */
static const fp_case fp_cases[] = {
    {0x1e204020, "fmov s0, s1", 0x3fc00000ull, 0x0ull, 0x0ull, 0x0, 0x0, 'V', 0x3fc00000ull, 0x0ull, 0x0, -1},
    {0x1e60c020, "fabs d0, d1", 0xc004000000000000ull, 0x0ull, 0x0ull, 0x0, 0x0, 'V', 0x4004000000000000ull, 0x0ull, 0x0, -1},
    {0x1e214020, "fneg s0, s1", 0x3fc00000ull, 0x0ull, 0x0ull, 0x0, 0x0, 'V', 0xbfc00000ull, 0x0ull, 0x0, -1},
    {0x1e61c020, "fsqrt d0, d1", 0x4002000000000000ull, 0x0ull, 0x0ull, 0x0, 0x0, 'V', 0x3ff8000000000000ull, 0x0ull, 0x0, -1},
    {0x1e61c020, "fsqrt d0, d1", 0x4000000000000000ull, 0x0ull, 0x0ull, 0x0, 0x0, 'V', 0x3ff6a09e667f3bcdull, 0x0ull, 0x10, -1},
    {0x1e21c020, "fsqrt s0, s1", 0xbf800000ull, 0x0ull, 0x0ull, 0x0, 0x0, 'V', 0x7fc00000ull, 0x0ull, 0x1, -1},
    {0x1e22c020, "fcvt d0, s1", 0x3dcccccdull, 0x0ull, 0x0ull, 0x0, 0x0, 'V', 0x3fb99999a0000000ull, 0x0ull, 0x0, -1},
    {0x1e624020, "fcvt s0, d1", 0x3fb999999999999aull, 0x0ull, 0x0ull, 0x0, 0x0, 'V', 0x3dcccccdull, 0x0ull, 0x10, -1},
    {0x1e23c020, "fcvt h0, s1", 0x3fc00000ull, 0x0ull, 0x0ull, 0x0, 0x0, 'V', 0x3e00ull, 0x0ull, 0x0, -1},
    {0x1ee24020, "fcvt s0, h1", 0x3c00ull, 0x0ull, 0x0ull, 0x0, 0x0, 'V', 0x3f800000ull, 0x0ull, 0x0, -1},
    {0x1e63c020, "fcvt h0, d1", 0x7ff0000000000000ull, 0x0ull, 0x0ull, 0x0, 0x0, 'V', 0x7c00ull, 0x0ull, 0x0, -1},
    {0x1e63c020, "fcvt h0, d1", 0x7ff0000000000000ull, 0x0ull, 0x0ull, 0x4000000, 0x0, 'V', 0x7fffull, 0x0ull, 0x1, -1},
    {0x1ee2c020, "fcvt d0, h1", 0xfc00ull, 0x0ull, 0x0ull, 0x0, 0x0, 'V', 0xfff0000000000000ull, 0x0ull, 0x0, -1},
    {0x1e644020, "frintn d0, d1", 0x4004000000000000ull, 0x0ull, 0x0ull, 0x0, 0x0, 'V', 0x4000000000000000ull, 0x0ull, 0x0, -1},
    {0x1e664020, "frinta d0, d1", 0x4004000000000000ull, 0x0ull, 0x0ull, 0x0, 0x0, 'V', 0x4008000000000000ull, 0x0ull, 0x0, -1},
    {0x1e24c020, "frintp s0, s1", 0xbfc00000ull, 0x0ull, 0x0ull, 0x0, 0x0, 'V', 0xbf800000ull, 0x0ull, 0x0, -1},
    {0x1e254020, "frintm s0, s1", 0xbfc00000ull, 0x0ull, 0x0ull, 0x0, 0x0, 'V', 0xc0000000ull, 0x0ull, 0x0, -1},
    {0x1e65c020, "frintz d0, d1", 0xbffc000000000000ull, 0x0ull, 0x0ull, 0x0, 0x0, 'V', 0xbff0000000000000ull, 0x0ull, 0x0, -1},
    {0x1e674020, "frintx d0, d1", 0x4004000000000000ull, 0x0ull, 0x0ull, 0x0, 0x0, 'V', 0x4000000000000000ull, 0x0ull, 0x10, -1},
    {0x1e67c020, "frinti d0, d1", 0x4004000000000000ull, 0x0ull, 0x0ull, 0x400000, 0x0, 'V', 0x4008000000000000ull, 0x0ull, 0x0, -1},
    {0x1e222820, "fadd s0, s1, s2", 0x3fc00000ull, 0x40000000ull, 0x0ull, 0x0, 0x0, 'V', 0x40600000ull, 0x0ull, 0x0, -1},
    {0x1e623820, "fsub d0, d1, d2", 0x3ff0000000000000ull, 0x4004000000000000ull, 0x0ull, 0x0, 0x0, 'V', 0xbff8000000000000ull, 0x0ull, 0x0, -1},
    {0x1e220820, "fmul s0, s1, s2", 0x3fc00000ull, 0x40000000ull, 0x0ull, 0x0, 0x0, 'V', 0x40400000ull, 0x0ull, 0x0, -1},
    {0x1e621820, "fdiv d0, d1, d2", 0x3ff0000000000000ull, 0x0ull, 0x0ull, 0x0, 0x0, 'V', 0x7ff0000000000000ull, 0x0ull, 0x2, -1},
    {0x1e221820, "fdiv s0, s1, s2", 0x3f800000ull, 0x40400000ull, 0x0ull, 0x0, 0x0, 'V', 0x3eaaaaabull, 0x0ull, 0x10, -1},
    {0x1e224820, "fmax s0, s1, s2", 0x3f800000ull, 0x7fc00001ull, 0x0ull, 0x0, 0x0, 'V', 0x7fc00001ull, 0x0ull, 0x0, -1},
    {0x1e226820, "fmaxnm s0, s1, s2", 0x3f800000ull, 0x7fc00001ull, 0x0ull, 0x0, 0x0, 'V', 0x3f800000ull, 0x0ull, 0x0, -1},
    {0x1e625820, "fmin d0, d1, d2", 0x8000000000000000ull, 0x0ull, 0x0ull, 0x0, 0x0, 'V', 0x8000000000000000ull, 0x0ull, 0x0, -1},
    {0x1e627820, "fminnm d0, d1, d2", 0x7ff0000000000001ull, 0x3ff0000000000000ull, 0x0ull, 0x0, 0x0, 'V', 0x7ff8000000000001ull, 0x0ull, 0x1, -1},
    {0x1e628820, "fnmul d0, d1, d2", 0x3ff8000000000000ull, 0x4000000000000000ull, 0x0ull, 0x0, 0x0, 'V', 0xc008000000000000ull, 0x0ull, 0x0, -1},
    {0x1e222820, "fadd s0, s1, s2", 0x7f800001ull, 0x3f800000ull, 0x0ull, 0x2000000, 0x0, 'V', 0x7fc00000ull, 0x0ull, 0x1, -1},
    {0x1e220820, "fmul s0, s1, s2", 0x1ull, 0x3f800000ull, 0x0ull, 0x1000000, 0x0, 'V', 0x0ull, 0x0ull, 0x80, -1},
    {0x1f420c20, "fmadd d0, d1, d2, d3", 0x3ff8000000000000ull, 0x4000000000000000ull, 0x3fe0000000000000ull, 0x0, 0x0, 'V', 0x400c000000000000ull, 0x0ull, 0x0, -1},
    {0x1f028c20, "fmsub s0, s1, s2, s3", 0x3fc00000ull, 0x40000000ull, 0x3f000000ull, 0x0, 0x0, 'V', 0xc0200000ull, 0x0ull, 0x0, -1},
    {0x1f620c20, "fnmadd d0, d1, d2, d3", 0x3ff8000000000000ull, 0x4000000000000000ull, 0x3fe0000000000000ull, 0x0, 0x0, 'V', 0xc00c000000000000ull, 0x0ull, 0x0, -1},
    {0x1f228c20, "fnmsub s0, s1, s2, s3", 0x3fc00000ull, 0x40000000ull, 0x3f000000ull, 0x0, 0x0, 'V', 0x40200000ull, 0x0ull, 0x0, -1},
    {0x1e2e1000, "fmov s0, #1.0", 0x0ull, 0x0ull, 0x0ull, 0x0, 0x0, 'V', 0x3f800000ull, 0x0ull, 0x0, -1},
    {0x1e7c1000, "fmov d0, #-0.5", 0x0ull, 0x0ull, 0x0ull, 0x0, 0x0, 'V', 0xbfe0000000000000ull, 0x0ull, 0x0, -1},
    {0x1e67f000, "fmov d0, #31.0", 0x0ull, 0x0ull, 0x0ull, 0x0, 0x0, 'V', 0x403f000000000000ull, 0x0ull, 0x0, -1},
    {0x1e281000, "fmov s0, #0.125", 0x0ull, 0x0ull, 0x0ull, 0x0, 0x0, 'V', 0x3e000000ull, 0x0ull, 0x0, -1},
    {0x1e620c20, "fcsel d0, d1, d2, eq", 0x3ff0000000000000ull, 0x4000000000000000ull, 0x0ull, 0x0, 0x4, 'V', 0x3ff0000000000000ull, 0x0ull, 0x0, -1},
    {0x1e620c20, "fcsel d0, d1, d2, eq", 0x3ff0000000000000ull, 0x4000000000000000ull, 0x0ull, 0x0, 0x0, 'V', 0x4000000000000000ull, 0x0ull, 0x0, -1},
    {0x1e222020, "fcmp s1, s2", 0x3f800000ull, 0x40000000ull, 0x0ull, 0x0, 0x0, 'F', 0x0ull, 0x0ull, 0x0, 8},
    {0x1e602028, "fcmp d1, #0.0", 0x8000000000000000ull, 0x0ull, 0x0ull, 0x0, 0x0, 'F', 0x0ull, 0x0ull, 0x0, 6},
    {0x1e622020, "fcmp d1, d2", 0x4008000000000000ull, 0x4000000000000000ull, 0x0ull, 0x0, 0x0, 'F', 0x0ull, 0x0ull, 0x0, 2},
    {0x1e222020, "fcmp s1, s2", 0x7fc00000ull, 0x40000000ull, 0x0ull, 0x0, 0x0, 'F', 0x0ull, 0x0ull, 0x0, 3},
    {0x1e222030, "fcmpe s1, s2", 0x7fc00000ull, 0x40000000ull, 0x0ull, 0x0, 0x0, 'F', 0x0ull, 0x0ull, 0x1, 3},
    {0x1e622020, "fcmp d1, d2", 0x7ff0000000000001ull, 0x4000000000000000ull, 0x0ull, 0x0, 0x0, 'F', 0x0ull, 0x0ull, 0x1, 3},
    {0x1e602038, "fcmpe d1, #0.0", 0x3ff0000000000000ull, 0x0ull, 0x0ull, 0x0, 0x0, 'F', 0x0ull, 0x0ull, 0x0, 2},
    {0x1e221425, "fccmp s1, s2, #5, ne", 0x40000000ull, 0x3f800000ull, 0x0ull, 0x0, 0x4, 'F', 0x0ull, 0x0ull, 0x0, 5},
    {0x1e221425, "fccmp s1, s2, #5, ne", 0x40000000ull, 0x3f800000ull, 0x0ull, 0x0, 0x0, 'F', 0x0ull, 0x0ull, 0x0, 2},
    {0x1e62e430, "fccmpe d1, d2, #0, al", 0x7ff8000000000000ull, 0x3ff0000000000000ull, 0x0ull, 0x0, 0x0, 'F', 0x0ull, 0x0ull, 0x1, 3},
    {0x1e260020, "fmov w0, s1", 0xaaaaaaaa3fc00000ull, 0x0ull, 0x0ull, 0x0, 0x0, 'X', 0x3fc00000ull, 0x0ull, 0x0, -1},
    {0x9e660020, "fmov x0, d1", 0xc004000000000000ull, 0x0ull, 0x0ull, 0x0, 0x0, 'X', 0xc004000000000000ull, 0x0ull, 0x0, -1},
    {0x9eae0020, "fmov x0, v1.d[1]", 0x1111ull, 0x0ull, 0x0ull, 0x0, 0x0, 'X', 0x5555666677778888ull, 0x0ull, 0x0, -1},
    {0x1e270020, "fmov s0, w1", 0xffffffff12345678ull, 0x0ull, 0x0ull, 0x0, 0x0, 'V', 0x12345678ull, 0x0ull, 0x0, -1},
    {0x9e670020, "fmov d0, x1", 0xffffffff12345678ull, 0x0ull, 0x0ull, 0x0, 0x0, 'V', 0xffffffff12345678ull, 0x0ull, 0x0, -1},
    {0x9eaf0020, "fmov v0.d[1], x1", 0x123456789abcdefull, 0x0ull, 0x0ull, 0x0, 0x0, 'V', 0xc0c0c0c0c0c0c0c0ull, 0x123456789abcdefull, 0x0, -1},
    {0x1e620020, "scvtf d0, w1", 0xfffffffdull, 0x0ull, 0x0ull, 0x0, 0x0, 'V', 0xc008000000000000ull, 0x0ull, 0x0, -1},
    {0x9e230020, "ucvtf s0, x1", 0xffffffffffffffffull, 0x0ull, 0x0ull, 0x0, 0x0, 'V', 0x5f800000ull, 0x0ull, 0x10, -1},
    {0x1e02f020, "scvtf s0, w1, #4", 0x18ull, 0x0ull, 0x0ull, 0x0, 0x0, 'V', 0x3fc00000ull, 0x0ull, 0x0, -1},
    {0x9e430020, "ucvtf d0, x1, #64", 0x8000000000000000ull, 0x0ull, 0x0ull, 0x0, 0x0, 'V', 0x3fe0000000000000ull, 0x0ull, 0x0, -1},
    {0x9e620020, "scvtf d0, x1", 0x8000000000000001ull, 0x0ull, 0x0ull, 0x400000, 0x0, 'V', 0xc3dfffffffffffffull, 0x0ull, 0x10, -1},
    {0x1e780020, "fcvtzs w0, d1", 0xc004000000000000ull, 0x0ull, 0x0ull, 0x0, 0x0, 'X', 0xfffffffeull, 0x0ull, 0x10, -1},
    {0x9e600020, "fcvtns x0, d1", 0x4004000000000000ull, 0x0ull, 0x0ull, 0x0, 0x0, 'X', 0x2ull, 0x0ull, 0x10, -1},
    {0x9e240020, "fcvtas x0, s1", 0xc0200000ull, 0x0ull, 0x0ull, 0x0, 0x0, 'X', 0xfffffffffffffffdull, 0x0ull, 0x10, -1},
    {0x1e280020, "fcvtps w0, s1", 0x3fc00000ull, 0x0ull, 0x0ull, 0x0, 0x0, 'X', 0x2ull, 0x0ull, 0x10, -1},
    {0x9e700020, "fcvtms x0, d1", 0xbff8000000000000ull, 0x0ull, 0x0ull, 0x0, 0x0, 'X', 0xfffffffffffffffeull, 0x0ull, 0x10, -1},
    {0x1e390020, "fcvtzu w0, s1", 0xbf800000ull, 0x0ull, 0x0ull, 0x0, 0x0, 'X', 0x0ull, 0x0ull, 0x1, -1},
    {0x1e780020, "fcvtzs w0, d1", 0x4202a05f20000000ull, 0x0ull, 0x0ull, 0x0, 0x0, 'X', 0x7fffffffull, 0x0ull, 0x1, -1},
    {0x9e610020, "fcvtnu x0, d1", 0x7ff8000000000000ull, 0x0ull, 0x0ull, 0x0, 0x0, 'X', 0x0ull, 0x0ull, 0x1, -1},
    {0x1e650020, "fcvtau w0, d1", 0x4004000000000000ull, 0x0ull, 0x0ull, 0x0, 0x0, 'X', 0x3ull, 0x0ull, 0x10, -1},
    {0x9e690020, "fcvtpu x0, d1", 0x4002000000000000ull, 0x0ull, 0x0ull, 0x0, 0x0, 'X', 0x3ull, 0x0ull, 0x10, -1},
    {0x1e310020, "fcvtmu w0, s1", 0x40400000ull, 0x0ull, 0x0ull, 0x0, 0x0, 'X', 0x3ull, 0x0ull, 0x0, -1},
    {0x1e18f020, "fcvtzs w0, s1, #4", 0x3fc00000ull, 0x0ull, 0x0ull, 0x0, 0x0, 'X', 0x18ull, 0x0ull, 0x0, -1},
    {0x9e59fc20, "fcvtzu x0, d1, #1", 0x4002000000000000ull, 0x0ull, 0x0ull, 0x0, 0x0, 'X', 0x4ull, 0x0ull, 0x10, -1},
    {0x9e780020, "fcvtzs x0, d1", 0xc3e0000000000000ull, 0x0ull, 0x0ull, 0x0, 0x0, 'X', 0x8000000000000000ull, 0x0ull, 0x0, -1},
};
static const undef_case undef_cases[] = {
    {0x1ee22820, "fadd h0, h1, h2"},
    {0x1e7e0020, "fjcvtzs w0, d1"},
    {0x1ee70020, "fmov h0, w1"},
    {0x1ee1c020, "fsqrt h0, h1"},
    {0x1ee22020, "fcmp h1, h2"},
    {0x1ee20020, "scvtf h0, w1"},
    {0x1ef80020, "fcvtzs w0, h1"},
    {0x1eee1000, "fmov h0, #1.0"},
    {0x1ee20c20, "fcsel h0, h1, h2, eq"},
    {0x1fc20c20, "fmadd h0, h1, h2, h3"},
};
/* clang-format on */

enum { V_HI1 = 0, V_HI2 = 1, V_HI3 = 2 };
static const uint64_t v_high[3] = {0x5555666677778888ull, 0x9999aaaabbbbccccull,
                                   0xddddeeeeffff0000ull};
static const uint64_t v0_fill = 0xc0c0c0c0c0c0c0c0ull;

static th *setup_case(const fp_case *k) {
    th *t = th_new(1);
    th_vectors(t, TH_VBAR);
    arm_cpu *c = th_cpu(t, 0);
    cpu_set_vreg(c, 0, v0_fill, v0_fill);
    cpu_set_vreg(c, 1, k->v1, v_high[V_HI1]);
    cpu_set_vreg(c, 2, k->v2, v_high[V_HI2]);
    cpu_set_vreg(c, 3, k->v3, v_high[V_HI3]);
    cpu_set_xreg(c, 0, 0xbadbadbadbadull);
    cpu_set_xreg(c, 1, k->v1);
    cpu_set_xreg(c, 2, k->v2);
    cpu_write_sysreg(c, "FPCR", k->fpcr);
    cpu_write_sysreg(c, "FPSR", 0);
    cpu_write_sysreg(c, "NZCV", (uint64_t)k->nzcv_in << 28);
    th_code(t, TH_CODE, &k->insn, 1);
    return t;
}

static void test_cases(void) {
    for (size_t n = 0; n < sizeof fp_cases / sizeof fp_cases[0]; n++) {
        const fp_case *k = &fp_cases[n];
        th *t = setup_case(k);
        arm_cpu *c = th_cpu(t, 0);
        th_run(t, 0, 4);
        uint64_t lo, hi, fpsr, nzcv;
        cpu_get_vreg(c, 0, &lo, &hi);
        cpu_read_sysreg(c, "FPSR", &fpsr);
        cpu_read_sysreg(c, "NZCV", &nzcv);
        int before = check_failures;
        CHECK_EQ_U64(cpu_get_pc(c), TH_CODE + 4);
        if (k->kind == 'V') {
            CHECK_EQ_U64(lo, k->want_lo);
            CHECK_EQ_U64(hi, k->want_hi);
        } else if (k->kind == 'X') {
            CHECK_EQ_U64(cpu_get_xreg(c, 0), k->want_lo);
        }
        CHECK_EQ_U64(fpsr, k->want_fpsr);
        if (k->want_nzcv >= 0) CHECK_EQ_U64(nzcv >> 28, (uint64_t)k->want_nzcv);
        if (check_failures != before) fprintf(stderr, "  in case %zu: %s\n", n, k->text);
        th_free(t);
    }
}

/* Half-precision arithmetic (FEAT_FP16), FJCVTZS (v8.3): UNDEFINED on the A53. */
static void test_undefined(void) {
    for (size_t n = 0; n < sizeof undef_cases / sizeof undef_cases[0]; n++) {
        fp_case k = {.insn = undef_cases[n].insn};
        th *t = setup_case(&k);
        arm_cpu *c = th_cpu(t, 0);
        th_run(t, 0, 4);
        uint64_t esr = 0, lo, hi;
        cpu_read_sysreg(c, "ESR_EL1", &esr);
        cpu_get_vreg(c, 0, &lo, &hi);
        int before = check_failures;
        CHECK_EQ_U64(cpu_get_pc(c), TH_VBAR + 0x200);
        CHECK_EQ_U64(esr, 0x02000000); /* EC 0 (unknown), IL */
        CHECK_EQ_U64(lo, v0_fill);
        if (check_failures != before) fprintf(stderr, "  in %s\n", undef_cases[n].text);
        th_free(t);
    }
}

/* Reserved field values inside allocated lines. */
static void test_reserved_fields(void) {
    static const uint32_t words[] = {
        0x1e224020, /* FCVT with type == opc (S to S) */
        0x1ea04020, /* FMOV (register) with type 10 */
        0x1e222021, /* FCMP with opcode2<2:0> != 0 */
        0x1e226020, /* FCMP with op != 00 */
        0x1e2e1020, /* FMOV (immediate) with imm5 != 0 */
        0x1e2e0020, /* FMOV general (W from S) with rmode 01 */
        0x1e188020, /* fcvtzs w0, s1, #32: valid, the smallest 32-bit scale */
        0x1e187c20, /* FCVTZS (fixed point), sf = 0 with scale < 32 */
        0x1e2a0020, /* SCVTF with rmode 01 */
        0x1e26c020, /* FRINT opcode 001101 */
    };
    for (size_t n = 0; n < sizeof words / sizeof words[0]; n++) {
        fp_case k = {.insn = words[n]};
        th *t = setup_case(&k);
        arm_cpu *c = th_cpu(t, 0);
        th_run(t, 0, 4);
        uint64_t want = words[n] == 0x1e188020 ? TH_CODE + 4 : TH_VBAR + 0x200;
        if (cpu_get_pc(c) != want) fprintf(stderr, "  word 0x%08x\n", words[n]);
        CHECK_EQ_U64(cpu_get_pc(c), want);
        th_free(t);
    }
}

/* CPACR_EL1.FPEN = 0: EC 0x07 with CV = 1, COND = 0xE. */
static void test_fp_trap(void) {
    fp_case k = fp_cases[20]; /* fadd s0, s1, s2 */
    th *t = setup_case(&k);
    arm_cpu *c = th_cpu(t, 0);
    cpu_write_sysreg(c, "CPACR_EL1", 0);
    th_run(t, 0, 4);
    uint64_t esr = 0, lo, hi;
    cpu_read_sysreg(c, "ESR_EL1", &esr);
    cpu_get_vreg(c, 0, &lo, &hi);
    CHECK_EQ_U64(cpu_get_pc(c), TH_VBAR + 0x200);
    CHECK_EQ_U64(esr, (0x07u << 26) | (1u << 25) | (1u << 24) | (0xeu << 20));
    CHECK_EQ_U64(lo, v0_fill);
    th_free(t);
}

int main(void) {
    test_cases();
    test_undefined();
    test_reserved_fields();
    test_fp_trap();
    printf("insn_fp_scalar: %zu cases, %zu UNDEF, %d checks, %d failures\n",
           sizeof fp_cases / sizeof fp_cases[0], sizeof undef_cases / sizeof undef_cases[0],
           check_count, check_failures);
    return check_failures != 0;
}
