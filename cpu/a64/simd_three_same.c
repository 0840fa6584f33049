/* AdvSIMD three same (integer and logical), vector and scalar forms, and the integer pairwise
 * operations (ADDP, SMAXP, ...). The U bit selects the unsigned variant where the pair differs
 * only in signedness; encodings whose U bit names another operation have their own handler. */
#include "a64/simd.h"

/* Signed or unsigned ordering of two raw elements in 64-bit arithmetic (cheaper than the
 * 128-bit as_int on the hot compare/min/max paths). */
static inline bool lane_gt(uint64_t a, uint64_t b, unsigned esize, bool u) {
    return u ? a > b : sx(a, esize) > sx(b, esize);
}

#define N_   as_int(n, esize, u)
#define M_   as_int(m, esize, u)
#define ONES emask(esize)

SIMD_INT3(simd_hadd, SZ_NO_D | SZ_NO_SCALAR, (uint64_t)((N_ + M_) >> 1) & ONES)
SIMD_INT3(simd_rhadd, SZ_NO_D | SZ_NO_SCALAR, (uint64_t)((N_ + M_ + 1) >> 1) & ONES)
SIMD_INT3(simd_hsub, SZ_NO_D | SZ_NO_SCALAR, (uint64_t)((N_ - M_) >> 1) & ONES)
SIMD_INT3(simd_qadd, SZ_ANY, sat_su(N_ + M_, esize, u, qc))
SIMD_INT3(simd_qsub, SZ_ANY, sat_su(N_ - M_, esize, u, qc))
SIMD_INT3(simd_cmgt, SZ_SCALAR_D, lane_gt(n, m, esize, u) ? ONES : 0)
SIMD_INT3(simd_cmge, SZ_SCALAR_D, !lane_gt(m, n, esize, u) ? ONES : 0)
SIMD_INT3(simd_shl_reg, SZ_SCALAR_D, shift_by_reg(n, (int8_t)m, esize, u, false, false, qc))
SIMD_INT3(simd_rshl_reg, SZ_SCALAR_D, shift_by_reg(n, (int8_t)m, esize, u, true, false, qc))
SIMD_INT3(simd_qshl_reg, SZ_ANY, shift_by_reg(n, (int8_t)m, esize, u, false, true, qc))
SIMD_INT3(simd_qrshl_reg, SZ_ANY, shift_by_reg(n, (int8_t)m, esize, u, true, true, qc))
SIMD_INT3(simd_max, SZ_NO_D | SZ_NO_SCALAR, lane_gt(n, m, esize, u) ? n : m)
SIMD_INT3(simd_min, SZ_NO_D | SZ_NO_SCALAR, lane_gt(m, n, esize, u) ? n : m)
SIMD_INT3(simd_abd, SZ_NO_D | SZ_NO_SCALAR, (uint64_t)(N_ > M_ ? N_ - M_ : M_ - N_) & ONES)
SIMD_INT3(simd_aba, SZ_NO_D | SZ_NO_SCALAR, (d + (uint64_t)(N_ > M_ ? N_ - M_ : M_ - N_)) & ONES)
/* U=0 ADD, U=1 SUB. */
SIMD_INT3(simd_add_sub, SZ_SCALAR_D, (u ? n - m : n + m) & ONES)
/* U=0 CMTST, U=1 CMEQ. */
SIMD_INT3(simd_cmtst_cmeq, SZ_SCALAR_D, (u ? n == m : (n & m) != 0) ? ONES : 0)
/* U=0 MLA, U=1 MLS. */
SIMD_INT3(simd_mla_mls, SZ_NO_D | SZ_NO_SCALAR, (u ? d - n * m : d + n * m) & ONES)
SIMD_INT3(simd_mul, SZ_NO_D | SZ_NO_SCALAR, (n * m) & ONES)

static inline uint64_t poly_mul8(uint64_t a, uint64_t b) {
    uint64_t r = 0;
    for (unsigned i = 0; i < 8; i++)
        if ((b >> i) & 1) r ^= a << i;
    return r & 0xff;
}
SIMD_INT3(simd_pmul, SZ_B | SZ_NO_SCALAR, poly_mul8(n, m))

/* SQDMULH (U=0) and SQRDMULH (U=1, rounding): high half of the doubled product, saturated. */
static inline uint64_t sqdmulh(uint64_t n, uint64_t m, unsigned esize, bool round, bool *qc) {
    __int128 p = 2 * (__int128)sx(n, esize) * sx(m, esize);
    if (round) p += (__int128)1 << (esize - 1);
    return sat_s(p >> esize, esize, qc);
}
SIMD_INLINE uint64_t lane_simd_qdmulh(uint64_t n, uint64_t m, uint64_t d, unsigned esize, bool u,
                                      bool *qc) {
    (void)d;
    return sqdmulh(n, m, esize, u, qc);
}
int a64_simd_qdmulh(arm_cpu *cpu, const a64_op *op) {
    return simd_three(cpu, op, SZ_HS, lane_simd_qdmulh);
}

/* AND, BIC, ORR, ORN (U=0) and EOR, BSL, BIT, BIF (U=1), selected by U:size. */
int a64_simd_logic(arm_cpu *cpu, const a64_op *op) {
    SIMD_PROLOGUE();
    uint32_t insn = op->insn;
    __uint128_t n = cpu->v[f_rn(insn)], m = cpu->v[f_rm(insn)], d = cpu->v[f_rd(insn)], r;
    switch ((f_u(insn) << 2) | f_size(insn)) {
    case 0: r = n & m; break;
    case 1: r = n & ~m; break;
    case 2: r = n | m; break;
    case 3: r = n | ~m; break;
    case 4: r = n ^ m; break;
    case 5: r = (d & n) | (~d & m); break;  /* BSL: d selects */
    case 6: r = (m & n) | (~m & d); break;  /* BIT: insert where m is set */
    default: r = (~m & n) | (m & d); break; /* BIF: insert where m is clear */
    }
    vreg v = {.q = r};
    vput(cpu, f_rd(insn), v, f_q(insn));
    return A64_NEXT;
}

/* Pairwise over the concatenation Vm:Vn: element i of the result combines elements 2i and 2i+1
 * (the low half of the result comes from Vn). */
SIMD_INLINE void pairwise_lanes(vreg *d, const vreg *n, const vreg *m, unsigned size, bool q,
                                bool u, lane_fn3 *fn) {
    unsigned esize = 8u << size, half = ((8u << q) >> size) / 2;
    bool qc = false;
    for (unsigned i = 0; i < half; i++) {
        set_lane(d, size, i, fn(lane(n, size, 2 * i), lane(n, size, 2 * i + 1), 0, esize, u, &qc));
        set_lane(d, size, half + i,
                 fn(lane(m, size, 2 * i), lane(m, size, 2 * i + 1), 0, esize, u, &qc));
    }
}
SIMD_INLINE int simd_pairwise(arm_cpu *cpu, const a64_op *op, lane_fn3 *fn, bool allow_d) {
    uint32_t insn = op->insn;
    unsigned size = f_size(insn);
    bool q = f_q(insn), u = f_u(insn);
    if ((size == 3 && (!allow_d || !q))) return a64_undef(cpu, op);
    SIMD_PROLOGUE();
    vreg n = vget(cpu, f_rn(insn)), m = vget(cpu, f_rm(insn)), d = {0};
#define PAIRWISE(sz) pairwise_lanes(&d, &n, &m, sz, q, u, fn)
    SIMD_BY_SIZE(size, PAIRWISE);
#undef PAIRWISE
    vput(cpu, f_rd(insn), d, q);
    return A64_NEXT;
}
SIMD_INLINE uint64_t lane_simd_addp(uint64_t n, uint64_t m, uint64_t d, unsigned esize, bool u,
                                    bool *qc) {
    (void)d, (void)u, (void)qc;
    return (n + m) & ONES;
}
int a64_simd_maxp(arm_cpu *cpu, const a64_op *op) {
    return simd_pairwise(cpu, op, lane_simd_max, false);
}
int a64_simd_minp(arm_cpu *cpu, const a64_op *op) {
    return simd_pairwise(cpu, op, lane_simd_min, false);
}
int a64_simd_addp(arm_cpu *cpu, const a64_op *op) {
    return simd_pairwise(cpu, op, lane_simd_addp, true);
}
