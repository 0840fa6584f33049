/* A small x86-64 instruction emitter: the few dozen instruction forms the A64 block compiler
 * needs, written into a caller-provided buffer. Memory operands are [base + index*scale + disp].
 * Running past the end of the buffer sets `overflow` and stops writing (the caller gives up on
 * the block). Encodings follow the Intel SDM volume 2; tests/unit/test_x86_emit.c checks them
 * against capstone. */
#ifndef CPU_JIT_X86_EMIT_H
#define CPU_JIT_X86_EMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum x86_gpr {
    X86_RAX,
    X86_RCX,
    X86_RDX,
    X86_RBX,
    X86_RSP,
    X86_RBP,
    X86_RSI,
    X86_RDI,
    X86_R8,
    X86_R9,
    X86_R10,
    X86_R11,
    X86_R12,
    X86_R13,
    X86_R14,
    X86_R15,
    X86_NOREG = -1
};

/* Condition codes (the low nibble of Jcc/SETcc/CMOVcc). */
enum x86_cc {
    X86_CC_O = 0,
    X86_CC_NO = 1,
    X86_CC_B = 2,  /* CF = 1 (C) */
    X86_CC_AE = 3, /* CF = 0 (NC) */
    X86_CC_E = 4,
    X86_CC_NE = 5,
    X86_CC_BE = 6,
    X86_CC_A = 7,
    X86_CC_S = 8,
    X86_CC_NS = 9,
    X86_CC_L = 12,
    X86_CC_GE = 13,
    X86_CC_LE = 14,
    X86_CC_G = 15
};

/* The /digit of the 0x81/0x83 group and the two-operand opcode base of each ALU operation. */
enum x86_aluop {
    X86_ADD = 0,
    X86_OR = 1,
    X86_ADC = 2,
    X86_SBB = 3,
    X86_AND = 4,
    X86_SUB = 5,
    X86_XOR = 6,
    X86_CMP = 7
};
/* The /digit of the 0xC1/0xD3 shift group. */
enum x86_shiftop { X86_ROL = 0, X86_ROR = 1, X86_SHL = 4, X86_SHR = 5, X86_SAR = 7 };

typedef struct x86_mem {
    int base, index; /* enum x86_gpr; index X86_NOREG for none */
    unsigned scale;  /* 1, 2, 4, 8 */
    int32_t disp;
} x86_mem;

static inline x86_mem x86_base(int base, int32_t disp) {
    return (x86_mem){base, X86_NOREG, 1, disp};
}
static inline x86_mem x86_sib(int base, int index, unsigned scale, int32_t disp) {
    return (x86_mem){base, index, scale, disp};
}

typedef struct x86_emitter {
    uint8_t *start, *p, *end; /* writable view */
    uintptr_t exec_start;     /* address of start in the executable view */
    bool overflow;
} x86_emitter;

void x86_init(x86_emitter *e, uint8_t *buf, size_t size, uintptr_t exec_start);
static inline size_t x86_offset(const x86_emitter *e) {
    return (size_t)(e->p - e->start);
}
static inline uintptr_t x86_exec_addr(const x86_emitter *e) {
    return e->exec_start + x86_offset(e);
}

/* w64: 64-bit operand size (REX.W); otherwise 32-bit, whose register results zero-extend. */
void x86_mov_rr(x86_emitter *e, bool w64, int dst, int src);
void x86_mov_imm(x86_emitter *e, int dst, uint64_t imm); /* shortest of mov r32/simm32/imm64 */
void x86_load(x86_emitter *e, bool w64, int dst, x86_mem m);
void x86_store(x86_emitter *e, bool w64, x86_mem m, int src);
void x86_store_imm32(x86_emitter *e, bool w64, x86_mem m, int32_t imm); /* sign-extended */
/* Zero-extending loads of 1 and 2 bytes, stores of 1 and 2 bytes. */
void x86_load_zx(x86_emitter *e, unsigned size, int dst, x86_mem m);
void x86_movsxd(x86_emitter *e, int dst, x86_mem m); /* sign-extending 4-byte load */
void x86_store_narrow(x86_emitter *e, unsigned size, x86_mem m, int src);
void x86_lea(x86_emitter *e, bool w64, int dst, x86_mem m);

void x86_alu_rr(x86_emitter *e, enum x86_aluop op, bool w64, int dst, int src);
void x86_alu_ri(x86_emitter *e, enum x86_aluop op, bool w64, int dst, int32_t imm);
void x86_alu_rm(x86_emitter *e, enum x86_aluop op, bool w64, int dst, x86_mem m); /* dst op= [m] */
void x86_alu_mi(x86_emitter *e, enum x86_aluop op, bool w64, x86_mem m, int32_t imm);
void x86_test_rr(x86_emitter *e, bool w64, int a, int b);
void x86_test_ri(x86_emitter *e, bool w64, int a, int32_t imm);
void x86_shift_ri(x86_emitter *e, enum x86_shiftop op, bool w64, int dst, unsigned amount);
void x86_shift_cl(x86_emitter *e, enum x86_shiftop op, bool w64, int dst);
void x86_shrd_ri(x86_emitter *e, bool w64, int dst, int src, unsigned amount);
void x86_not(x86_emitter *e, bool w64, int dst);
void x86_neg(x86_emitter *e, bool w64, int dst);
/* RDX:RAX = RAX * src, unsigned (mul) or signed (imul). */
void x86_mul_wide(x86_emitter *e, bool is_signed, int src);
/* Register extensions: movzx r32, r8/r16; movsx r64, r8/r16/r32. */
void x86_movzx_rr(x86_emitter *e, unsigned size, int dst, int src);
void x86_movsx_rr(x86_emitter *e, unsigned size, int dst, int src);
void x86_cmc(x86_emitter *e);
void x86_imul_rr(x86_emitter *e, bool w64, int dst, int src);
void x86_imul_ri(x86_emitter *e, bool w64, int dst, int src, int32_t imm); /* dst = src * imm */
void x86_bt_rr(x86_emitter *e, bool w64, int base, int bit);               /* CF = bit of base */
void x86_bt_mi(x86_emitter *e, bool w64, x86_mem m, unsigned bit);
void x86_setcc(x86_emitter *e, enum x86_cc cc, int dst8);
void x86_movzx8(x86_emitter *e, int dst, int src8); /* movzx r32, r8 */
void x86_cmov(x86_emitter *e, enum x86_cc cc, bool w64, int dst, int src);

void x86_push(x86_emitter *e, int reg);
void x86_pop(x86_emitter *e, int reg);
void x86_ret(x86_emitter *e);
void x86_call(x86_emitter *e, const void *target); /* rel32 when in range, else via rax */
void x86_jmp_abs(x86_emitter *e, const void *target);
void x86_jmp_reg(x86_emitter *e, int reg);
/* Forward branches: emit with a zero rel32, patch once the target is known. Returns the offset
 * of the rel32 field. */
size_t x86_jcc_fwd(x86_emitter *e, enum x86_cc cc);
size_t x86_jmp_fwd(x86_emitter *e);
void x86_patch_here(x86_emitter *e, size_t rel32_at); /* the branch lands at the current pos */
void x86_jcc_to(x86_emitter *e, enum x86_cc cc, size_t target_offset); /* backward/known */
void x86_jmp_to(x86_emitter *e, size_t target_offset);

#endif
