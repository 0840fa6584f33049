/* Inline templates for the branches that end a block (B, BL, B.cond, CBZ/CBNZ, TBZ/TBNZ, BR,
 * BLR, RET): the next PC is computed, stored to cpu->pc and the block exits as "retired", as the
 * handlers in exec/fast_ops.c and a64/branch.c do. Targets are constants: a block only ever runs
 * at the virtual PC it was decoded for. */
#include "jit/jit_internal.h"

/* Two-way branch: the host condition cc (already computed) selects target over next. */
static void two_way(jit_ctx *x, unsigned index, enum x86_cc cc, uint64_t target, uint64_t next) {
    size_t taken = x86_jcc_fwd(&x->e, cc);
    jit_exit_hop(x, index, next, index + 1);
    x86_patch_here(&x->e, taken);
    jit_exit_hop(x, index, target, index + 1);
}

bool jit_emit_branch(jit_ctx *x, unsigned index, const a64_op *op) {
    uint32_t i = op->insn;
    uint64_t pc = jit_op_pc(x, index), next = pc + 4;
    bool spec = op->fn != a64_enc_handlers[op->enc];
    switch (op->enc) {
    case A64_ENC_B_BL:
        if (!spec) return false;
        if (i >> 31) { /* BL */
            x86_mov_imm(&x->e, X86_RAX, next);
            x86_store(&x->e, true, jit_xreg(30), X86_RAX);
        }
        jit_exit_hop(x, index, pc + op->imm, index + 1);
        return true;
    case A64_ENC_B_COND: {
        if (!spec) return false;
        unsigned mask = 0;
        for (unsigned f = 0; f < 16; f++)
            mask |= (unsigned)cond_holds(f << 28, op->aux) << f;
        if (mask == 0xffff) {
            jit_exit_hop(x, index, pc + op->imm, index + 1);
            return true;
        }
        jit_cond_to_cf(x, mask);
        two_way(x, index, X86_CC_B, pc + op->imm, next);
        return true;
    }
    case A64_ENC_CBZ_CBNZ:
        if (!spec) return false;
        x86_alu_mi(&x->e, X86_CMP, i >> 31, jit_xreg(op->rd), 0);
        two_way(x, index, op->aux ? X86_CC_NE : X86_CC_E, pc + op->imm, next);
        return true;
    case A64_ENC_TBZ_TBNZ: {
        unsigned bit = ((i >> 31) << 5) | ((i >> 19) & 31);
        uint64_t target = pc + (sign_extend((i >> 5) & 0x3fff, 14) << 2);
        x86_bt_mi(&x->e, true, jit_xreg(i & 31), bit);
        two_way(x, index, (i >> 24) & 1 ? X86_CC_B : X86_CC_AE, target, next);
        return true;
    }
    case A64_ENC_BR:
    case A64_ENC_BLR:
    case A64_ENC_RET:
        jit_load_reg(x, X86_RCX, (i >> 5) & 31, false, true);
        if (op->enc == A64_ENC_BLR) {
            x86_mov_imm(&x->e, X86_RAX, next);
            x86_store(&x->e, true, jit_xreg(30), X86_RAX);
        }
        x86_store(&x->e, true, jit_cpu_field(offsetof(arm_cpu, pc)), X86_RCX);
        jit_exit_now(x, index, A64_EXIT_RETIRED);
        return true;
    default: return false;
    }
}
