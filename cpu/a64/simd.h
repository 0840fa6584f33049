/* Private helpers of the AdvSIMD handlers (a64/simd_*.c): register lanes, encoding fields shared
 * by every AdvSIMD group, saturation with FPSR.QC, and element-wise engines that the handlers
 * instantiate with a small inline lane function (the compiler specialises each per size).
 * Lanes are little-endian in the host (the emulator only builds on little-endian hosts). */
#ifndef CPU_A64_SIMD_H
#define CPU_A64_SIMD_H

#include "a64/a64.h"
#include "fpu/softfloat.h"

#include <string.h>

#define SIMD_INLINE static inline __attribute__((always_inline))
#define FPSR_QC     (1u << 27)

typedef union vreg {
    __uint128_t q;
    uint64_t d[2];
    uint32_t s[4];
    uint16_t h[8];
    uint8_t b[16];
} vreg;

/* Fields common to the AdvSIMD groups. */
static inline unsigned f_rd(uint32_t i) {
    return i & 31;
}
static inline unsigned f_rn(uint32_t i) {
    return (i >> 5) & 31;
}
static inline unsigned f_rm(uint32_t i) {
    return (i >> 16) & 31;
}
static inline unsigned f_size(uint32_t i) {
    return (i >> 22) & 3;
}
static inline bool f_q(uint32_t i) {
    return (i >> 30) & 1;
}
static inline bool f_u(uint32_t i) {
    return (i >> 29) & 1;
}
/* Scalar AdvSIMD groups have bit 28 set, the vector ones clear. */
static inline bool f_scalar(uint32_t i) {
    return (i >> 28) & 1;
}

#define SIMD_PROLOGUE()                                                                            \
    do {                                                                                           \
        if (unlikely(cpu->fp_trap_el)) return a64_fp_trap(cpu, op);                                \
    } while (0)

static inline vreg vget(const arm_cpu *cpu, unsigned n) {
    vreg v;
    v.q = cpu->v[n];
    return v;
}
/* A 64-bit (or scalar) result clears bits 127:64. */
static inline void vput(arm_cpu *cpu, unsigned n, vreg v, bool q) {
    if (!q) v.d[1] = 0;
    cpu->v[n] = v.q;
}

SIMD_INLINE uint64_t lane(const vreg *v, unsigned size, unsigned i) {
    switch (size) {
    case 0: return v->b[i];
    case 1: return v->h[i];
    case 2: return v->s[i];
    default: return v->d[i];
    }
}
SIMD_INLINE void set_lane(vreg *v, unsigned size, unsigned i, uint64_t x) {
    switch (size) {
    case 0: v->b[i] = (uint8_t)x; break;
    case 1: v->h[i] = (uint16_t)x; break;
    case 2: v->s[i] = (uint32_t)x; break;
    default: v->d[i] = x; break;
    }
}

/* Calls BODY_FN(args..., size) with a compile-time constant size so that the always-inline
 * lane()/set_lane() inside fold to plain array accesses. */
#define SIMD_BY_SIZE(size, call)                                                                   \
    do {                                                                                           \
        switch (size) {                                                                            \
        case 0: call(0); break;                                                                    \
        case 1: call(1); break;                                                                    \
        case 2: call(2); break;                                                                    \
        default: call(3); break;                                                                   \
        }                                                                                          \
    } while (0)

static inline uint64_t emask(unsigned esize) {
    return esize >= 64 ? ~0ull : (1ull << esize) - 1;
}
static inline int64_t sx(uint64_t v, unsigned esize) {
    return esize >= 64 ? (int64_t)v : (int64_t)(v << (64 - esize)) >> (64 - esize);
}
/* SignedSatQ / UnsignedSatQ: clamp to the element range, noting saturation in *qc. */
static inline uint64_t sat_s(__int128 v, unsigned esize, bool *qc) {
    __int128 hi = ((__int128)1 << (esize - 1)) - 1, lo = -hi - 1;
    if (v > hi) return *qc = true, (uint64_t)hi & emask(esize);
    if (v < lo) return *qc = true, (uint64_t)lo & emask(esize);
    return (uint64_t)v & emask(esize);
}
static inline uint64_t sat_u(__int128 v, unsigned esize, bool *qc) {
    __int128 hi = ((__int128)1 << esize) - 1;
    if (v > hi) return *qc = true, (uint64_t)hi;
    if (v < 0) return *qc = true, 0;
    return (uint64_t)v;
}
static inline uint64_t sat_su(__int128 v, unsigned esize, bool is_unsigned, bool *qc) {
    return is_unsigned ? sat_u(v, esize, qc) : sat_s(v, esize, qc);
}
/* The element as an integer of the operation's signedness. */
static inline __int128 as_int(uint64_t v, unsigned esize, bool is_unsigned) {
    return is_unsigned ? (__int128)v : (__int128)sx(v, esize);
}
static inline void set_qc(arm_cpu *cpu, bool qc) {
    if (qc) cpu->fpsr |= FPSR_QC;
}

/* A scalar result: element 0 only, the rest of the register cleared. */
static inline vreg scalar_only(vreg d, unsigned size) {
    vreg r = {0};
    set_lane(&r, size, 0, lane(&d, size, 0));
    return r;
}

/* Elements of a same-size operation: 1 for the scalar groups, else 64 or 128 bits' worth. */
static inline unsigned simd_elems(uint32_t insn, unsigned size) {
    return f_scalar(insn) ? 1 : (8u << f_q(insn)) >> size;
}

/* ---- Element-wise engines (the FP/SIMD access check follows the UNDEFINED checks, as in the
 * Arm ARM where reserved encodings are rejected at decode)
 * ---------------------------------------------------------------- */
/* fn(n, m, d, esize, is_unsigned, &qc) -> new element; d is the old destination element. */
typedef uint64_t lane_fn3(uint64_t n, uint64_t m, uint64_t d, unsigned esize, bool u, bool *qc);

#define SIMD_LANE_LOOP(FIELD, BITS, EXPR_N, EXPR_M)                                                \
    for (unsigned i = 0; i < elems; i++)                                                           \
        d.FIELD[i] = (__typeof__(d.FIELD[0]))fn(EXPR_N, EXPR_M, d.FIELD[i], BITS, u, &qc);

SIMD_INLINE bool lanes3(vreg *dp, const vreg *np, const vreg *mp, unsigned size, unsigned elems,
                        bool u, lane_fn3 *fn) {
    vreg d = *dp;
    bool qc = false;
    switch (size) {
    case 0: SIMD_LANE_LOOP(b, 8, np->b[i], mp->b[i]) break;
    case 1: SIMD_LANE_LOOP(h, 16, np->h[i], mp->h[i]) break;
    case 2: SIMD_LANE_LOOP(s, 32, np->s[i], mp->s[i]) break;
    default: SIMD_LANE_LOOP(d, 64, np->d[i], mp->d[i]) break;
    }
    *dp = d;
    return qc;
}

/* Size rules of a same-size integer operation. */
enum {
    SZ_ANY = 0,
    SZ_NO_D = 1,       /* size 3 reserved */
    SZ_HS = 2,         /* only 16- and 32-bit elements */
    SZ_B = 4,          /* only bytes */
    SZ_SCALAR_D = 8,   /* the scalar form exists for 64-bit elements only */
    SZ_NO_SCALAR = 16, /* vector only */
};
static inline bool simd_size_ok(uint32_t insn, unsigned size, unsigned rules) {
    bool scalar = f_scalar(insn);
    if ((rules & SZ_NO_D) && size == 3) return false;
    if ((rules & SZ_HS) && (size == 0 || size == 3)) return false;
    if ((rules & SZ_B) && size != 0) return false;
    if (scalar) return !(rules & SZ_NO_SCALAR) && (!(rules & SZ_SCALAR_D) || size == 3);
    return !(size == 3 && !f_q(insn));
}

/* A same-size three-register operation (vector or scalar form of one encoding) with the second
 * operand given (a register, or a broadcast element for the by-element forms). */
SIMD_INLINE int simd_three_m(arm_cpu *cpu, const a64_op *op, unsigned rules, lane_fn3 *fn,
                             const vreg *m) {
    uint32_t insn = op->insn;
    unsigned size = f_size(insn);
    if (!simd_size_ok(insn, size, rules)) return a64_undef(cpu, op);
    SIMD_PROLOGUE();
    vreg n = vget(cpu, f_rn(insn)), d = vget(cpu, f_rd(insn));
    bool qc = lanes3(&d, &n, m, size, simd_elems(insn, size), f_u(insn), fn);
    set_qc(cpu, qc);
    if (f_scalar(insn)) d = scalar_only(d, size);
    vput(cpu, f_rd(insn), d, f_q(insn) && !f_scalar(insn));
    return A64_NEXT;
}
SIMD_INLINE int simd_three(arm_cpu *cpu, const a64_op *op, unsigned rules, lane_fn3 *fn) {
    vreg m = vget(cpu, f_rm(op->insn));
    return simd_three_m(cpu, op, rules, fn, &m);
}

/* A same-size two-register operation: fn(n, 0, d, ...). */
SIMD_INLINE int simd_two(arm_cpu *cpu, const a64_op *op, unsigned rules, lane_fn3 *fn) {
    uint32_t insn = op->insn;
    unsigned size = f_size(insn);
    if (!simd_size_ok(insn, size, rules)) return a64_undef(cpu, op);
    SIMD_PROLOGUE();
    vreg n = vget(cpu, f_rn(insn)), zero = {0}, d = vget(cpu, f_rd(insn));
    bool qc = lanes3(&d, &n, &zero, size, simd_elems(insn, size), f_u(insn), fn);
    set_qc(cpu, qc);
    if (f_scalar(insn)) d = scalar_only(d, size);
    vput(cpu, f_rd(insn), d, f_q(insn) && !f_scalar(insn));
    return A64_NEXT;
}

/* Register shifts (SSHL, SRSHL, SQSHL, SQRSHL and unsigned forms): shift by the signed low byte
 * of the second operand; negative shifts go right, optionally rounding. */
static inline uint64_t shift_by_reg(uint64_t a, int shift, unsigned esize, bool u, bool round,
                                    bool saturate, bool *qc) {
    __int128 x = as_int(a, esize, u), r;
    if (shift >= 0) {
        if (x == 0)
            r = 0;
        else if (shift >= 64)
            r = x < 0 ? -((__int128)1 << 100) : ((__int128)1 << 100);
        else
            r = (__int128)((unsigned __int128)x << shift);
    } else {
        int k = -shift;
        if (round) {
            if (k > 65) k = 65;
            r = (x + ((__int128)1 << (k - 1))) >> k;
        } else {
            if (k > 64) k = 64;
            r = x >> k;
        }
    }
    if (saturate) return sat_su(r, esize, u, qc);
    return (uint64_t)r & emask(esize);
}

/* ---- Floating point ---------------------------------------------------------------------- */
typedef f32 fp32_fn2(f32 a, f32 b, f32 d, fp_status *st);
typedef f64 fp64_fn2(f64 a, f64 b, f64 d, fp_status *st);

/* Element count of an FP operation with the size bit at 22: reserved sz=1,Q=0 is caught by the
 * caller through fp_shape_ok. */
static inline bool fp_shape_ok(uint32_t insn) {
    return f_scalar(insn) || !(((insn >> 22) & 1) && !f_q(insn));
}
static inline unsigned fp_elems(uint32_t insn) {
    bool dbl = (insn >> 22) & 1;
    return f_scalar(insn) ? 1 : (f_q(insn) ? 4u : 2u) >> dbl;
}

/* FP three-register same-size operation (vector or scalar); fn gets (n, m, d); m is a register
 * or a broadcast element. */
SIMD_INLINE int simd_fp3_m(arm_cpu *cpu, const a64_op *op, fp32_fn2 *f32fn, fp64_fn2 *f64fn,
                           const vreg *m) {
    uint32_t insn = op->insn;
    if (!fp_shape_ok(insn)) return a64_undef(cpu, op);
    SIMD_PROLOGUE();
    vreg n = vget(cpu, f_rn(insn)), d = vget(cpu, f_rd(insn));
    fp_status st = {cpu->fpcr, 0};
    unsigned elems = fp_elems(insn);
    if ((insn >> 22) & 1)
        for (unsigned i = 0; i < elems; i++)
            d.d[i] = f64fn(n.d[i], m->d[i], d.d[i], &st);
    else
        for (unsigned i = 0; i < elems; i++)
            d.s[i] = f32fn(n.s[i], m->s[i], d.s[i], &st);
    cpu->fpsr |= st.fpsr;
    if (f_scalar(insn)) d = scalar_only(d, 2 + ((insn >> 22) & 1));
    vput(cpu, f_rd(insn), d, f_q(insn) && !f_scalar(insn));
    return A64_NEXT;
}
SIMD_INLINE int simd_fp3(arm_cpu *cpu, const a64_op *op, fp32_fn2 *f32fn, fp64_fn2 *f64fn) {
    vreg m = vget(cpu, f_rm(op->insn));
    return simd_fp3_m(cpu, op, f32fn, f64fn, &m);
}

/* Widening operations shared by the three-different and by-element groups, named by their
 * three-different opcode (bits 15:12): SMLAL, SQDMULL, PMULL, ... Element size from bits 23:22;
 * m is a register or a broadcast element. */
enum {
    LONG_ADDL = 0x0,
    LONG_SUBL = 0x2,
    LONG_ABAL = 0x5,
    LONG_ABDL = 0x7,
    LONG_MLAL = 0x8,
    LONG_QDMLAL = 0x9,
    LONG_MLSL = 0xa,
    LONG_QDMLSL = 0xb,
    LONG_MULL = 0xc,
    LONG_QDMULL = 0xd,
    LONG_PMULL = 0xe
};
int simd_long_op(arm_cpu *cpu, const a64_op *op, unsigned kind, const vreg *m);

/* Defines a64_<name> as a same-size integer operation with the given size rules; the body is an
 * expression of n, m, d (raw elements), esize, u and qc. */
#define SIMD_INT3(name, rules, expr)                                                               \
    SIMD_INLINE uint64_t lane_##name(uint64_t n, uint64_t m, uint64_t d, unsigned esize, bool u,   \
                                     bool *qc) {                                                   \
        (void)n, (void)m, (void)d, (void)esize, (void)u, (void)qc;                                 \
        return (expr);                                                                             \
    }                                                                                              \
    int a64_##name(arm_cpu *cpu, const a64_op *op) {                                               \
        return simd_three(cpu, op, rules, lane_##name);                                            \
    }
#define SIMD_INT2(name, rules, expr)                                                               \
    SIMD_INLINE uint64_t lane_##name(uint64_t n, uint64_t m, uint64_t d, unsigned esize, bool u,   \
                                     bool *qc) {                                                   \
        (void)n, (void)m, (void)d, (void)esize, (void)u, (void)qc;                                 \
        return (expr);                                                                             \
    }                                                                                              \
    int a64_##name(arm_cpu *cpu, const a64_op *op) {                                               \
        return simd_two(cpu, op, rules, lane_##name);                                              \
    }
/* Defines a64_<name> as a same-size FP operation: expressions of n, m, d and st, written once
 * with P standing for the fp32/fp64 prefix. */
#define SIMD_FP3(name, expr32, expr64)                                                             \
    static f32 f32_##name(f32 n, f32 m, f32 d, fp_status *st) {                                    \
        (void)n, (void)m, (void)d;                                                                 \
        return (expr32);                                                                           \
    }                                                                                              \
    static f64 f64_##name(f64 n, f64 m, f64 d, fp_status *st) {                                    \
        (void)n, (void)m, (void)d;                                                                 \
        return (expr64);                                                                           \
    }                                                                                              \
    int a64_##name(arm_cpu *cpu, const a64_op *op) {                                               \
        return simd_fp3(cpu, op, f32_##name, f64_##name);                                          \
    }

#endif
