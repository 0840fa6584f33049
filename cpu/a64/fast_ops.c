/* Specialised handlers (see fast_ops.h). Each one is the generic handler's behaviour for a
 * subset of an encoding, chosen at decode time when the subset is known to apply; the fields
 * they read were filled by a64_specialize. The differential and instruction tests run through
 * them because they go through the block decoder. */
#include "a64/fast_ops.h"

#include "a64/a64.h"
#include "sysreg/sysreg.h"

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

/* ---- Data processing, register: one handler per (width, shift type, operation) -------------- */
/* Shift of a register operand by a constant or variable amount below the width; for 32-bit
 * forms the operand is truncated first and the result zero-extended (ROR by 0 is the value). */
static inline __attribute__((always_inline)) uint64_t shift_op(unsigned sf, unsigned type,
                                                               uint64_t v, unsigned n) {
    if (sf) {
        switch (type) {
        case 0: return v << n;
        case 1: return v >> n;
        case 2: return (uint64_t)((int64_t)v >> n);
        default: return (v >> n) | (v << ((64 - n) & 63));
        }
    }
    uint32_t w = (uint32_t)v;
    switch (type) {
    case 0: return (uint32_t)(w << n);
    case 1: return w >> n;
    case 2: return (uint32_t)((int32_t)w >> n);
    default: return (uint32_t)((w >> n) | (w << ((32 - n) & 31)));
    }
}

/* AND/ORR/EOR/ANDS and their inverted forms BIC/ORN/EON/BICS (shifted register): op->imm = shift
 * amount. */
static inline __attribute__((always_inline)) int
logic_body(arm_cpu *c, const a64_op *op, unsigned sf, unsigned type, unsigned neg, unsigned opc) {
    uint64_t b = shift_op(sf, type, c->x[op->rm], (unsigned)op->imm);
    write_x(c, op->rd, logic_op(c, sf, opc, c->x[op->rn], neg ? ~b : b));
    return A64_NEXT;
}
#define LOGIC_FN(sf, type, neg, opc)                                                               \
    static int logic_##sf##_##type##_##neg##_##opc(arm_cpu *c, const a64_op *op) {                 \
        return logic_body(c, op, sf, type, neg, opc);                                              \
    }
#define LOGIC_OPCS(sf, type, neg)                                                                  \
    LOGIC_FN(sf, type, neg, 0)                                                                     \
    LOGIC_FN(sf, type, neg, 1) LOGIC_FN(sf, type, neg, 2) LOGIC_FN(sf, type, neg, 3)
#define LOGIC_NEGS(sf, type) LOGIC_OPCS(sf, type, 0) LOGIC_OPCS(sf, type, 1)
#define LOGIC_TYPES(sf)      LOGIC_NEGS(sf, 0) LOGIC_NEGS(sf, 1) LOGIC_NEGS(sf, 2) LOGIC_NEGS(sf, 3)
LOGIC_TYPES(0)
LOGIC_TYPES(1)
#define LOGIC_ROW(sf, type, neg)                                                                   \
    {                                                                                              \
        logic_##sf##_##type##_##neg##_0, logic_##sf##_##type##_##neg##_1,                          \
            logic_##sf##_##type##_##neg##_2, logic_##sf##_##type##_##neg##_3                       \
    }
#define LOGIC_TYPE_ROWS(sf, type)                                                                  \
    { LOGIC_ROW(sf, type, 0), LOGIC_ROW(sf, type, 1) }
#define LOGIC_SF_ROWS(sf)                                                                          \
    {                                                                                              \
        LOGIC_TYPE_ROWS(sf, 0), LOGIC_TYPE_ROWS(sf, 1), LOGIC_TYPE_ROWS(sf, 2),                    \
            LOGIC_TYPE_ROWS(sf, 3)                                                                 \
    }
/* [sf][type][N][opc] */
static const a64_handler logic_shift_fns[2][4][2][4] = {LOGIC_SF_ROWS(0), LOGIC_SF_ROWS(1)};

/* ADD/ADDS/SUB/SUBS (shifted register, LSL/LSR/ASR): op->imm = shift amount; no SP operands. */
static inline __attribute__((always_inline)) int
addsub_body(arm_cpu *c, const a64_op *op, unsigned sf, unsigned type, unsigned opc) {
    unsigned sub = opc >> 1, setflags = opc & 1;
    uint64_t a = c->x[op->rn], b = shift_op(sf, type, c->x[op->rm], (unsigned)op->imm), r;
    if (setflags)
        r = add_with_carry(sf, a, sub ? ~b : b, sub, &c->nzcv);
    else
        r = sub ? a - b : a + b;
    write_x(c, op->rd, sf_mask(sf, r));
    return A64_NEXT;
}
#define ADDSUB_FN(sf, type, opc)                                                                   \
    static int addsub_##sf##_##type##_##opc(arm_cpu *c, const a64_op *op) {                        \
        return addsub_body(c, op, sf, type, opc);                                                  \
    }
#define ADDSUB_OPCS(sf, type)                                                                      \
    ADDSUB_FN(sf, type, 0) ADDSUB_FN(sf, type, 1) ADDSUB_FN(sf, type, 2) ADDSUB_FN(sf, type, 3)
#define ADDSUB_TYPES(sf) ADDSUB_OPCS(sf, 0) ADDSUB_OPCS(sf, 1) ADDSUB_OPCS(sf, 2)
ADDSUB_TYPES(0)
ADDSUB_TYPES(1)
#define ADDSUB_ROW(sf, type)                                                                       \
    {                                                                                              \
        addsub_##sf##_##type##_0, addsub_##sf##_##type##_1, addsub_##sf##_##type##_2,              \
            addsub_##sf##_##type##_3                                                               \
    }
/* [sf][type][sub:S] */
static const a64_handler addsub_shift_fns[2][3][4] = {
    {ADDSUB_ROW(0, 0), ADDSUB_ROW(0, 1), ADDSUB_ROW(0, 2)},
    {ADDSUB_ROW(1, 0), ADDSUB_ROW(1, 1), ADDSUB_ROW(1, 2)}};

/* ADD/ADDS/SUB/SUBS (extended register): op->ra = option, op->imm = shift (<= 4). Rn may be SP;
 * Rd may be SP without flags, XZR with. */
static inline __attribute__((always_inline)) int addsub_ext_body(arm_cpu *c, const a64_op *op,
                                                                 unsigned sf, unsigned opc) {
    unsigned sub = opc >> 1, setflags = opc & 1;
    uint64_t a = base_reg(c, op->rn), b = extend_reg(c->x[op->rm], op->ra, (unsigned)op->imm), r;
    if (setflags) {
        r = add_with_carry(sf, a, sub ? ~b : b, sub, &c->nzcv);
        write_x(c, op->rd, sf_mask(sf, r));
        return A64_NEXT;
    }
    r = sf_mask(sf, sub ? a - b : a + b);
    if (op->rd == 31)
        c->sp = r;
    else
        c->x[op->rd] = r;
    return A64_NEXT;
}
#define ADDSUB_EXT_FN(sf, opc)                                                                     \
    static int addsub_ext_##sf##_##opc(arm_cpu *c, const a64_op *op) {                             \
        return addsub_ext_body(c, op, sf, opc);                                                    \
    }
ADDSUB_EXT_FN(0, 0)
ADDSUB_EXT_FN(0, 1)
ADDSUB_EXT_FN(0, 2)
ADDSUB_EXT_FN(0, 3)
ADDSUB_EXT_FN(1, 0)
ADDSUB_EXT_FN(1, 1)
ADDSUB_EXT_FN(1, 2)
ADDSUB_EXT_FN(1, 3)
static const a64_handler addsub_ext_fns[2][4] = {
    {addsub_ext_0_0, addsub_ext_0_1, addsub_ext_0_2, addsub_ext_0_3},
    {addsub_ext_1_0, addsub_ext_1_1, addsub_ext_1_2, addsub_ext_1_3}};

/* ADC/ADCS/SBC/SBCS. */
static inline __attribute__((always_inline)) int adc_body(arm_cpu *c, const a64_op *op, unsigned sf,
                                                          unsigned opc) {
    unsigned sub = opc >> 1, setflags = opc & 1;
    uint64_t a = c->x[op->rn], b = c->x[op->rm];
    uint32_t nzcv;
    uint64_t r = add_with_carry(sf, a, sub ? ~b : b, (c->nzcv >> 29) & 1, &nzcv);
    if (setflags) c->nzcv = nzcv;
    write_x(c, op->rd, sf_mask(sf, r));
    return A64_NEXT;
}
#define ADC_FN(sf, opc)                                                                            \
    static int adc_##sf##_##opc(arm_cpu *c, const a64_op *op) {                                    \
        return adc_body(c, op, sf, opc);                                                           \
    }
ADC_FN(0, 0)
ADC_FN(0, 1)
ADC_FN(0, 2)
ADC_FN(0, 3)
ADC_FN(1, 0)
ADC_FN(1, 1)
ADC_FN(1, 2)
ADC_FN(1, 3)
static const a64_handler adc_fns[2][4] = {{adc_0_0, adc_0_1, adc_0_2, adc_0_3},
                                          {adc_1_0, adc_1_1, adc_1_2, adc_1_3}};

/* CSEL/CSINC/CSINV/CSNEG: op->aux = 16-bit mask of the NZCV values for which the condition
 * holds. */
static inline __attribute__((always_inline)) int
csel_body(arm_cpu *c, const a64_op *op, unsigned sf, unsigned inv, unsigned inc) {
    uint64_t r;
    if ((op->aux >> (c->nzcv >> 28)) & 1) {
        r = c->x[op->rn];
    } else {
        r = c->x[op->rm];
        if (inv) r = ~r;
        if (inc) r++;
    }
    write_x(c, op->rd, sf_mask(sf, r));
    return A64_NEXT;
}
#define CSEL_FN(sf, inv, inc)                                                                      \
    static int csel_##sf##_##inv##_##inc(arm_cpu *c, const a64_op *op) {                           \
        return csel_body(c, op, sf, inv, inc);                                                     \
    }
CSEL_FN(0, 0, 0)
CSEL_FN(0, 0, 1)
CSEL_FN(0, 1, 0)
CSEL_FN(0, 1, 1)
CSEL_FN(1, 0, 0)
CSEL_FN(1, 0, 1)
CSEL_FN(1, 1, 0)
CSEL_FN(1, 1, 1)
/* [sf][inv:inc] */
static const a64_handler csel_fns[2][4] = {{csel_0_0_0, csel_0_0_1, csel_0_1_0, csel_0_1_1},
                                           {csel_1_0_0, csel_1_0_1, csel_1_1_0, csel_1_1_1}};

/* LSLV/LSRV/ASRV/RORV. */
static inline __attribute__((always_inline)) int shiftv_body(arm_cpu *c, const a64_op *op,
                                                             unsigned sf, unsigned type) {
    unsigned amount = (unsigned)c->x[op->rm] & (sf ? 63 : 31);
    write_x(c, op->rd, shift_op(sf, type, c->x[op->rn], amount));
    return A64_NEXT;
}
#define SHIFTV_FN(sf, type)                                                                        \
    static int shiftv_##sf##_##type(arm_cpu *c, const a64_op *op) {                                \
        return shiftv_body(c, op, sf, type);                                                       \
    }
SHIFTV_FN(0, 0)
SHIFTV_FN(0, 1)
SHIFTV_FN(0, 2)
SHIFTV_FN(0, 3)
SHIFTV_FN(1, 0)
SHIFTV_FN(1, 1)
SHIFTV_FN(1, 2)
SHIFTV_FN(1, 3)
static const a64_handler shiftv_fns[2][4] = {{shiftv_0_0, shiftv_0_1, shiftv_0_2, shiftv_0_3},
                                             {shiftv_1_0, shiftv_1_1, shiftv_1_2, shiftv_1_3}};

/* MUL (MADD with Ra = XZR), MADD, MSUB: op->ra = Ra. */
static int mul_64(arm_cpu *c, const a64_op *op) {
    write_x(c, op->rd, c->x[op->rn] * c->x[op->rm]);
    return A64_NEXT;
}
static int mul_32(arm_cpu *c, const a64_op *op) {
    write_x(c, op->rd, (uint32_t)(c->x[op->rn] * c->x[op->rm]));
    return A64_NEXT;
}
static int madd_64(arm_cpu *c, const a64_op *op) {
    write_x(c, op->rd, c->x[op->ra] + c->x[op->rn] * c->x[op->rm]);
    return A64_NEXT;
}
static int madd_32(arm_cpu *c, const a64_op *op) {
    write_x(c, op->rd, (uint32_t)(c->x[op->ra] + c->x[op->rn] * c->x[op->rm]));
    return A64_NEXT;
}
static int msub_64(arm_cpu *c, const a64_op *op) {
    write_x(c, op->rd, c->x[op->ra] - c->x[op->rn] * c->x[op->rm]);
    return A64_NEXT;
}
static int msub_32(arm_cpu *c, const a64_op *op) {
    write_x(c, op->rd, (uint32_t)(c->x[op->ra] - c->x[op->rn] * c->x[op->rm]));
    return A64_NEXT;
}
static int umulh(arm_cpu *c, const a64_op *op) {
    write_x(c, op->rd, (uint64_t)(((unsigned __int128)c->x[op->rn] * c->x[op->rm]) >> 64));
    return A64_NEXT;
}
static int smulh(arm_cpu *c, const a64_op *op) {
    write_x(c, op->rd, (uint64_t)(((__int128)(int64_t)c->x[op->rn] * (int64_t)c->x[op->rm]) >> 64));
    return A64_NEXT;
}

/* EXTR (ROR immediate included): op->imm = lsb, nonzero for the 64-bit form. */
static int extr_64(arm_cpu *c, const a64_op *op) {
    unsigned lsb = (unsigned)op->imm;
    write_x(c, op->rd, (c->x[op->rm] >> lsb) | (c->x[op->rn] << (64 - lsb)));
    return A64_NEXT;
}
static int extr_32(arm_cpu *c, const a64_op *op) {
    uint64_t v = ((uint64_t)(uint32_t)c->x[op->rn] << 32) | (uint32_t)c->x[op->rm];
    write_x(c, op->rd, (uint32_t)(v >> op->imm));
    return A64_NEXT;
}

/* ADDS (immediate), CMN included: op->imm is the addend; Rn may be SP, Rd may not. */
static int addsi_64(arm_cpu *c, const a64_op *op) {
    write_x(c, op->rd, add_with_carry(1, base_reg(c, op->rn), op->imm, 0, &c->nzcv));
    return A64_NEXT;
}
static int addsi_32(arm_cpu *c, const a64_op *op) {
    write_x(c, op->rd, (uint32_t)add_with_carry(0, base_reg(c, op->rn), op->imm, 0, &c->nzcv));
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

/* ---- Hints with no effect (NOP, CSDB, ...): they need not end the block ------------------ */
/* Also ISB: every instruction that changes translation or code ends its block itself. */
static int hint_nop(arm_cpu *c, const a64_op *op) {
    (void)c;
    (void)op;
    return A64_NEXT;
}

/* ---- MRS of registers whose reads have no side effect and do not depend on time ------------
 * (the thread pointers, SP_EL0, flags, IDs, SCTLR): the register is looked up at decode time
 * (op->imm), the access checks stay, and the block need not end after it. */
static int mrs_plain(arm_cpu *c, const a64_op *op) {
    const sysreg_def *r = (const sysreg_def *)(uintptr_t)op->imm;
    int chk = sysreg_check(c, r, true);
    if (unlikely(chk != SR_OK)) return a64_msr_mrs(c, op); /* it takes the trap */
    write_x(c, op->rd, sysreg_read(c, r));
    return A64_NEXT;
}
static bool mrs_is_plain(uint32_t enc) {
    static const uint32_t plain[] = {
        SYSREG_ENC(3, 0, 4, 1, 0),  /* SP_EL0 */
        SYSREG_ENC(3, 0, 13, 0, 4), /* TPIDR_EL1 */
        SYSREG_ENC(3, 3, 13, 0, 2), /* TPIDR_EL0 */
        SYSREG_ENC(3, 3, 13, 0, 3), /* TPIDRRO_EL0 */
        SYSREG_ENC(3, 3, 4, 2, 0),  /* NZCV */
        SYSREG_ENC(3, 3, 4, 2, 1),  /* DAIF */
        SYSREG_ENC(3, 0, 4, 2, 2),  /* CurrentEL */
        SYSREG_ENC(3, 0, 1, 0, 0),  /* SCTLR_EL1 */
        SYSREG_ENC(3, 0, 0, 0, 5),  /* MPIDR_EL1 */
        SYSREG_ENC(3, 3, 0, 0, 1),  /* CTR_EL0 */
        SYSREG_ENC(3, 3, 0, 0, 7),  /* DCZID_EL0 */
        SYSREG_ENC(3, 3, 4, 4, 0),  /* FPCR */
        SYSREG_ENC(3, 3, 4, 4, 1),  /* FPSR */
    };
    for (unsigned k = 0; k < sizeof plain / sizeof plain[0]; k++)
        if (plain[k] == enc) return true;
    return false;
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
        } else {
            op->imm = imm;
            fn = sub ? (sf ? subsi_64 : subsi_32) : (sf ? addsi_64 : addsi_32);
        }
        break;
    }
    case A64_ENC_ADDSUB_SHIFT: {
        unsigned type = (i >> 22) & 3, amount = (i >> 10) & 63;
        if (type == 3 || (!sf && amount >= 32)) break;
        op->imm = amount;
        fn = addsub_shift_fns[sf][amount ? type : 0][(i >> 29) & 3];
        break;
    }
    case A64_ENC_LOGIC_SHIFT: {
        unsigned type = (i >> 22) & 3, amount = (i >> 10) & 63;
        if (!sf && amount >= 32) break;
        op->imm = amount;
        fn = logic_shift_fns[sf][amount ? type : 0][(i >> 21) & 1][(i >> 29) & 3];
        break;
    }
    case A64_ENC_ADDSUB_EXT: {
        unsigned shift = (i >> 10) & 7;
        if (shift > 4) break;
        op->ra = (uint8_t)((i >> 13) & 7);
        op->imm = shift;
        fn = addsub_ext_fns[sf][(i >> 29) & 3];
        break;
    }
    case A64_ENC_ADC_SBC: fn = adc_fns[sf][(i >> 29) & 3]; break;
    case A64_ENC_CSEL: {
        unsigned cond = (i >> 12) & 15, mask = 0;
        for (unsigned f = 0; f < 16; f++)
            mask |= (unsigned)cond_holds(f << 28, cond) << f;
        op->aux = mask;
        fn = csel_fns[sf][(((i >> 30) & 1) << 1) | ((i >> 10) & 1)];
        break;
    }
    case A64_ENC_SHIFT_VAR: fn = shiftv_fns[sf][(i >> 10) & 3]; break;
    case A64_ENC_MADD_MSUB: {
        unsigned ra = (i >> 10) & 31, sub = (i >> 15) & 1;
        op->ra = (uint8_t)ra;
        if (!sub && ra == 31)
            fn = sf ? mul_64 : mul_32;
        else
            fn = sub ? (sf ? msub_64 : msub_32) : (sf ? madd_64 : madd_32);
        break;
    }
    case A64_ENC_MULH: fn = (i >> 23) & 1 ? umulh : smulh; break;
    case A64_ENC_EXTR: {
        unsigned n = (i >> 22) & 1, lsb = (i >> 10) & 63;
        if (n != sf || (!sf && lsb >= 32) || (sf && lsb == 0)) break;
        op->imm = lsb;
        fn = sf ? extr_64 : extr_32;
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
    case A64_ENC_MRS: {
        const sysreg_def *r = mrs_is_plain((i >> 5) & 0xffff) ? sysreg_find((i >> 5) & 0xffff) : 0;
        if (!r) break;
        op->imm = (uintptr_t)r;
        op->rd = (uint8_t)rd;
        op->fn = mrs_plain;
        return;
    }
    case A64_ENC_SYS:
        if (a64_dc_stays_in_block(i)) op->fn = a64_dc_in_block;
        return;
    case A64_ENC_ISB: op->fn = hint_nop; return;
    case A64_ENC_HINT: {
        unsigned hint = (i >> 5) & 0x7f; /* 1..5: YIELD, WFE, WFI, SEV, SEVL act */
        if (hint == 0 || hint > 5) {
            op->fn = hint_nop;
            return;
        }
        break;
    }
    default: break;
    }
    if (!fn) return;
    op->rd = (uint8_t)rd;
    op->rn = (uint8_t)rn;
    if (op->enc != A64_ENC_BITFIELD) op->rm = (uint8_t)rm;
    if (op->enc != A64_ENC_LDST_REG && op->enc != A64_ENC_LDST_PAIR &&
        op->enc != A64_ENC_BITFIELD && op->enc != A64_ENC_LDST_IMM9 &&
        op->enc != A64_ENC_ADDSUB_EXT && op->enc != A64_ENC_MADD_MSUB)
        op->ra = 0;
    op->fn = fn;
}
