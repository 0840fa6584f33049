/* Raw-encoding tests of branches: BL/RET, a counted loop with B.cond (many block executions from
 * the cache), TBZ/CBNZ, BLR. */
#include "check.h"
#include "harness.h"
#include "programs.inc"

#define PROG(t, addr, name) th_code(t, addr, prog_##name, sizeof prog_##name / 4)

int main(void) {
    th *t = th_new(1);
    arm_cpu *c = th_cpu(t, 0);
    th_vectors(t, TH_VBAR);
    PROG(t, TH_CODE, bl_ret);
    th_run(t, 0, 20);
    CHECK_EQ_U64(cpu_get_xreg(c, 0), 9);
    CHECK_EQ_U64(cpu_get_xreg(c, 1), 5);
    CHECK_EQ_U64(cpu_get_xreg(c, 30), TH_CODE + 4);
    CHECK_EQ_U64(cpu_get_pc(c), TH_CODE + 20);
    th_free(t);

    t = th_new(1);
    c = th_cpu(t, 0);
    PROG(t, TH_CODE, loop);
    uint64_t n = th_run(t, 0, 1 + 3 * 100);
    CHECK_EQ_U64(n, 301);
    CHECK_EQ_U64(cpu_get_xreg(c, 0), 100);
    CHECK_EQ_U64(cpu_get_pc(c), TH_CODE + 16);
    th_free(t);

    for (int variant = 0; variant < 2; variant++) {
        t = th_new(1);
        c = th_cpu(t, 0);
        cpu_set_xreg(c, 1, variant ? 8 : 0); /* bit 3 */
        cpu_set_xreg(c, 2, variant ? 0 : 1);
        PROG(t, TH_CODE, tbz_cbz);
        th_run(t, 0, 20);
        CHECK_EQ_U64(cpu_get_xreg(c, 0), variant ? 1 : 0);
        CHECK_EQ_U64(cpu_get_xreg(c, 3), variant ? 1 : 0);
        th_free(t);
    }

    t = th_new(1);
    c = th_cpu(t, 0);
    PROG(t, TH_CODE, blr);
    cpu_set_xreg(c, 1, TH_CODE + 0x100);
    th_put32(t, TH_CODE + 0x100, 0x14000000);
    cpu_cluster_invalidate_code(t->cl, TH_CODE + 0x100, 4);
    th_run(t, 0, 5);
    CHECK_EQ_U64(cpu_get_pc(c), TH_CODE + 0x100);
    CHECK_EQ_U64(cpu_get_xreg(c, 30), TH_CODE + 4);
    th_free(t);
    return check_report("insn_branch");
}
