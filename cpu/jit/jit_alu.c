/* Inline templates for integer data processing: the semantics of the specialised handlers in
 * a64/fast_ops.c (whose pre-decoded operands they read) and of a64_adr / MOVK in a64/dp_imm.c.
 * 32-bit forms use 32-bit host operations, whose results the host zero-extends. */
#include "jit/jit_internal.h"

static bool specialised(const a64_op *op) {
    return op->fn != a64_enc_handlers[op->enc];
}

static void alu_imm64(jit_ctx *x, enum x86_aluop alu, bool w64, int dst, uint64_t imm) {
    if (!w64 || (int64_t)imm == (int32_t)imm) {
        x86_alu_ri(&x->e, alu, w64, dst, (int32_t)imm);
        return;
    }
    x86_mov_imm(&x->e, X86_RCX, imm);
    x86_alu_rr(&x->e, alu, true, dst, X86_RCX);
}

static void store_const(jit_ctx *x, unsigned rd, uint64_t v) {
    if (rd == 31) return;
    if ((int64_t)v == (int32_t)v) {
        x86_store_imm32(&x->e, true, jit_xreg(rd), (int32_t)v);
        return;
    }
    x86_mov_imm(&x->e, X86_RAX, v);
    x86_store(&x->e, true, jit_xreg(rd), X86_RAX);
}

/* rcx = Xm/Wm shifted by a constant (type 0 LSL, 1 LSR, 2 ASR, 3 ROR). */
static void shifted_operand(jit_ctx *x, int dst, unsigned rm, bool w64, unsigned type,
                            unsigned amount) {
    static const enum x86_shiftop shift_ops[4] = {X86_SHL, X86_SHR, X86_SAR, X86_ROR};
    jit_load_reg(x, dst, rm, false, w64);
    if (amount) x86_shift_ri(&x->e, shift_ops[type], w64, dst, amount);
}

static bool addsub_imm(jit_ctx *x, const a64_op *op) {
    uint32_t i = op->insn;
    bool sf = i >> 31, sub = (i >> 30) & 1, setflags = (i >> 29) & 1;
    jit_load_reg(x, X86_RAX, op->rn, true, sf);
    if (!setflags) { /* op->imm is the signed addend */
        if (op->imm)
            x86_alu_ri(&x->e, X86_ADD, sf, X86_RAX, (int32_t)op->imm);
        else if (!sf)
            x86_mov_rr(&x->e, false, X86_RAX, X86_RAX);
        jit_store_reg(x, op->rd, true, X86_RAX, sf);
        return true;
    }
    x86_alu_ri(&x->e, sub ? X86_SUB : X86_ADD, sf, X86_RAX, (int32_t)op->imm);
    jit_nzcv_arith(x, sub);
    jit_store_reg(x, op->rd, false, X86_RAX, sf);
    return true;
}

static bool logic_imm(jit_ctx *x, const a64_op *op) {
    static const enum x86_aluop ops[4] = {X86_AND, X86_OR, X86_XOR, X86_AND};
    unsigned opc = (op->insn >> 29) & 3;
    bool w64 = !op->aux;
    jit_load_reg(x, X86_RAX, op->rn, false, w64);
    alu_imm64(x, ops[opc], w64, X86_RAX, op->imm);
    if (opc == 3) {
        jit_nzcv_logic(x);
        jit_store_reg(x, op->rd, false, X86_RAX, w64);
    } else {
        jit_store_reg(x, op->rd, true, X86_RAX, w64);
    }
    return true;
}

static bool move_wide(jit_ctx *x, const a64_op *op) {
    uint32_t i = op->insn;
    unsigned opc = (i >> 29) & 3, hw = (i >> 21) & 3, rd = i & 31;
    bool sf = i >> 31;
    if (specialised(op)) { /* MOVZ/MOVN: the value is precomputed */
        store_const(x, op->rd, op->imm);
        return true;
    }
    if (opc != 3 || (!sf && hw >= 2)) return false;
    /* MOVK: replace one halfword in place; the W form also clears the upper half. */
    if (rd == 31) return true;
    x86_mov_imm(&x->e, X86_RAX, (i >> 5) & 0xffff);
    x86_store_narrow(&x->e, 2, x86_base(JIT_CPU, jit_xreg(rd).disp + 2 * (int32_t)hw), X86_RAX);
    if (!sf) x86_store_imm32(&x->e, false, x86_base(JIT_CPU, jit_xreg(rd).disp + 4), 0);
    return true;
}

static bool adr(jit_ctx *x, unsigned index, const a64_op *op) {
    uint32_t i = op->insn;
    uint64_t imm = sign_extend((((i >> 5) & 0x7ffff) << 2) | ((i >> 29) & 3), 21);
    uint64_t pc = jit_op_pc(x, index);
    store_const(x, i & 31, i >> 31 ? (pc & ~(uint64_t)0xfff) + (imm << 12) : pc + imm);
    return true;
}

static bool addsub_shift(jit_ctx *x, const a64_op *op) {
    uint32_t i = op->insn;
    bool sf = i >> 31, sub = (i >> 30) & 1, setflags = (i >> 29) & 1;
    shifted_operand(x, X86_RCX, op->rm, sf, (i >> 22) & 3, (unsigned)op->imm);
    jit_load_reg(x, X86_RAX, op->rn, false, sf);
    x86_alu_rr(&x->e, sub ? X86_SUB : X86_ADD, sf, X86_RAX, X86_RCX);
    if (setflags) jit_nzcv_arith(x, sub);
    jit_store_reg(x, op->rd, false, X86_RAX, sf);
    return true;
}

static bool logic_shift(jit_ctx *x, const a64_op *op) {
    static const enum x86_aluop ops[4] = {X86_AND, X86_OR, X86_XOR, X86_AND};
    uint32_t i = op->insn;
    bool sf = i >> 31, neg = (i >> 21) & 1;
    unsigned opc = (i >> 29) & 3;
    if (op->rd == 31 && opc != 3) return true; /* writes XZR only */
    shifted_operand(x, X86_RCX, op->rm, sf, (i >> 22) & 3, (unsigned)op->imm);
    if (neg) x86_not(&x->e, sf, X86_RCX);
    if (opc == 1 && op->rn == 31) { /* MOV / MVN */
        jit_store_reg(x, op->rd, false, X86_RCX, sf);
        return true;
    }
    jit_load_reg(x, X86_RAX, op->rn, false, sf);
    x86_alu_rr(&x->e, ops[opc], sf, X86_RAX, X86_RCX);
    if (opc == 3) jit_nzcv_logic(x);
    jit_store_reg(x, op->rd, false, X86_RAX, sf);
    return true;
}

static bool csel(jit_ctx *x, const a64_op *op) {
    uint32_t i = op->insn;
    bool sf = i >> 31, inv = (i >> 30) & 1, inc = (i >> 10) & 1;
    if (op->rd == 31) return true;
    jit_load_reg(x, X86_RAX, op->rm, false, sf);
    if (inv) x86_not(&x->e, sf, X86_RAX);
    if (inc) x86_alu_ri(&x->e, X86_ADD, sf, X86_RAX, 1);
    jit_load_reg(x, X86_RDX, op->rn, false, sf);
    jit_cond_to_cf(x, op->aux);
    x86_cmov(&x->e, X86_CC_B, sf, X86_RAX, X86_RDX);
    jit_store_reg(x, op->rd, false, X86_RAX, sf);
    return true;
}

static bool bitfield(jit_ctx *x, const a64_op *op) {
    uint32_t i = op->insn;
    bool sf = i >> 31, sign = ((i >> 29) & 3) == 0;
    if (op->rd == 31) return true;
    jit_load_reg(x, X86_RAX, op->rn, false, sf);
    if (op->rm) x86_shift_ri(&x->e, X86_SHL, sf, X86_RAX, op->rm);
    if (op->ra) x86_shift_ri(&x->e, sign ? X86_SAR : X86_SHR, sf, X86_RAX, op->ra);
    jit_store_reg(x, op->rd, false, X86_RAX, sf);
    return true;
}

/* LSLV/LSRV/ASRV/RORV: the host masks a CL count by 63 (64-bit) or 31 (32-bit), as A64 does. */
static bool shift_var(jit_ctx *x, const a64_op *op) {
    static const enum x86_shiftop ops[4] = {X86_SHL, X86_SHR, X86_SAR, X86_ROR};
    uint32_t i = op->insn;
    bool sf = i >> 31;
    if (op->rd == 31) return true;
    jit_load_reg(x, X86_RCX, op->rm, false, false);
    jit_load_reg(x, X86_RAX, op->rn, false, sf);
    x86_shift_cl(&x->e, ops[(i >> 10) & 3], sf, X86_RAX);
    jit_store_reg(x, op->rd, false, X86_RAX, sf);
    return true;
}

static bool madd(jit_ctx *x, const a64_op *op) {
    uint32_t i = op->insn;
    bool sf = i >> 31, sub = (i >> 15) & 1;
    if (op->rd == 31) return true;
    jit_load_reg(x, X86_RAX, op->rn, false, sf);
    jit_load_reg(x, X86_RCX, op->rm, false, sf);
    x86_imul_rr(&x->e, sf, X86_RAX, X86_RCX);
    if (op->ra != 31) {
        jit_load_reg(x, X86_RCX, op->ra, false, sf);
        if (sub) {
            x86_alu_rr(&x->e, X86_SUB, sf, X86_RCX, X86_RAX);
            x86_mov_rr(&x->e, sf, X86_RAX, X86_RCX);
        } else {
            x86_alu_rr(&x->e, X86_ADD, sf, X86_RAX, X86_RCX);
        }
    } else if (sub) {
        x86_neg(&x->e, sf, X86_RAX);
    }
    jit_store_reg(x, op->rd, false, X86_RAX, sf);
    return true;
}

static bool extr(jit_ctx *x, const a64_op *op) {
    bool sf = op->insn >> 31;
    if (op->rd == 31) return true;
    jit_load_reg(x, X86_RAX, op->rm, false, sf);
    jit_load_reg(x, X86_RCX, op->rn, false, sf);
    if (op->imm) x86_shrd_ri(&x->e, sf, X86_RAX, X86_RCX, (unsigned)op->imm);
    jit_store_reg(x, op->rd, false, X86_RAX, sf);
    return true;
}

/* UMULH/SMULH: the high half of the host's 128-bit product. */
static bool mulh(jit_ctx *x, const a64_op *op) {
    if (op->rd == 31) return true;
    jit_load_reg(x, X86_RAX, op->rn, false, true);
    jit_load_reg(x, X86_RCX, op->rm, false, true);
    x86_mul_wide(&x->e, !((op->insn >> 23) & 1), X86_RCX);
    jit_store_reg(x, op->rd, false, X86_RDX, true);
    return true;
}

/* ADC/ADCS/SBC/SBCS: the host's carry is PSTATE.C (ADC) or its inverse, the borrow (SBC). */
static bool adc(jit_ctx *x, const a64_op *op) {
    uint32_t i = op->insn;
    bool sf = i >> 31, sub = (i >> 30) & 1, setflags = (i >> 29) & 1;
    jit_load_reg(x, X86_RAX, op->rn, false, sf);
    jit_load_reg(x, X86_RCX, op->rm, false, sf);
    x86_bt_mi(&x->e, false, jit_cpu_field(offsetof(arm_cpu, nzcv)), 29);
    if (sub) x86_cmc(&x->e);
    x86_alu_rr(&x->e, sub ? X86_SBB : X86_ADC, sf, X86_RAX, X86_RCX);
    if (setflags) jit_nzcv_arith(x, sub);
    jit_store_reg(x, op->rd, false, X86_RAX, sf);
    return true;
}

/* ADD/SUB (extended register): op->ra = option, op->imm = shift (<= 4). */
static bool addsub_ext(jit_ctx *x, const a64_op *op) {
    uint32_t i = op->insn;
    bool sf = i >> 31, sub = (i >> 30) & 1, setflags = (i >> 29) & 1;
    unsigned option = op->ra;
    x86_emitter *e = &x->e;
    jit_load_reg(x, X86_RCX, op->rm, false, (option & 3) == 3);
    switch (option) {
    case 0: x86_movzx_rr(e, 1, X86_RCX, X86_RCX); break;
    case 1: x86_movzx_rr(e, 2, X86_RCX, X86_RCX); break;
    case 4: x86_movsx_rr(e, 1, X86_RCX, X86_RCX); break;
    case 5: x86_movsx_rr(e, 2, X86_RCX, X86_RCX); break;
    case 6: x86_movsx_rr(e, 4, X86_RCX, X86_RCX); break;
    default: break; /* UXTW: the 32-bit load; UXTX/SXTX: the 64-bit one */
    }
    if (op->imm) x86_shift_ri(e, X86_SHL, true, X86_RCX, (unsigned)op->imm);
    jit_load_reg(x, X86_RAX, op->rn, true, sf);
    x86_alu_rr(e, sub ? X86_SUB : X86_ADD, sf, X86_RAX, X86_RCX);
    if (setflags) {
        jit_nzcv_arith(x, sub);
        jit_store_reg(x, op->rd, false, X86_RAX, sf);
    } else {
        jit_store_reg(x, op->rd, true, X86_RAX, sf);
    }
    return true;
}

/* CCMP/CCMN (register or 5-bit immediate): compare when the condition holds, else #nzcv. */
static bool ccmp(jit_ctx *x, const a64_op *op) {
    uint32_t i = op->insn;
    bool sf = i >> 31, sub = (i >> 30) & 1;
    unsigned cond = (i >> 12) & 15, rn = (i >> 5) & 31, rm = (i >> 16) & 31, mask = 0;
    x86_emitter *e = &x->e;
    for (unsigned f = 0; f < 16; f++)
        mask |= (unsigned)cond_holds(f << 28, cond) << f;
    jit_load_reg(x, X86_RAX, rn, false, sf);
    if ((i >> 11) & 1)
        x86_mov_imm(e, X86_RCX, rm);
    else
        jit_load_reg(x, X86_RCX, rm, false, sf);
    jit_cond_to_cf(x, mask);
    size_t fails = x86_jcc_fwd(e, X86_CC_AE);
    x86_alu_rr(e, sub ? X86_SUB : X86_ADD, sf, X86_RAX, X86_RCX);
    jit_nzcv_arith(x, sub);
    size_t done = x86_jmp_fwd(e);
    x86_patch_here(e, fails);
    x86_store_imm32(e, false, jit_cpu_field(offsetof(arm_cpu, nzcv)), (int32_t)((i & 15) << 28));
    x86_patch_here(e, done);
    return true;
}

bool jit_emit_alu(jit_ctx *x, unsigned index, const a64_op *op) {
    switch (op->enc) {
    case A64_ENC_ADR:
    case A64_ENC_ADRP: return adr(x, index, op);
    case A64_ENC_MOVE_WIDE: return move_wide(x, op);
    case A64_ENC_CCMP_REG:
    case A64_ENC_CCMP_IMM: return ccmp(x, op);
    default: break;
    }
    if (!specialised(op)) return false;
    switch (op->enc) {
    case A64_ENC_ADDSUB_IMM: return addsub_imm(x, op);
    case A64_ENC_LOGIC_IMM: return logic_imm(x, op);
    case A64_ENC_ADDSUB_SHIFT: return addsub_shift(x, op);
    case A64_ENC_LOGIC_SHIFT: return logic_shift(x, op);
    case A64_ENC_CSEL: return csel(x, op);
    case A64_ENC_BITFIELD: return bitfield(x, op);
    case A64_ENC_SHIFT_VAR: return shift_var(x, op);
    case A64_ENC_MADD_MSUB: return madd(x, op);
    case A64_ENC_EXTR: return extr(x, op);
    case A64_ENC_HINT:
    case A64_ENC_ISB: return true; /* an inert hint, ISB inside a block: nothing to do */
    case A64_ENC_MULH: return mulh(x, op);
    case A64_ENC_ADC_SBC: return adc(x, op);
    case A64_ENC_ADDSUB_EXT: return addsub_ext(x, op);
    default: return false;
    }
}
