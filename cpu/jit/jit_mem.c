/* Inline templates for the specialised integer loads and stores of exec/fast_ops.c (LDR/STR
 * unsigned offset, LDUR/STUR, pre/post-index, register offset, LDP/STP): the address, the soft
 * TLB probe of mem/mem.h (index, tag compare against the page of the access's last byte, host
 * addend) and the access. Anything the probe does not accept - a miss, MMIO, a page-crossing
 * access (a pair included), a misaligned one under SCTLR.A, a code page (SMC), a store while some
 * core holds an exclusive reservation, an SP base that is not 16-byte aligned - runs the op's own
 * handler out of line, which redoes the whole instruction on its generic path (faults get the
 * handler's PC, ESR and FAR). */
#include "jit/jit_internal.h"

enum { PAIR_WB = 1, PAIR_POST = 2 }; /* op->aux of LDP/STP, as exec/fast_ops.c */

typedef struct access {
    unsigned size; /* bytes per element */
    bool load, pair;
    bool writeback, post; /* base += imm after (post) or before (pre) the access */
    bool reg_offset;
} access;

static bool classify(const a64_op *op, access *a) {
    uint32_t i = op->insn;
    if (op->fn == a64_enc_handlers[op->enc]) return false; /* generic: not specialised */
    *a = (access){.size = 1u << (i >> 30), .load = (i >> 22) & 1};
    switch (op->enc) {
    case A64_ENC_LDST_UIMM: return true;
    case A64_ENC_LDST_IMM9: {
        unsigned mode = (i >> 10) & 3;
        a->writeback = mode != 0;
        a->post = op->ra != 0 && a->writeback;
        return true;
    }
    case A64_ENC_LDST_REG: a->reg_offset = true; return true;
    case A64_ENC_LDST_PAIR:
        a->size = (i >> 30) == 2 ? 8 : 4;
        a->pair = true;
        a->writeback = op->aux & PAIR_WB;
        a->post = op->aux & PAIR_POST;
        return true;
    default: return false;
    }
}

/* RDI = the access address, RSI = the base register. */
static void address(jit_ctx *x, const a64_op *op, const access *a) {
    x86_emitter *e = &x->e;
    jit_load_reg(x, X86_RSI, op->rn, true, true);
    if (a->reg_offset) {
        unsigned option = op->ra, shift = (unsigned)op->imm;
        if (option == 2)
            jit_load_reg(x, X86_RCX, op->rm, false, false); /* UXTW */
        else if (option == 6 && op->rm != 31)
            x86_movsxd(e, X86_RCX, jit_xreg(op->rm)); /* SXTW */
        else
            jit_load_reg(x, X86_RCX, op->rm, false, true); /* LSL / SXTX */
        x86_lea(e, true, X86_RDI, x86_sib(X86_RSI, X86_RCX, 1u << shift, 0));
    } else if (a->post || op->imm == 0) {
        x86_mov_rr(e, true, X86_RDI, X86_RSI);
    } else {
        x86_lea(e, true, X86_RDI, x86_base(X86_RSI, (int32_t)op->imm));
    }
}

bool jit_emit_mem(jit_ctx *x, unsigned index, const a64_op *op) {
    access a;
    if (!classify(op, &a)) return false;
    x86_emitter *e = &x->e;
    unsigned slot;
    if (op->rn == 31) { /* SP alignment check: the generic handler knows SCTLR.SA/SA0 */
        x86_load(e, false, X86_RAX, jit_cpu_field(offsetof(arm_cpu, sp)));
        x86_test_ri(e, false, X86_RAX, 15);
        slot = jit_slow_branch(x, X86_CC_NE, index);
    } else {
        slot = JIT_MAX_SLOW;
    }
#define TO_SLOW(cc)                                                                                \
    do {                                                                                           \
        if (slot == JIT_MAX_SLOW)                                                                  \
            slot = jit_slow_branch(x, cc, index);                                                  \
        else                                                                                       \
            jit_slow_branch_again(x, cc, slot);                                                    \
    } while (0)
    address(x, op, &a);
    if (!a.load) { /* stores clear other cores' reservations: the handler does that */
        x86_mov_imm(e, X86_RDX, (uintptr_t)&x->cl->excl_holders);
        x86_alu_mi(e, X86_CMP, false, x86_base(X86_RDX, 0), 0);
        TO_SLOW(X86_CC_NE);
    }
    /* The probe: entry = tlb[midx][tlb_index(va)]. Blocks are per EL and the MMU
     * index is the EL (cpu_update_mmu_idx). */
    int32_t tlb = (int32_t)(offsetof(arm_cpu, tlb) + x->b->flags * sizeof(tlb_entry) * TLB_SIZE);
    int32_t tag =
        tlb + (int32_t)(a.load ? offsetof(tlb_entry, tag_read) : offsetof(tlb_entry, tag_write));
    jit_tlb_slot(x, X86_RAX, X86_RDI, X86_RCX);
    /* tlb_probe_key of the whole access (both elements of a pair): its last byte's page. */
    unsigned bytes = a.pair ? 2 * a.size : a.size;
    x86_lea(e, true, X86_RDX, x86_base(X86_RDI, (int32_t)(bytes - 1)));
    x86_alu_ri(e, X86_AND, true, X86_RDX, (int32_t)PAGE_MASK);
    x86_alu_rm(e, X86_CMP, true, X86_RDX, x86_sib(JIT_CPU, X86_RAX, 1, tag));
    TO_SLOW(X86_CC_NE);
#undef TO_SLOW
    x86_alu_rm(e, X86_ADD, true, X86_RDI,
               x86_sib(JIT_CPU, X86_RAX, 1, tlb + (int32_t)offsetof(tlb_entry, addend)));
    bool w64 = a.size == 8;
    if (a.load) {
        if (a.size < 4)
            x86_load_zx(e, a.size, X86_RAX, x86_base(X86_RDI, 0));
        else
            x86_load(e, w64, X86_RAX, x86_base(X86_RDI, 0));
        if (a.pair) {
            x86_load(e, w64, X86_RDX, x86_base(X86_RDI, (int32_t)a.size));
            jit_store_reg(x, op->rd, false, X86_RAX, w64);
            jit_store_reg(x, op->ra, false, X86_RDX, w64);
        } else {
            jit_store_reg(x, op->rd, false, X86_RAX, w64);
        }
    } else {
        jit_load_reg(x, X86_RAX, op->rd, false, w64);
        if (a.size < 4)
            x86_store_narrow(e, a.size, x86_base(X86_RDI, 0), X86_RAX);
        else
            x86_store(e, w64, x86_base(X86_RDI, 0), X86_RAX);
        if (a.pair) {
            jit_load_reg(x, X86_RAX, op->ra, false, w64);
            x86_store(e, w64, x86_base(X86_RDI, (int32_t)a.size), X86_RAX);
        }
    }
    if (a.writeback) {
        x86_lea(e, true, X86_RSI, x86_base(X86_RSI, (int32_t)op->imm));
        jit_store_reg(x, op->rn, true, X86_RSI, true);
    }
    jit_slow_resume(x, slot);
    return true;
}
