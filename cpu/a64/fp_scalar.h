/* Shared by the scalar floating-point handlers (fp_dp.c, fp_cmp.c, fp_cvt.c): the `type` field
 * and scalar register access. The A53 has no FEAT_FP16: half precision (type 11) is only an FCVT
 * operand, every other half-precision form is UNDEFINED. */
#ifndef CPU_A64_FP_SCALAR_H
#define CPU_A64_FP_SCALAR_H

#include "a64/a64.h"
#include "fpu/softfloat.h"

/* The ftype field, bits 23:22. */
enum { FTYPE_S = 0, FTYPE_D = 1, FTYPE_RESERVED = 2, FTYPE_H = 3 };

static inline unsigned fp_type_of(uint32_t insn) {
    return (insn >> 22) & 3;
}
/* Single or double: the only types arithmetic accepts on the A53. */
static inline bool fp_type_is_sd(unsigned type) {
    return type <= FTYPE_D;
}
/* The low 32 (S) or 64 (D) bits of Vn. */
static inline uint64_t fp_read(const arm_cpu *c, unsigned n, bool dbl) {
    return dbl ? (uint64_t)c->v[n] : (uint32_t)c->v[n];
}
/* Scalar writes clear the rest of the vector register. */
static inline void fp_write(arm_cpu *c, unsigned n, uint64_t bits) {
    c->v[n] = bits;
}

#endif
