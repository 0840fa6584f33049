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

void jit_exit_probe(jit_ctx *x, unsigned index, unsigned count, int r) {
    x86_emitter *e = &x->e;
    size_t out[12];
    unsigned n = 0;
    int32_t tlb = (int32_t)(offsetof(arm_cpu, tlb) + x->b->flags * sizeof(tlb_entry) * TLB_SIZE);
    x86_alu_mi(e, X86_CMP, false, jit_cpu_field(offsetof(arm_cpu, exit_request)), 0);
    out[n++] = x86_jcc_fwd(e, X86_CC_NE);
    x86_load(e, true, X86_R8, jit_cpu_field(offsetof(arm_cpu, insns_slice)));
    x86_alu_ri(e, X86_ADD, true, X86_R8, (int32_t)count);
    x86_alu_rm(e, X86_CMP, true, X86_R8, jit_cpu_field(offsetof(arm_cpu, jit_budget)));
    out[n++] = x86_jcc_fwd(e, X86_CC_AE);
    x86_alu_rm(e, X86_CMP, true, X86_R8, jit_cpu_field(offsetof(arm_cpu, timer_check_at)));
    out[n++] = x86_jcc_fwd(e, X86_CC_AE);
    /* RAX = jump_cache[jump_cache_index(pc)] */
    x86_mov_rr(e, true, X86_RDX, X86_RCX);
    x86_shift_ri(e, X86_SHR, true, X86_RDX, 2);
    x86_mov_rr(e, true, X86_RAX, X86_RCX);
    x86_shift_ri(e, X86_SHR, true, X86_RAX, 2 + JUMP_CACHE_BITS);
    x86_alu_rr(e, X86_XOR, false, X86_RDX, X86_RAX);
    x86_alu_ri(e, X86_AND, false, X86_RDX, (1 << JUMP_CACHE_BITS) - 1);
    x86_load(e, true, X86_RAX,
             x86_sib(JIT_CPU, X86_RDX, 8, (int32_t)offsetof(arm_cpu, jump_cache)));
    x86_test_rr(e, true, X86_RAX, X86_RAX);
    out[n++] = x86_jcc_fwd(e, X86_CC_E);
    x86_alu_rm(e, X86_CMP, true, X86_RCX, x86_base(X86_RAX, offsetof(code_block, pc)));
    out[n++] = x86_jcc_fwd(e, X86_CC_NE);
    x86_alu_mi(e, X86_CMP, false, x86_base(X86_RAX, offsetof(code_block, flags)),
               (int32_t)x->b->flags);
    out[n++] = x86_jcc_fwd(e, X86_CC_NE);
    x86_load_zx(e, 1, X86_RDX, x86_base(X86_RAX, offsetof(code_block, dead)));
    x86_test_rr(e, false, X86_RDX, X86_RDX);
    out[n++] = x86_jcc_fwd(e, X86_CC_NE);
    x86_load(e, true, X86_RSI, x86_base(X86_RAX, offsetof(code_block, jit_chain_entry)));
    /* exec TLB: tag and physical page (RDX = entry offset) */
    jit_tlb_slot(x, X86_RDX, X86_RCX, X86_R9);
    x86_mov_rr(e, true, X86_RDI, X86_RCX);
    x86_alu_ri(e, X86_AND, true, X86_RDI, (int32_t)PAGE_MASK);
    x86_alu_rm(e, X86_CMP, true, X86_RDI,
               x86_sib(JIT_CPU, X86_RDX, 1, tlb + (int32_t)offsetof(tlb_entry, tag_exec)));
    out[n++] = x86_jcc_fwd(e, X86_CC_NE);
    x86_load(e, true, X86_RDI, x86_base(X86_RAX, offsetof(code_block, pa)));
    x86_alu_ri(e, X86_AND, true, X86_RDI, (int32_t)PAGE_MASK);
    x86_alu_rm(e, X86_CMP, true, X86_RDI,
               x86_sib(JIT_CPU, X86_RDX, 1, tlb + (int32_t)offsetof(tlb_entry, pa_page)));
    out[n++] = x86_jcc_fwd(e, X86_CC_NE);
    x86_test_rr(e, true, X86_RSI, X86_RSI); /* compiled? */
    out[n++] = x86_jcc_fwd(e, X86_CC_E);
    x86_store(e, true, jit_cpu_field(offsetof(arm_cpu, insns_slice)), X86_R8);
    x86_jmp_reg(e, X86_RSI);
    for (unsigned k = 0; k < n; k++)
        x86_patch_here(e, out[k]);
    jit_exit_now(x, index, r);
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
        if (x->chaining)
            jit_exit_probe(x, index, index + 1, A64_EXIT_RETIRED);
        else
            jit_exit_now(x, index, A64_EXIT_RETIRED);
        return true;
    default: return false;
    }
}
