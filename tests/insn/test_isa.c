/* The instruction-set-neutral machinery (cpu/README.md "Layout"): the front-end table, the block
 * key with the execution state (EL, instruction set, IT state), exception entry at the
 * architecture level (compat vector group, the AArch32-target stop). Uses cpu/ internals. */
#include "arch/exception.h"
#include "check.h"
#include "exec/block_build.h"
#include "harness.h"
#include "models/cpu_model.h"
#include "sysreg/sysreg.h"

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

static void test_models(void) {
    const cpu_model *a53 = cpu_model_find("cortex-a53"), *a8 = cpu_model_find("cortex-a8");
    CHECK(a53 && a8 && !cpu_model_find("cortex-a9") && !cpu_model_find(NULL));
    if (!a53 || !a8) return;
    CHECK_EQ_U64(a53->midr, 0x410FD034);
    CHECK_EQ_U64(a53->id_aa64isar0, 0x10000); /* CRC32 only: no AES/SHA on the BCM2837 */
    CHECK_EQ_U64(a53->id_isar[5], 0x00010001);
    CHECK_EQ_U64(a53->mvfr[2], 0x43);
    CHECK((a53->features & (MF_AARCH64 | MF_AARCH32_EL0 | MF_IDIV | MF_VFPV4 | MF_CRC32)) ==
          (MF_AARCH64 | MF_AARCH32_EL0 | MF_IDIV | MF_VFPV4 | MF_CRC32));
    CHECK_EQ_U64(a8->midr, 0x413FC082);
    CHECK_EQ_U64(a8->fpsid, 0x410330C3);
    CHECK_EQ_U64(a8->mvfr[0], 0x11110222);
    CHECK_EQ_U64(a8->mvfr[1], 0x00011111);
    CHECK_EQ_U64(a8->id_mmfr[0] & 0xf, 3);         /* VMSAv7 without LPAE */
    CHECK_EQ_U64((a8->id_isar[0] >> 24) & 0xf, 0); /* no SDIV/UDIV */
    CHECK(!(a8->features & (MF_AARCH64 | MF_IDIV | MF_VFPV4 | MF_LPAE | MF_GENERIC_TIMER)));
    CHECK((a8->features & (MF_THUMBEE | MF_NEON | MF_VFPV3_D32)) ==
          (MF_THUMBEE | MF_NEON | MF_VFPV3_D32));
    /* Runnable models only: the A8 waits for the A32/T32 front ends, with a clear refusal. */
    const char *const *names = cpu_model_names();
    CHECK(names[0] && strcmp(names[0], "cortex-a53") == 0 && names[1] == NULL);
    cpu_ports ports = {NULL, th_ram_ptr, th_mmio_read, th_mmio_write, th_now, th_timer_irq, th_log};
    cpu_config cfg = {"cortex-a8", 1, 1, 0};
    char err[160] = "";
    CHECK(cpu_cluster_new(&cfg, &ports, err, sizeof err) == NULL);
    CHECK_STR_CONTAINS(err, "cortex-a8");
    CHECK_STR_CONTAINS(err, "A32/T32");
    /* The cluster's ID registers come from its model. */
    th *t = th_new(1);
    arm_cpu *c = th_cpu(t, 0);
    uint64_t v = 0;
    CHECK(cpu_read_sysreg(c, "MIDR_EL1", &v) && v == a53->midr);
    /* The model keeps the silicon's AArch32-at-every-EL (2); the guest sees AArch64 only (1)
     * while the engine runs no AArch32 EL (issue 18). */
    CHECK_EQ_U64(a53->id_aa64pfr0 & 0xffff, 0x2222);
    CHECK(cpu_read_sysreg(c, "ID_AA64PFR0_EL1", &v) &&
          v == (a53->id_aa64pfr0 & ~0xffffull) + 0x1111);
    CHECK(cpu_read_sysreg(c, "MVFR1_EL1", &v) && v == a53->mvfr[1]);
    CHECK(cpu_read_sysreg(c, "CLIDR_EL1", &v) && v == a53->clidr);
    CHECK(cpu_read_sysreg(c, "CTR_EL0", &v) && v == a53->ctr);
    CHECK(cpu_read_sysreg(c, "VPIDR_EL2", &v) && v == a53->midr);
    th_free(t);
}

/* One table, both encodings: AArch32 CP15 views of AArch64 registers. */
static void test_sysreg_aa32(void) {
    th *t = th_new(1);
    arm_cpu *c = th_cpu(t, 0);
    unsigned part = 99;
    const sysreg_def *r = sysreg_find_aa32(SYSREG_CP32(15, 0, 0, 0, 0), &part); /* MIDR */
    CHECK(r && r == sysreg_find(SYSREG_ENC(3, 0, 0, 0, 0)) && part == SR_AA32_LO);
    if (r) CHECK_EQ_U64(sysreg_read_aa32(c, r, part), 0x410FD034);
    /* MAIR0/MAIR1 are the halves of MAIR_EL1. */
    const sysreg_def *mair = sysreg_find_name("MAIR_EL1");
    sysreg_write(c, mair, 0x1122334455667788ull);
    r = sysreg_find_aa32(SYSREG_CP32(15, 0, 10, 2, 1), &part);
    CHECK(r == mair && part == SR_AA32_HI);
    if (r) {
        CHECK_EQ_U64(sysreg_read_aa32(c, r, part), 0x11223344);
        sysreg_write_aa32(c, r, part, 0xaabbccdd);
        CHECK_EQ_U64(sysreg_read(c, mair), 0xaabbccdd55667788ull);
    }
    /* DFAR/IFAR: FAR_EL1 low/high; TTBR0 both 32- and 64-bit views. */
    r = sysreg_find_aa32(SYSREG_CP32(15, 0, 6, 0, 2), &part);
    CHECK(r == sysreg_find_name("FAR_EL1") && part == SR_AA32_HI);
    r = sysreg_find_aa32(SYSREG_CP64(15, 0, 2), &part);
    CHECK(r == sysreg_find_name("TTBR0_EL1") && part == SR_AA32_64);
    r = sysreg_find_aa32(SYSREG_CP64(15, 1, 14), &part); /* CNTVCT */
    CHECK(r == sysreg_find_name("CNTVCT_EL0") && part == SR_AA32_64);
    CHECK(sysreg_find_aa32(SYSREG_CP32(15, 0, 5, 0, 0), &part) == sysreg_find_name("ESR_EL1"));
    /* Unmapped (an A8-only register such as the L2 aux control) and invalid encodings. */
    CHECK(sysreg_find_aa32(SYSREG_CP32(15, 1, 9, 0, 2), &part) == NULL);
    CHECK(sysreg_find_aa32(0, &part) == NULL);
    /* Every AArch32 encoding is listed once. */
    unsigned dups = 0, n = 0;
    const char *names[] = {"MIDR_EL1", "SCTLR_EL1", "TTBR1_EL1",      "TCR_EL1",   "DACR32_EL2",
                           "PAR_EL1",  "VBAR_EL1",  "CONTEXTIDR_EL1", "TPIDR_EL0", "CNTKCTL_EL1"};
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++) {
        const sysreg_def *d = sysreg_find_name(names[i]);
        CHECK(d != NULL);
        for (unsigned k = 0; d && k < 3; k++) {
            if (!d->aa32[k]) continue;
            n++;
            unsigned p2;
            if (sysreg_find_aa32(d->aa32[k], &p2) != d || p2 != k) dups++;
        }
    }
    CHECK(n >= 10);
    CHECK_EQ_U64(dups, 0);
    th_free(t);
}

int main(void) {
    test_models();
    test_sysreg_aa32();
    test_frontends();
    test_block_key();
    test_exception_entry();
    return check_report("insn_isa");
}
