/* Specialised handlers (see fast_ops.h). Each one is the generic handler's behaviour for a
 * subset of an encoding, chosen at decode time when the subset is known to apply; the fields
 * they read were filled by a64_specialize. The differential and instruction tests run through
 * them because they go through the block decoder. */
#include "exec/fast_ops.h"

#include "a64/a64.h"

static inline uint64_t base_reg(const arm_cpu *c, unsigned rn) {
    return rn == 31 ? c->sp : c->x[rn];
}
static inline void write_x(arm_cpu *c, unsigned rd, uint64_t v) {
    c->x[rd] = v;
    c->x[31] = 0;
}

/* ---- Loads and stores of general-purpose registers ---------------------------------------- */
/* SP-based accesses need the SP alignment check: when SP is not 16-byte aligned the generic
 * handler decides (it knows SCTLR.SA/SA0), otherwise there is nothing to check. */
#define SP_CHECK(generic)                                                                          \
    if (unlikely(op->rn == 31 && (c->sp & 15))) return generic(c, op)

#define LOAD_UIMM(name, size, type)                                                                \
    static int name(arm_cpu *c, const a64_op *op) {                                                \
        SP_CHECK(a64_ldst_uimm);                                                                   \
        uint64_t v;                                                                                \
        if (!mem_read(c, op, base_reg(c, op->rn) + op->imm, size, &v, c->mmu_idx, 0, op->aux))     \
            return A64_EXIT_FAULT;                                                                 \
        write_x(c, op->rd, (type)v);                                                               \
        return A64_NEXT;                                                                           \
    }
#define STORE_UIMM(name, size)                                                                     \
    static int name(arm_cpu *c, const a64_op *op) {                                                \
        SP_CHECK(a64_ldst_uimm);                                                                   \
        if (!mem_write(c, op, base_reg(c, op->rn) + op->imm, size, c->x[op->rd], c->mmu_idx, 0,    \
                       op->aux))                                                                   \
            return A64_EXIT_FAULT;                                                                 \
        return A64_NEXT;                                                                           \
    }
LOAD_UIMM(ldr_uimm_1, 1, uint8_t)
LOAD_UIMM(ldr_uimm_2, 2, uint16_t)
LOAD_UIMM(ldr_uimm_4, 4, uint32_t)
LOAD_UIMM(ldr_uimm_8, 8, uint64_t)
STORE_UIMM(str_uimm_1, 1)
STORE_UIMM(str_uimm_2, 2)
STORE_UIMM(str_uimm_4, 4)
STORE_UIMM(str_uimm_8, 8)

/* Unscaled offset without writeback (LDUR/STUR). */
#define LOAD_UNSCALED(name, size, type)                                                            \
    static int name(arm_cpu *c, const a64_op *op) {                                                \
        SP_CHECK(a64_ldst_imm9);                                                                   \
        uint64_t v;                                                                                \
        if (!mem_read(c, op, base_reg(c, op->rn) + op->imm, size, &v, c->mmu_idx, 0, op->aux))     \
            return A64_EXIT_FAULT;                                                                 \
        write_x(c, op->rd, (type)v);                                                               \
        return A64_NEXT;                                                                           \
    }
#define STORE_UNSCALED(name, size)                                                                 \
    static int name(arm_cpu *c, const a64_op *op) {                                                \
        SP_CHECK(a64_ldst_imm9);                                                                   \
        if (!mem_write(c, op, base_reg(c, op->rn) + op->imm, size, c->x[op->rd], c->mmu_idx, 0,    \
                       op->aux))                                                                   \
            return A64_EXIT_FAULT;                                                                 \
        return A64_NEXT;                                                                           \
    }
LOAD_UNSCALED(ldur_1, 1, uint8_t)
LOAD_UNSCALED(ldur_2, 2, uint16_t)
LOAD_UNSCALED(ldur_4, 4, uint32_t)
LOAD_UNSCALED(ldur_8, 8, uint64_t)
STORE_UNSCALED(stur_1, 1)
STORE_UNSCALED(stur_2, 2)
STORE_UNSCALED(stur_4, 4)
STORE_UNSCALED(stur_8, 8)

/* Pre-index (ra = 0) and post-index (ra = 1) with writeback: ESR.ISV = 0. Loads whose base is
 * their destination stay generic (the loaded value wins there). */
static inline void write_base(arm_cpu *c, unsigned rn, uint64_t v) {
    if (rn == 31)
        c->sp = v;
    else
        c->x[rn] = v;
}
#define LOAD_WB(name, size, type)                                                                  \
    static int name(arm_cpu *c, const a64_op *op) {                                                \
        SP_CHECK(a64_ldst_imm9);                                                                   \
        uint64_t base = base_reg(c, op->rn), v;                                                    \
        if (!mem_read(c, op, op->ra ? base : base + op->imm, size, &v, c->mmu_idx, MEM_NO_ISV, 0)) \
            return A64_EXIT_FAULT;                                                                 \
        write_x(c, op->rd, (type)v);                                                               \
        write_base(c, op->rn, base + op->imm);                                                     \
        return A64_NEXT;                                                                           \
    }
#define STORE_WB(name, size)                                                                       \
    static int name(arm_cpu *c, const a64_op *op) {                                                \
        SP_CHECK(a64_ldst_imm9);                                                                   \
        uint64_t base = base_reg(c, op->rn);                                                       \
        if (!mem_write(c, op, op->ra ? base : base + op->imm, size, c->x[op->rd], c->mmu_idx,      \
                       MEM_NO_ISV, 0))                                                             \
            return A64_EXIT_FAULT;                                                                 \
        write_base(c, op->rn, base + op->imm);                                                     \
        return A64_NEXT;                                                                           \
    }
LOAD_WB(ldr_wb_1, 1, uint8_t)
LOAD_WB(ldr_wb_2, 2, uint16_t)
LOAD_WB(ldr_wb_4, 4, uint32_t)
LOAD_WB(ldr_wb_8, 8, uint64_t)
STORE_WB(str_wb_1, 1)
STORE_WB(str_wb_2, 2)
STORE_WB(str_wb_4, 4)
STORE_WB(str_wb_8, 8)

/* Register offset: base + (Xm or extended Wm) << shift; op->ra = option, op->aux = iss,
 * op->imm = shift. */
#define LOAD_REG(name, size, type)                                                                 \
    static int name(arm_cpu *c, const a64_op *op) {                                                \
        SP_CHECK(a64_ldst_reg);                                                                    \
        uint64_t v,                                                                                \
            addr = base_reg(c, op->rn) + extend_reg(c->x[op->rm], op->ra, (unsigned)op->imm);      \
        if (!mem_read(c, op, addr, size, &v, c->mmu_idx, 0, op->aux)) return A64_EXIT_FAULT;       \
        write_x(c, op->rd, (type)v);                                                               \
        return A64_NEXT;                                                                           \
    }
#define STORE_REG(name, size)                                                                      \
    static int name(arm_cpu *c, const a64_op *op) {                                                \
        SP_CHECK(a64_ldst_reg);                                                                    \
        uint64_t addr = base_reg(c, op->rn) + extend_reg(c->x[op->rm], op->ra, (unsigned)op->imm); \
        if (!mem_write(c, op, addr, size, c->x[op->rd], c->mmu_idx, 0, op->aux))                   \
            return A64_EXIT_FAULT;                                                                 \
        return A64_NEXT;                                                                           \
    }
LOAD_REG(ldr_reg_1, 1, uint8_t)
LOAD_REG(ldr_reg_2, 2, uint16_t)
LOAD_REG(ldr_reg_4, 4, uint32_t)
LOAD_REG(ldr_reg_8, 8, uint64_t)
STORE_REG(str_reg_1, 1)
STORE_REG(str_reg_2, 2)
STORE_REG(str_reg_4, 4)
STORE_REG(str_reg_8, 8)

/* LDP/STP of X or W registers. op->imm = signed byte offset, op->aux bit 0 = writeback, bit 1 =
 * post-index. Both elements lie on one page (else the generic handler, which probes the second
 * page first); loads read both before writing either register. */
enum { PAIR_WB = 1, PAIR_POST = 2 };
#define PAIR(name, size, load)                                                                     \
    static int name(arm_cpu *c, const a64_op *op) {                                                \
        SP_CHECK(a64_ldst_pair);                                                                   \
        uint64_t base = base_reg(c, op->rn), addr = op->aux & PAIR_POST ? base : base + op->imm;   \
        if (unlikely(((addr ^ (addr + 2 * size - 1)) & PAGE_MASK) != 0))                           \
            return a64_ldst_pair(c, op);                                                           \
        unsigned midx = c->mmu_idx;                                                                \
        if (load) {                                                                                \
            uint64_t a, b;                                                                         \
            if (!mem_read(c, op, addr, size, &a, midx, MEM_NO_ISV, 0) ||                           \
                !mem_read(c, op, addr + size, size, &b, midx, MEM_NO_ISV, 0))                      \
                return A64_EXIT_FAULT;                                                             \
            c->x[op->rd] = a;                                                                      \
            c->x[op->ra] = b;                                                                      \
            c->x[31] = 0;                                                                          \
        } else {                                                                                   \
            uint64_t a = c->x[op->rd], b = c->x[op->ra];                                           \
            if (!mem_write(c, op, addr, size, a, midx, MEM_NO_ISV, 0) ||                           \
                !mem_write(c, op, addr + size, size, b, midx, MEM_NO_ISV, 0))                      \
                return A64_EXIT_FAULT;                                                             \
        }                                                                                          \
        if (op->aux & PAIR_WB) {                                                                   \
            if (op->rn == 31)                                                                      \
                c->sp = base + op->imm;                                                            \
            else                                                                                   \
                c->x[op->rn] = base + op->imm;                                                     \
        }                                                                                          \
        return A64_NEXT;                                                                           \
    }
PAIR(ldp_4, 4, true)
PAIR(ldp_8, 8, true)
PAIR(stp_4, 4, false)
PAIR(stp_8, 8, false)

/* ---- Data processing ---------------------------------------------------------------------- */
/* ADD/SUB (immediate) without flags: op->imm is the signed addend, either register may be SP. */
static int addi_64(arm_cpu *c, const a64_op *op) {
    uint64_t r = base_reg(c, op->rn) + op->imm;
    if (op->rd == 31)
        c->sp = r;
    else
        c->x[op->rd] = r;
    return A64_NEXT;
}
static int addi_32(arm_cpu *c, const a64_op *op) {
    uint64_t r = (uint32_t)(base_reg(c, op->rn) + op->imm);
    if (op->rd == 31)
        c->sp = r;
    else
        c->x[op->rd] = r;
    return A64_NEXT;
}

static inline uint32_t nzcv_sub64(uint64_t a, uint64_t b, uint64_t r) {
    return (uint32_t)((r >> 63) << 31) | (r == 0 ? NZCV_Z : 0) | (a >= b ? NZCV_C : 0) |
           (uint32_t)((((a ^ b) & (a ^ r)) >> 63) << 28);
}
static inline uint32_t nzcv_sub32(uint32_t a, uint32_t b, uint32_t r) {
    return ((r >> 31) << 31) | (r == 0 ? NZCV_Z : 0) | (a >= b ? NZCV_C : 0) |
           ((((a ^ b) & (a ^ r)) >> 31) << 28);
}
/* SUBS (immediate), CMP included: op->imm is the subtrahend; Rn may be SP, Rd may not. */
static int subsi_64(arm_cpu *c, const a64_op *op) {
    uint64_t a = base_reg(c, op->rn), b = op->imm, r = a - b;
    c->nzcv = nzcv_sub64(a, b, r);
    write_x(c, op->rd, r);
    return A64_NEXT;
}
static int subsi_32(arm_cpu *c, const a64_op *op) {
    uint32_t a = (uint32_t)base_reg(c, op->rn), b = (uint32_t)op->imm, r = a - b;
    c->nzcv = nzcv_sub32(a, b, r);
    write_x(c, op->rd, r);
    return A64_NEXT;
}

/* ADD/SUB/SUBS (shifted register, LSL only): op->imm = shift amount. */
static int add_lsl_64(arm_cpu *c, const a64_op *op) {
    write_x(c, op->rd, c->x[op->rn] + (c->x[op->rm] << op->imm));
    return A64_NEXT;
}
static int sub_lsl_64(arm_cpu *c, const a64_op *op) {
    write_x(c, op->rd, c->x[op->rn] - (c->x[op->rm] << op->imm));
    return A64_NEXT;
}
static int add_lsl_32(arm_cpu *c, const a64_op *op) {
    write_x(c, op->rd, (uint32_t)(c->x[op->rn] + (c->x[op->rm] << op->imm)));
    return A64_NEXT;
}
static int sub_lsl_32(arm_cpu *c, const a64_op *op) {
    write_x(c, op->rd, (uint32_t)(c->x[op->rn] - (c->x[op->rm] << op->imm)));
    return A64_NEXT;
}
static int subs_lsl_64(arm_cpu *c, const a64_op *op) {
    uint64_t a = c->x[op->rn], b = c->x[op->rm] << op->imm, r = a - b;
    c->nzcv = nzcv_sub64(a, b, r);
    write_x(c, op->rd, r);
    return A64_NEXT;
}
static int subs_lsl_32(arm_cpu *c, const a64_op *op) {
    uint32_t a = (uint32_t)c->x[op->rn], b = (uint32_t)(c->x[op->rm] << op->imm), r = a - b;
    c->nzcv = nzcv_sub32(a, b, r);
    write_x(c, op->rd, r);
    return A64_NEXT;
}

/* AND/ORR/EOR/ANDS (shifted register, LSL, not inverted): op->imm = shift amount. */
#define LOGIC_LSL(name, expr, mask)                                                                \
    static int name(arm_cpu *c, const a64_op *op) {                                                \
        uint64_t a = c->x[op->rn], b = c->x[op->rm] << op->imm;                                    \
        write_x(c, op->rd, mask(expr));                                                            \
        return A64_NEXT;                                                                           \
    }
#define MASK64(v) (v)
#define MASK32(v) ((uint32_t)(v))
LOGIC_LSL(and_lsl_64, a &b, MASK64)
LOGIC_LSL(orr_lsl_64, a | b, MASK64)
LOGIC_LSL(eor_lsl_64, a ^ b, MASK64)
LOGIC_LSL(and_lsl_32, a &b, MASK32)
LOGIC_LSL(orr_lsl_32, a | b, MASK32)
LOGIC_LSL(eor_lsl_32, a ^ b, MASK32)
static int ands_lsl_64(arm_cpu *c, const a64_op *op) {
    uint64_t r = c->x[op->rn] & (c->x[op->rm] << op->imm);
    c->nzcv = nzcv_logic(1, r);
    write_x(c, op->rd, r);
    return A64_NEXT;
}
static int ands_lsl_32(arm_cpu *c, const a64_op *op) {
    uint64_t r = (uint32_t)(c->x[op->rn] & (c->x[op->rm] << op->imm));
    c->nzcv = nzcv_logic(0, r);
    write_x(c, op->rd, r);
    return A64_NEXT;
}

/* AND/ORR/EOR (immediate): op->imm = the decoded bit mask (already 32-bit for W forms); the
 * destination may be SP. ANDS: destination is XZR-capable, flags set. */
#define LOGIC_IMM(name, expr)                                                                      \
    static int name(arm_cpu *c, const a64_op *op) {                                                \
        uint64_t a = c->x[op->rn], r = (expr);                                                     \
        if (op->aux) r = (uint32_t)r;                                                              \
        if (op->rd == 31)                                                                          \
            c->sp = r;                                                                             \
        else                                                                                       \
            c->x[op->rd] = r;                                                                      \
        return A64_NEXT;                                                                           \
    }
LOGIC_IMM(and_imm, a & op->imm)
LOGIC_IMM(orr_imm, a | op->imm)
LOGIC_IMM(eor_imm, a ^ op->imm)
static int ands_imm(arm_cpu *c, const a64_op *op) {
    uint64_t r = c->x[op->rn] & op->imm;
    if (op->aux) r = (uint32_t)r;
    c->nzcv = nzcv_logic(!op->aux, r);
    write_x(c, op->rd, r);
    return A64_NEXT;
}

/* UBFM/SBFM as a left shift then a right shift (logical or arithmetic): op->rm = left,
 * op->ra = right (see a64_specialize). Covers LSL, LSR, ASR, UBFX, SBFX, UBFIZ, SBFIZ, UXT*, SXT*.
 */
static int ubfm_64(arm_cpu *c, const a64_op *op) {
    write_x(c, op->rd, (c->x[op->rn] << op->rm) >> op->ra);
    return A64_NEXT;
}
static int sbfm_64(arm_cpu *c, const a64_op *op) {
    write_x(c, op->rd, (uint64_t)((int64_t)(c->x[op->rn] << op->rm) >> op->ra));
    return A64_NEXT;
}
static int ubfm_32(arm_cpu *c, const a64_op *op) {
    write_x(c, op->rd, (uint32_t)((uint32_t)c->x[op->rn] << op->rm) >> op->ra);
    return A64_NEXT;
}
static int sbfm_32(arm_cpu *c, const a64_op *op) {
    write_x(c, op->rd, (uint32_t)((int32_t)((uint32_t)c->x[op->rn] << op->rm) >> op->ra));
    return A64_NEXT;
}

/* MOVZ/MOVN: the final value precomputed. */
static int mov_imm(arm_cpu *c, const a64_op *op) {
    write_x(c, op->rd, op->imm);
    return A64_NEXT;
}

/* ---- Branches: op->imm = target offset from the instruction ------------------------------- */
static int b_cond(arm_cpu *c, const a64_op *op) {
    uint64_t pc = op_pc(c, op);
    c->pc = cond_holds(c->nzcv, op->aux) ? pc + op->imm : pc + 4;
    return A64_EXIT_RETIRED;
}
static int cbz_64(arm_cpu *c, const a64_op *op) {
    uint64_t pc = op_pc(c, op);
    c->pc = (c->x[op->rd] != 0) == (op->aux != 0) ? pc + op->imm : pc + 4;
    return A64_EXIT_RETIRED;
}
static int cbz_32(arm_cpu *c, const a64_op *op) {
    uint64_t pc = op_pc(c, op);
    c->pc = ((uint32_t)c->x[op->rd] != 0) == (op->aux != 0) ? pc + op->imm : pc + 4;
    return A64_EXIT_RETIRED;
}
static int b_imm(arm_cpu *c, const a64_op *op) {
    c->pc = op_pc(c, op) + op->imm;
    return A64_EXIT_RETIRED;
}
static int bl_imm(arm_cpu *c, const a64_op *op) {
    uint64_t pc = op_pc(c, op);
    c->x[30] = pc + 4;
    c->pc = pc + op->imm;
    return A64_EXIT_RETIRED;
}

/* ---- Decode-time selection ---------------------------------------------------------------- */
static const a64_handler load_uimm[4] = {ldr_uimm_1, ldr_uimm_2, ldr_uimm_4, ldr_uimm_8};
static const a64_handler store_uimm[4] = {str_uimm_1, str_uimm_2, str_uimm_4, str_uimm_8};
static const a64_handler load_unscaled[4] = {ldur_1, ldur_2, ldur_4, ldur_8};
static const a64_handler store_unscaled[4] = {stur_1, stur_2, stur_4, stur_8};
static const a64_handler load_wb[4] = {ldr_wb_1, ldr_wb_2, ldr_wb_4, ldr_wb_8};
static const a64_handler store_wb[4] = {str_wb_1, str_wb_2, str_wb_4, str_wb_8};
static const a64_handler load_reg[4] = {ldr_reg_1, ldr_reg_2, ldr_reg_4, ldr_reg_8};
static const a64_handler store_reg[4] = {str_reg_1, str_reg_2, str_reg_4, str_reg_8};

/* Integer, non-signed, non-prefetch single-register forms: opc 0 (store) or 1 (load). */
static bool plain_single(uint32_t i) {
    return !((i >> 26) & 1) && ((i >> 22) & 3) <= 1;
}

void a64_specialize(a64_op *op, uint32_t perf_off) {
    uint32_t i = op->insn;
    bool fastmem = !(perf_off & PERF_NO_FASTMEM);
    unsigned sf = i >> 31, rd = i & 31, rn = (i >> 5) & 31, rm = (i >> 16) & 31;
    unsigned size_log2 = i >> 30;
    bool load = (i >> 22) & 1;
    a64_handler fn = NULL;
    switch (op->enc) {
    case A64_ENC_LDST_UIMM:
        if (!fastmem || !plain_single(i)) break;
        op->imm = (uint64_t)((i >> 10) & 0xfff) << size_log2;
        op->aux = mem_iss(size_log2, false, rd, size_log2 == 3, false);
        fn = load ? load_uimm[size_log2] : store_uimm[size_log2];
        break;
    case A64_ENC_LDST_IMM9: {
        unsigned mode = (i >> 10) & 3; /* 0 LDUR/STUR, 1 post-index, 2 LDTR/STTR, 3 pre-index */
        if (!fastmem || !plain_single(i) || mode == 2) break;
        op->imm = sign_extend((i >> 12) & 0x1ff, 9);
        if (mode == 0) {
            op->aux = mem_iss(size_log2, false, rd, size_log2 == 3, false);
            fn = load ? load_unscaled[size_log2] : store_unscaled[size_log2];
            break;
        }
        if (load && rn == rd && rn != 31) break;
        op->aux = 0;
        op->ra = mode == 1;
        fn = load ? load_wb[size_log2] : store_wb[size_log2];
        break;
    }
    case A64_ENC_LDST_REG: {
        unsigned option = (i >> 13) & 7;
        if (!fastmem || !plain_single(i) || !(option & 2)) break;
        op->ra = (uint8_t)option;
        op->imm = (i >> 12) & 1 ? size_log2 : 0;
        op->aux = mem_iss(size_log2, false, rd, size_log2 == 3, false);
        fn = load ? load_reg[size_log2] : store_reg[size_log2];
        break;
    }
    case A64_ENC_LDST_PAIR: {
        unsigned opc = i >> 30, mode = (i >> 23) & 3, rt2 = (i >> 10) & 31;
        if (!fastmem || ((i >> 26) & 1) || (opc != 0 && opc != 2) || mode == 0) break;
        bool wb = mode != 2;
        /* Loads that overwrite their writeback base: the generic handler's rules. */
        if (load && wb && rn != 31 && (rn == rd || rn == rt2)) break;
        unsigned size = opc == 2 ? 8 : 4;
        op->ra = (uint8_t)rt2;
        op->imm = sign_extend((i >> 15) & 0x7f, 7) * size;
        op->aux = (wb ? PAIR_WB : 0) | (mode == 1 ? PAIR_POST : 0);
        fn = size == 8 ? (load ? ldp_8 : stp_8) : (load ? ldp_4 : stp_4);
        break;
    }
    case A64_ENC_ADDSUB_IMM: {
        unsigned sub = (i >> 30) & 1, setflags = (i >> 29) & 1;
        uint64_t imm = (uint64_t)((i >> 10) & 0xfff) << ((i >> 22) & 1 ? 12 : 0);
        if (!setflags) {
            op->imm = sub ? (uint64_t)0 - imm : imm;
            fn = sf ? addi_64 : addi_32;
        } else if (sub) {
            op->imm = imm;
            fn = sf ? subsi_64 : subsi_32;
        }
        break;
    }
    case A64_ENC_ADDSUB_SHIFT: {
        unsigned sub = (i >> 30) & 1, setflags = (i >> 29) & 1, type = (i >> 22) & 3;
        unsigned amount = (i >> 10) & 63;
        if (type != 0 || (!sf && amount >= 32) || (setflags && !sub)) break;
        op->imm = amount;
        fn = setflags ? (sf ? subs_lsl_64 : subs_lsl_32)
             : sub    ? (sf ? sub_lsl_64 : sub_lsl_32)
                      : (sf ? add_lsl_64 : add_lsl_32);
        break;
    }
    case A64_ENC_LOGIC_SHIFT: {
        unsigned opc = (i >> 29) & 3, type = (i >> 22) & 3, neg = (i >> 21) & 1;
        unsigned amount = (i >> 10) & 63;
        if (type != 0 || neg || (!sf && amount >= 32)) break;
        op->imm = amount;
        static const a64_handler by_opc[2][4] = {{and_lsl_32, orr_lsl_32, eor_lsl_32, ands_lsl_32},
                                                 {and_lsl_64, orr_lsl_64, eor_lsl_64, ands_lsl_64}};
        fn = by_opc[sf][opc];
        break;
    }
    case A64_ENC_LOGIC_IMM: {
        unsigned opc = (i >> 29) & 3, n = (i >> 22) & 1;
        uint64_t imm, t;
        if ((!sf && n) ||
            !decode_bit_masks(n, (i >> 10) & 63, (i >> 16) & 63, true, sf ? 64 : 32, &imm, &t))
            break;
        op->imm = imm;
        op->aux = !sf;
        static const a64_handler by_opc[4] = {and_imm, orr_imm, eor_imm, ands_imm};
        fn = by_opc[opc];
        break;
    }
    case A64_ENC_BITFIELD: {
        unsigned opc = (i >> 29) & 3, n = (i >> 22) & 1, immr = (i >> 16) & 63;
        unsigned imms = (i >> 10) & 63, top = sf ? 63 : 31;
        if ((opc != 0 && opc != 2) || n != sf || (!sf && (immr >= 32 || imms >= 32))) break;
        /* Bits [imms:0] moved to the top, then down to immr-from-the-right (UBFX/SBFX) or to
         * width - immr (UBFIZ/SBFIZ, when imms < immr). */
        op->rm = (uint8_t)(top - imms);
        op->ra = (uint8_t)(imms >= immr ? top - imms + immr : immr - imms - 1);
        fn = opc == 2 ? (sf ? ubfm_64 : ubfm_32) : (sf ? sbfm_64 : sbfm_32);
        break;
    }
    case A64_ENC_MOVE_WIDE: {
        unsigned opc = (i >> 29) & 3, hw = (i >> 21) & 3;
        if (opc == 1 || opc == 3 || (!sf && hw >= 2)) break;
        uint64_t imm = (uint64_t)((i >> 5) & 0xffff) << (hw * 16);
        op->imm = sf_mask(sf, opc == 0 ? ~imm : imm);
        fn = mov_imm;
        break;
    }
    case A64_ENC_B_COND:
        op->imm = sign_extend((i >> 5) & 0x7ffff, 19) << 2;
        op->aux = i & 15;
        fn = b_cond;
        break;
    case A64_ENC_CBZ_CBNZ:
        op->imm = sign_extend((i >> 5) & 0x7ffff, 19) << 2;
        op->aux = (i >> 24) & 1;
        fn = sf ? cbz_64 : cbz_32;
        break;
    case A64_ENC_B_BL:
        op->imm = sign_extend(i & 0x3ffffff, 26) << 2;
        fn = i >> 31 ? bl_imm : b_imm;
        break;
    default: break;
    }
    if (!fn) return;
    op->rd = (uint8_t)rd;
    op->rn = (uint8_t)rn;
    if (op->enc != A64_ENC_BITFIELD) op->rm = (uint8_t)rm;
    if (op->enc != A64_ENC_LDST_REG && op->enc != A64_ENC_LDST_PAIR &&
        op->enc != A64_ENC_BITFIELD && op->enc != A64_ENC_LDST_IMM9)
        op->ra = 0;
    op->fn = fn;
}
