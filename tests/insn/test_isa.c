/* The instruction-set-neutral machinery (cpu/README.md "Layout"): the front-end table, the block
 * key with the execution state (EL, instruction set, IT state), exception entry at the
 * architecture level (compat vector group, the AArch32-target stop). Uses cpu/ internals. */
#include "arch/exception.h"
#include "check.h"
#include "exec/block_build.h"
#include "harness.h"

static void test_frontends(void) {
    const isa_frontend *a64 = isa_frontend_of(ISA_A64);
    CHECK(a64 != NULL);
    if (a64) {
        CHECK(strcmp(a64->name, "A64") == 0);
        CHECK_EQ_U64(a64->isa, ISA_A64);
        CHECK_EQ_U64(a64->fetch_bytes, 4);
        CHECK(strcmp(a64->insn_name(0x91000400), "ADDSUB_IMM") == 0);
    }
    CHECK(isa_frontend_of(ISA_A32) == NULL); /* reserved, not started */
    CHECK(isa_frontend_of(ISA_T32) == NULL);
    CHECK(isa_frontend_of(ISA_COUNT) == NULL);
    /* The key packs EL, instruction set and IT state without overlap. */
    uint32_t k = xs_make(2, ISA_T32, 0xa5);
    CHECK_EQ_U64(xs_el(k), 2);
    CHECK_EQ_U64(xs_isa(k), ISA_T32);
    CHECK_EQ_U64(xs_itstate(k), 0xa5);
}

static void test_block_key(void) {
    th *t = th_new(1);
    arm_cpu *c = th_cpu(t, 0);
    th_vectors(t, TH_VBAR);
    const uint32_t prog[] = {0x91000400}; /* add x0, x0, #1 */
    th_code(t, TH_CODE, prog, 1);
    CHECK_EQ_U64(c->xstate, xs_make(1, ISA_A64, 0));
    th_run(t, 0, 10);
    CHECK_EQ_U64(cpu_get_xreg(c, 0), 1);
    cpu_cluster *cl = t->cl;
    code_block *b = block_find(cl, TH_CODE, TH_CODE, xs_make(1, ISA_A64, 0));
    CHECK(b != NULL);
    if (b) {
        CHECK_EQ_U64(b->flags, xs_make(1, ISA_A64, 0));
        CHECK_EQ_U64(b->n_insns, 2);
        CHECK_EQ_U64(b->ops[1].pc_half, 2); /* b . at +4 */
        CHECK_EQ_U64(b->ops[2].pc_half, 4); /* end op: +8 */
    }
    /* The same bytes in another state are another block. */
    CHECK(block_find(cl, TH_CODE, TH_CODE, xs_make(1, ISA_T32, 0)) == NULL);
    CHECK(block_find(cl, TH_CODE, TH_CODE, xs_make(1, ISA_A64, 0x12)) == NULL);
    CHECK(block_find(cl, TH_CODE, TH_CODE, xs_make(2, ISA_A64, 0)) == NULL);
    /* The jump cache is keyed by the whole state: an A64 block is not entered in T32 state. */
    cpu_set_pc(c, TH_CODE);
    CHECK(block_lookup_cached(c) == b);
    c->xstate = xs_make(1, ISA_T32, 0);
    CHECK(block_lookup_cached(c) == NULL);
    /* No T32 front end yet: the builder refuses the state with a logged UNDEFINED, taken to
     * EL1's current-EL vector in AArch64. */
    unsigned logs = t->log_lines;
    CHECK(block_lookup(c) == NULL);
    CHECK(t->log_lines > logs);
    CHECK_EQ_U64(cpu_get_pc(c), TH_VBAR + 0x200);
    CHECK_EQ_U64(c->esr[1] >> 26, EC_UNKNOWN);
    CHECK_EQ_U64(c->elr[1], TH_CODE);
    CHECK_EQ_U64(c->xstate, xs_make(1, ISA_A64, 0));
    th_free(t);
}

static void test_exception_entry(void) {
    th *t = th_new(1);
    arm_cpu *c = th_cpu(t, 0);
    /* A data abort at EL1 is "same EL"; from EL0 "lower EL". */
    arch_take_exception(c, AX_DABT, 0x47, true, 0x1234, 0x10004);
    CHECK_EQ_U64(c->esr[1], esr_value(EC_DABT_SAME, 0x47));
    CHECK_EQ_U64(c->far[1], 0x1234);
    CHECK_EQ_U64(c->elr[1], 0x10004);
    cpu_set_pstate_el(c, 0, 0);
    CHECK_EQ_U64(c->xstate, xs_make(0, ISA_A64, 0));
    arch_take_exception(c, AX_IABT, 0x0f, true, 0x5000, 0x5000);
    CHECK_EQ_U64(c->esr[1], esr_value(EC_IABT_LOWER, 0x0f));
    CHECK_EQ_U64(cpu_get_pc(c), TH_VBAR + 0x400); /* lower EL, AArch64 group */
    /* From an AArch32 EL0 (compat): the AArch32 group of the AArch64 vector table. */
    cpu_set_pstate_el(c, 0, 0);
    c->xstate = xs_make(0, ISA_A32, 0);
    arch_take_exception(c, AX_UNDEF, 0, false, 0, 0x6000);
    CHECK_EQ_U64(cpu_get_pc(c), TH_VBAR + 0x600);
    CHECK_EQ_U64(c->xstate, xs_make(1, ISA_A64, 0));
    /* AArch64 ELs only today. */
    CHECK(!arch_el_is_aarch32(c, 1) && !arch_el_is_aarch32(c, 2));
    /* The AArch32-target path is a logged stop, never a guess. */
    unsigned logs = t->log_lines;
    CHECK(!arch_enter_aarch32(c, 1, EXC_SYNC, esr_value(EC_UNKNOWN, 0)));
    CHECK(t->log_lines > logs);
    CHECK(c->exit_request & EXIT_STOP);
    CHECK(!cpu_run(c, 100));
    th_free(t);
}

int main(void) {
    test_frontends();
    test_block_key();
    test_exception_entry();
    return check_report("insn_isa");
}
