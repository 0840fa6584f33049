/* What every A64 handler needs: the PC of its instruction, exception entry, the FP access check
 * and a few bit helpers. Handler conventions are described in cpu/README.md. */
#ifndef CPU_A64_A64_H
#define CPU_A64_A64_H

#include "a64_decode.h"
#include "arch/exception.h"
#include "arm_cpu.h"
#include "mem/mem.h"

/* Ends the block after this instruction: execution continues at target. */
static inline int a64_branch(arm_cpu *c, uint64_t target) {
    c->pc = target;
    return A64_EXIT_RETIRED;
}
static inline int a64_next_and_exit(arm_cpu *c, const a64_op *op) {
    return a64_branch(c, op_pc(c, op) + 4);
}

/* Synchronous exception caused by op (ELR = its PC): returns A64_EXIT_FAULT for the handler. */
int a64_raise(arm_cpu *c, const a64_op *op, uint32_t ec, uint32_t iss);
int a64_raise_to(arm_cpu *c, const a64_op *op, unsigned el, uint32_t ec, uint32_t iss);
/* Exception return from the current EL using SPSR_ELx/ELR_ELx. */
void a64_exception_return(arm_cpu *c);

/* FP/SIMD access check (CPACR_EL1.FPEN, CPTR_EL2/EL3.TFP): every FP/SIMD handler starts with
 *   if (unlikely(cpu->fp_trap_el)) return a64_fp_trap(cpu, op); */
int a64_fp_trap(arm_cpu *c, const a64_op *op);
/* DC ZVA and the cache-maintenance DCs (system.c): whether a SYS encoding is one of them, and
 * the handler that runs it without ending the block. */
bool a64_dc_stays_in_block(uint32_t insn);
int a64_dc_in_block(arm_cpu *c, const a64_op *op);

/* Condition codes (B.cond, CSEL, CCMP): bit NZCV (the flags as a 4-bit number) of the mask of
 * the condition says whether it holds. */
static inline bool cond_holds(uint32_t nzcv, unsigned cond) {
    static const uint16_t masks[16] = {0xf0f0, 0x0f0f, 0xcccc, 0x3333, 0xff00, 0x00ff,
                                       0xaaaa, 0x5555, 0x0c0c, 0xf3f3, 0xaa55, 0x55aa,
                                       0x0a05, 0xf5fa, 0xffff, 0xffff};
    return (masks[cond & 15] >> (nzcv >> 28)) & 1;
}

/* AddWithCarry for 64- and 32-bit operands: result and NZCV. */
static inline uint64_t add_with_carry(unsigned sf, uint64_t a, uint64_t b, unsigned carry_in,
                                      uint32_t *nzcv) {
    if (sf) {
        uint64_t r = a + b + carry_in;
        bool carry = carry_in ? r <= a : r < a;
        bool ovf = ((~(a ^ b) & (a ^ r)) >> 63) & 1;
        *nzcv = (uint32_t)((r >> 63) << 31) | (r == 0 ? NZCV_Z : 0) | (carry ? NZCV_C : 0) |
                (ovf ? NZCV_V : 0);
        return r;
    }
    uint32_t a32 = (uint32_t)a, b32 = (uint32_t)b;
    uint64_t wide = (uint64_t)a32 + b32 + carry_in;
    uint32_t r = (uint32_t)wide;
    bool ovf = ((~(a32 ^ b32) & (a32 ^ r)) >> 31) & 1;
    *nzcv = ((r >> 31) << 31) | (r == 0 ? NZCV_Z : 0) | ((wide >> 32) ? NZCV_C : 0) |
            (ovf ? NZCV_V : 0);
    return r;
}
static inline uint32_t nzcv_logic(unsigned sf, uint64_t r) {
    if (!sf) r = (uint64_t)(uint32_t)r << 32;
    return (uint32_t)((r >> 63) << 31) | (r == 0 ? NZCV_Z : 0);
}

/* The logical instructions' operation: AND, ORR, EOR, ANDS for opc 0-3, the result masked to
 * the register width; ANDS also sets NZCV. */
static inline uint64_t logic_op(arm_cpu *c, unsigned sf, unsigned opc, uint64_t a, uint64_t b) {
    uint64_t r = sf_mask(sf, opc == 1 ? a | b : opc == 2 ? a ^ b : a & b);
    if (opc == 3) c->nzcv = nzcv_logic(sf, r);
    return r;
}

static inline uint64_t sign_extend(uint64_t v, unsigned bits) {
    return (uint64_t)((int64_t)(v << (64 - bits)) >> (64 - bits));
}
static inline uint64_t ror64(uint64_t v, unsigned n, unsigned width) {
    n %= width;
    if (!n) return v;
    if (width == 64) return (v >> n) | (v << (64 - n));
    uint32_t w = (uint32_t)v;
    return (uint32_t)((w >> n) | (w << (32 - n)));
}
/* DecodeBitMasks (logical immediates and bitfields): false if reserved. */
bool decode_bit_masks(unsigned n, unsigned imms, unsigned immr, bool immediate, unsigned width,
                      uint64_t *wmask, uint64_t *tmask);

/* Extend a register value (ADD extended, register-offset addressing). */
static inline uint64_t extend_reg(uint64_t v, unsigned option, unsigned shift) {
    switch (option) {
    case 0: v = (uint8_t)v; break;
    case 1: v = (uint16_t)v; break;
    case 2: v = (uint32_t)v; break;
    case 4: v = (uint64_t)(int64_t)(int8_t)v; break;
    case 5: v = (uint64_t)(int64_t)(int16_t)v; break;
    case 6: v = (uint64_t)(int64_t)(int32_t)v; break;
    default: break;
    }
    return v << shift;
}

#endif
