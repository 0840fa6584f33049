/* Raw-encoding AdvSIMD tests: one instruction per case from fixed inputs (v0..v3, x1), result
 * checked in v0 (or x0 for the moves to general registers) with FPSR.QC; UNDEF cases (crypto,
 * v8.1+ extensions, FP16 arithmetic) must take the undefined-instruction exception. The
 * differential test covers the value space; these pin decode, shapes, QC and the UNDEFs. */
#include "check.h"
#include "harness.h"

enum { WANT_UNDEF = 1, WANT_X0 = 2, WANT_QC = 4 };

typedef struct simd_case {
    const char *asm_text;
    uint32_t insn;
    unsigned flags;
    uint64_t lo, hi; /* v0 after (or x0 in lo with WANT_X0) */
} simd_case;

/* Inputs: v1 = bytes 0..15; v2 = halves 0x8000 (low) and bytes 03 0f 10 1f 7f*4 (high);
 * v3 = f32 {1.5, -2.0, 0.0, 3.0}; v0 = 0x2222...:0x1111...; x1 = 0xdeadbeef. */
static const uint64_t in_v[4][2] = {{0x1111111111111111ull, 0x2222222222222222ull},
                                    {0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull},
                                    {0x8000800080008000ull, 0x7f7f7f7f1f100f03ull},
                                    {0xc00000003fc00000ull, 0x4040000000000000ull}};

static const simd_case cases[] = {
#include "simd_cases.inc"
};

int main(void) {
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const simd_case *tc = &cases[k];
        th *t = th_new(1);
        arm_cpu *c = th_cpu(t, 0);
        th_vectors(t, TH_VBAR);
        th_code(t, TH_CODE, &tc->insn, 1);
        for (unsigned r = 0; r < 4; r++)
            cpu_set_vreg(c, r, in_v[r][0], in_v[r][1]);
        cpu_set_xreg(c, 0, 0);
        cpu_set_xreg(c, 1, 0xdeadbeef);
        cpu_write_sysreg(c, "FPSR", 0);
        th_run(t, 0, 1);
        uint64_t lo, hi, fpsr = 0;
        cpu_get_vreg(c, 0, &lo, &hi);
        cpu_read_sysreg(c, "FPSR", &fpsr);
        bool undef = cpu_get_pc(c) == TH_VBAR + 0x200, ok;
        if (tc->flags & WANT_UNDEF) {
            ok = undef;
        } else if (tc->flags & WANT_X0) {
            ok = !undef && cpu_get_xreg(c, 0) == tc->lo;
            lo = cpu_get_xreg(c, 0), hi = 0;
        } else {
            ok = !undef && lo == tc->lo && hi == tc->hi &&
                 !!(fpsr & (1u << 27)) == !!(tc->flags & WANT_QC);
        }
        CHECK(ok);
        if (!ok || getenv("SIMD_PRINT"))
            fprintf(stderr,
                    "  %-40s 0x%08x: got %016llx:%016llx fpsr %llx undef %d; want %016llx:%016llx "
                    "flags %u\n",
                    tc->asm_text, tc->insn, (unsigned long long)hi, (unsigned long long)lo,
                    (unsigned long long)fpsr, undef, (unsigned long long)tc->hi,
                    (unsigned long long)tc->lo, tc->flags);
        th_free(t);
    }
    /* With CPACR_EL1.FPEN = 0 a valid AdvSIMD instruction traps (EC 0x07) while a reserved
     * encoding (ADD with size 3 and Q = 0) is UNDEFINED (EC 0) first. */
    static const struct {
        uint32_t insn;
        unsigned ec;
    } traps[] = {{0x4e221c20 /* and v0.16b, v1.16b, v2.16b */, 0x07},
                 {0x0ee28420 /* add v0.1d (reserved) */, 0x00},
                 {0x4fa31060 /* fmla v0.4s, v3.4s, v3.s[1] */, 0x07},
                 {0x0ee2e020 /* pmull v0.1q (crypto) */, 0x00}};
    for (size_t k = 0; k < sizeof traps / sizeof traps[0]; k++) {
        th *t = th_new(1);
        arm_cpu *c = th_cpu(t, 0);
        th_vectors(t, TH_VBAR);
        th_code(t, TH_CODE, &traps[k].insn, 1);
        cpu_write_sysreg(c, "CPACR_EL1", 0);
        th_run(t, 0, 1);
        uint64_t esr = 0;
        cpu_read_sysreg(c, "ESR_EL1", &esr);
        CHECK_EQ_U64(cpu_get_pc(c), TH_VBAR + 0x200);
        CHECK_EQ_U64(esr >> 26, traps[k].ec);
        th_free(t);
    }
    return check_report("insn_simd");
}
