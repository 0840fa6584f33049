/* Raw-encoding tests, data processing (immediate and register): one instruction per case, inputs
 * in x1..x3 and NZCV, result checked in x0 and NZCV. Also checks the generated decoder maps each
 * word to a non-UNDEF encoding by running it (an UNDEF would jump to the vector, caught here). */
#include "check.h"
#include "harness.h"

typedef struct dp_case {
    const char *asm_text;
    uint32_t insn;
    uint64_t x1, x2, x3;
    uint32_t nzcv_in;
    uint64_t x0;
    int nzcv_out; /* -1: not checked */
} dp_case;

static const dp_case cases[] = {
#include "dp_cases.inc"
};

int main(void) {
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const dp_case *tc = &cases[k];
        th *t = th_new(1);
        arm_cpu *c = th_cpu(t, 0);
        th_vectors(t, TH_VBAR);
        th_code(t, TH_CODE, &tc->insn, 1);
        cpu_set_xreg(c, 0, 0);
        cpu_set_xreg(c, 1, tc->x1);
        cpu_set_xreg(c, 2, tc->x2);
        cpu_set_xreg(c, 3, tc->x3);
        cpu_write_sysreg(c, "NZCV", (uint64_t)tc->nzcv_in << 28);
        th_run(t, 0, 10);
        uint64_t nzcv = 0;
        cpu_read_sysreg(c, "NZCV", &nzcv);
        bool ok = cpu_get_pc(c) == TH_CODE + 4 && cpu_get_xreg(c, 0) == tc->x0 &&
                  (tc->nzcv_out < 0 || (nzcv >> 28) == (uint64_t)tc->nzcv_out);
        CHECK(ok);
        if (!ok)
            fprintf(stderr, "  %s (0x%08x): x0=0x%llx want 0x%llx, nzcv=%llx want %x, pc=0x%llx\n",
                    tc->asm_text, tc->insn, (unsigned long long)cpu_get_xreg(c, 0),
                    (unsigned long long)tc->x0, (unsigned long long)(nzcv >> 28), tc->nzcv_out,
                    (unsigned long long)cpu_get_pc(c));
        th_free(t);
    }
    return check_report("insn_dp");
}
