/* x86-64 encodings (Intel SDM vol. 2): legacy prefix, REX, opcode, ModRM, SIB, displacement,
 * immediate, in that order. */
#include "jit/x86_emit.h"

#include <string.h>

void x86_init(x86_emitter *e, uint8_t *buf, size_t size, uintptr_t exec_start) {
    e->start = e->p = buf;
    e->end = buf + size;
    e->exec_start = exec_start;
    e->overflow = false;
}

static void byte(x86_emitter *e, uint8_t b) {
    if (e->p >= e->end) {
        e->overflow = true;
        return;
    }
    *e->p++ = b;
}
static void u32(x86_emitter *e, uint32_t v) {
    for (int i = 0; i < 4; i++)
        byte(e, (uint8_t)(v >> (8 * i)));
}
static void u64(x86_emitter *e, uint64_t v) {
    u32(e, (uint32_t)v);
    u32(e, (uint32_t)(v >> 32));
}

enum { NEED_REX8 = 1 }; /* byte operand in SPL/BPL/SIL/DIL: a REX prefix, even an empty one */

static void rex(x86_emitter *e, bool w, int reg, int index, int base, unsigned flags) {
    uint8_t r = (uint8_t)(0x40 | (w ? 8 : 0) | ((reg & 8) ? 4 : 0) | ((index & 8) ? 2 : 0) |
                          ((base & 8) ? 1 : 0));
    if (r != 0x40 || flags) byte(e, r);
}

static void opcode(x86_emitter *e, const uint8_t *op, unsigned n) {
    for (unsigned i = 0; i < n; i++)
        byte(e, op[i]);
}

/* reg-field + register operand (mod = 11). */
static void enc_rr(x86_emitter *e, bool w, const uint8_t *op, unsigned n, int reg, int rm,
                   unsigned flags) {
    rex(e, w, reg, 0, rm, flags);
    opcode(e, op, n);
    byte(e, (uint8_t)(0xc0 | ((reg & 7) << 3) | (rm & 7)));
}

static void modrm_mem(x86_emitter *e, int reg, x86_mem m) {
    unsigned scale_bits = m.scale == 8 ? 3 : m.scale == 4 ? 2 : m.scale == 2 ? 1 : 0;
    bool disp8 = m.disp >= -128 && m.disp <= 127;
    /* No displacement unless the base is RBP/R13 (mod 00 means RIP-relative/no base there). */
    unsigned mod = (m.disp == 0 && (m.base & 7) != X86_RBP) ? 0 : disp8 ? 1 : 2;
    bool sib = m.index != X86_NOREG || (m.base & 7) == X86_RSP;
    byte(e, (uint8_t)((mod << 6) | ((reg & 7) << 3) | (sib ? 4 : (m.base & 7))));
    if (sib) {
        int index = m.index == X86_NOREG ? X86_RSP : m.index; /* 100: no index */
        byte(e, (uint8_t)((scale_bits << 6) | ((index & 7) << 3) | (m.base & 7)));
    }
    if (mod == 1)
        byte(e, (uint8_t)(int8_t)m.disp);
    else if (mod == 2)
        u32(e, (uint32_t)m.disp);
}

static void enc_rm(x86_emitter *e, bool w, const uint8_t *op, unsigned n, int reg, x86_mem m,
                   unsigned flags) {
    rex(e, w, reg, m.index == X86_NOREG ? 0 : m.index, m.base, flags);
    opcode(e, op, n);
    modrm_mem(e, reg, m);
}

void x86_mov_rr(x86_emitter *e, bool w64, int dst, int src) {
    enc_rr(e, w64, (const uint8_t[]){0x89}, 1, src, dst, 0);
}

void x86_mov_imm(x86_emitter *e, int dst, uint64_t imm) {
    if (imm <= UINT32_MAX) { /* mov r32, imm32 zero-extends */
        rex(e, false, 0, 0, dst, 0);
        byte(e, (uint8_t)(0xb8 | (dst & 7)));
        u32(e, (uint32_t)imm);
    } else if ((int64_t)imm == (int32_t)imm) { /* mov r64, simm32 */
        enc_rr(e, true, (const uint8_t[]){0xc7}, 1, 0, dst, 0);
        u32(e, (uint32_t)imm);
    } else {
        rex(e, true, 0, 0, dst, 0);
        byte(e, (uint8_t)(0xb8 | (dst & 7)));
        u64(e, imm);
    }
}

void x86_load(x86_emitter *e, bool w64, int dst, x86_mem m) {
    enc_rm(e, w64, (const uint8_t[]){0x8b}, 1, dst, m, 0);
}
void x86_store(x86_emitter *e, bool w64, x86_mem m, int src) {
    enc_rm(e, w64, (const uint8_t[]){0x89}, 1, src, m, 0);
}
void x86_store_imm32(x86_emitter *e, bool w64, x86_mem m, int32_t imm) {
    enc_rm(e, w64, (const uint8_t[]){0xc7}, 1, 0, m, 0);
    u32(e, (uint32_t)imm);
}
void x86_load_zx(x86_emitter *e, unsigned size, int dst, x86_mem m) {
    enc_rm(e, false, (const uint8_t[]){0x0f, size == 1 ? 0xb6 : 0xb7}, 2, dst, m, 0);
}
void x86_movsxd(x86_emitter *e, int dst, x86_mem m) {
    enc_rm(e, true, (const uint8_t[]){0x63}, 1, dst, m, 0);
}
void x86_store_narrow(x86_emitter *e, unsigned size, x86_mem m, int src) {
    if (size == 2) byte(e, 0x66);
    enc_rm(e, false, (const uint8_t[]){size == 1 ? 0x88 : 0x89}, 1, src, m,
           size == 1 && src >= 4 && src < 8 ? NEED_REX8 : 0);
}
void x86_lea(x86_emitter *e, bool w64, int dst, x86_mem m) {
    enc_rm(e, w64, (const uint8_t[]){0x8d}, 1, dst, m, 0);
}

/* ALU r/m, r is opcode 8*op + 1; r, r/m is 8*op + 3. */
void x86_alu_rr(x86_emitter *e, enum x86_aluop op, bool w64, int dst, int src) {
    enc_rr(e, w64, (const uint8_t[]){(uint8_t)(8 * op + 1)}, 1, src, dst, 0);
}
void x86_alu_rm(x86_emitter *e, enum x86_aluop op, bool w64, int dst, x86_mem m) {
    enc_rm(e, w64, (const uint8_t[]){(uint8_t)(8 * op + 3)}, 1, dst, m, 0);
}
void x86_alu_ri(x86_emitter *e, enum x86_aluop op, bool w64, int dst, int32_t imm) {
    if (imm >= -128 && imm <= 127) {
        enc_rr(e, w64, (const uint8_t[]){0x83}, 1, op, dst, 0);
        byte(e, (uint8_t)(int8_t)imm);
    } else {
        enc_rr(e, w64, (const uint8_t[]){0x81}, 1, op, dst, 0);
        u32(e, (uint32_t)imm);
    }
}
void x86_alu_mi(x86_emitter *e, enum x86_aluop op, bool w64, x86_mem m, int32_t imm) {
    if (imm >= -128 && imm <= 127) {
        enc_rm(e, w64, (const uint8_t[]){0x83}, 1, op, m, 0);
        byte(e, (uint8_t)(int8_t)imm);
    } else {
        enc_rm(e, w64, (const uint8_t[]){0x81}, 1, op, m, 0);
        u32(e, (uint32_t)imm);
    }
}
void x86_test_rr(x86_emitter *e, bool w64, int a, int b) {
    enc_rr(e, w64, (const uint8_t[]){0x85}, 1, b, a, 0);
}
void x86_test_ri(x86_emitter *e, bool w64, int a, int32_t imm) {
    enc_rr(e, w64, (const uint8_t[]){0xf7}, 1, 0, a, 0);
    u32(e, (uint32_t)imm);
}
void x86_shift_ri(x86_emitter *e, enum x86_shiftop op, bool w64, int dst, unsigned amount) {
    enc_rr(e, w64, (const uint8_t[]){0xc1}, 1, op, dst, 0);
    byte(e, (uint8_t)amount);
}
void x86_shift_cl(x86_emitter *e, enum x86_shiftop op, bool w64, int dst) {
    enc_rr(e, w64, (const uint8_t[]){0xd3}, 1, op, dst, 0);
}
void x86_shrd_ri(x86_emitter *e, bool w64, int dst, int src, unsigned amount) {
    enc_rr(e, w64, (const uint8_t[]){0x0f, 0xac}, 2, src, dst, 0);
    byte(e, (uint8_t)amount);
}
void x86_not(x86_emitter *e, bool w64, int dst) {
    enc_rr(e, w64, (const uint8_t[]){0xf7}, 1, 2, dst, 0);
}
void x86_neg(x86_emitter *e, bool w64, int dst) {
    enc_rr(e, w64, (const uint8_t[]){0xf7}, 1, 3, dst, 0);
}
void x86_mul_wide(x86_emitter *e, bool is_signed, int src) {
    enc_rr(e, true, (const uint8_t[]){0xf7}, 1, is_signed ? 5 : 4, src, 0);
}
void x86_movzx_rr(x86_emitter *e, unsigned size, int dst, int src) {
    enc_rr(e, false, (const uint8_t[]){0x0f, size == 1 ? 0xb6 : 0xb7}, 2, dst, src,
           size == 1 && src >= 4 && src < 8 ? NEED_REX8 : 0);
}
void x86_movsx_rr(x86_emitter *e, unsigned size, int dst, int src) {
    if (size == 4)
        enc_rr(e, true, (const uint8_t[]){0x63}, 1, dst, src, 0);
    else
        enc_rr(e, true, (const uint8_t[]){0x0f, size == 1 ? 0xbe : 0xbf}, 2, dst, src, 0);
}
void x86_cmc(x86_emitter *e) {
    byte(e, 0xf5);
}
void x86_imul_rr(x86_emitter *e, bool w64, int dst, int src) {
    enc_rr(e, w64, (const uint8_t[]){0x0f, 0xaf}, 2, dst, src, 0);
}
void x86_imul_ri(x86_emitter *e, bool w64, int dst, int src, int32_t imm) {
    enc_rr(e, w64, (const uint8_t[]){0x69}, 1, dst, src, 0);
    u32(e, (uint32_t)imm);
}
void x86_bt_rr(x86_emitter *e, bool w64, int base, int bit) {
    enc_rr(e, w64, (const uint8_t[]){0x0f, 0xa3}, 2, bit, base, 0);
}
void x86_bt_mi(x86_emitter *e, bool w64, x86_mem m, unsigned bit) {
    enc_rm(e, w64, (const uint8_t[]){0x0f, 0xba}, 2, 4, m, 0);
    byte(e, (uint8_t)bit);
}
void x86_setcc(x86_emitter *e, enum x86_cc cc, int dst8) {
    enc_rr(e, false, (const uint8_t[]){0x0f, (uint8_t)(0x90 | cc)}, 2, 0, dst8,
           dst8 >= 4 && dst8 < 8 ? NEED_REX8 : 0);
}
void x86_movzx8(x86_emitter *e, int dst, int src8) {
    enc_rr(e, false, (const uint8_t[]){0x0f, 0xb6}, 2, dst, src8,
           src8 >= 4 && src8 < 8 ? NEED_REX8 : 0);
}
void x86_cmov(x86_emitter *e, enum x86_cc cc, bool w64, int dst, int src) {
    enc_rr(e, w64, (const uint8_t[]){0x0f, (uint8_t)(0x40 | cc)}, 2, dst, src, 0);
}

void x86_push(x86_emitter *e, int reg) {
    rex(e, false, 0, 0, reg, 0);
    byte(e, (uint8_t)(0x50 | (reg & 7)));
}
void x86_pop(x86_emitter *e, int reg) {
    rex(e, false, 0, 0, reg, 0);
    byte(e, (uint8_t)(0x58 | (reg & 7)));
}
void x86_ret(x86_emitter *e) {
    byte(e, 0xc3);
}

static bool rel32_from(const x86_emitter *e, unsigned insn_len, uintptr_t target, int32_t *rel) {
    int64_t d = (int64_t)(target - (x86_exec_addr(e) + insn_len));
    *rel = (int32_t)d;
    return d == (int32_t)d;
}
void x86_call(x86_emitter *e, const void *target) {
    int32_t rel;
    if (rel32_from(e, 5, (uintptr_t)target, &rel)) {
        byte(e, 0xe8);
        u32(e, (uint32_t)rel);
        return;
    }
    x86_mov_imm(e, X86_RAX, (uintptr_t)target);
    enc_rr(e, false, (const uint8_t[]){0xff}, 1, 2, X86_RAX, 0); /* call rax */
}
void x86_jmp_abs(x86_emitter *e, const void *target) {
    int32_t rel;
    if (rel32_from(e, 5, (uintptr_t)target, &rel)) {
        byte(e, 0xe9);
        u32(e, (uint32_t)rel);
        return;
    }
    x86_mov_imm(e, X86_RAX, (uintptr_t)target);
    enc_rr(e, false, (const uint8_t[]){0xff}, 1, 4, X86_RAX, 0); /* jmp rax */
}

void x86_jmp_reg(x86_emitter *e, int reg) {
    enc_rr(e, false, (const uint8_t[]){0xff}, 1, 4, reg, 0);
}

size_t x86_jcc_fwd(x86_emitter *e, enum x86_cc cc) {
    byte(e, 0x0f);
    byte(e, (uint8_t)(0x80 | cc));
    size_t at = x86_offset(e);
    u32(e, 0);
    return at;
}
size_t x86_jmp_fwd(x86_emitter *e) {
    byte(e, 0xe9);
    size_t at = x86_offset(e);
    u32(e, 0);
    return at;
}
void x86_patch_here(x86_emitter *e, size_t rel32_at) {
    if (e->overflow || rel32_at + 4 > (size_t)(e->end - e->start)) return;
    uint32_t rel = (uint32_t)(x86_offset(e) - (rel32_at + 4));
    memcpy(e->start + rel32_at, &rel, 4);
}
void x86_jcc_to(x86_emitter *e, enum x86_cc cc, size_t target_offset) {
    int64_t d = (int64_t)target_offset - (int64_t)(x86_offset(e) + 2);
    if (d >= -128 && d <= 127) {
        byte(e, (uint8_t)(0x70 | cc));
        byte(e, (uint8_t)(int8_t)d);
        return;
    }
    byte(e, 0x0f);
    byte(e, (uint8_t)(0x80 | cc));
    u32(e, (uint32_t)(int32_t)((int64_t)target_offset - (int64_t)(x86_offset(e) + 4)));
}
void x86_jmp_to(x86_emitter *e, size_t target_offset) {
    int64_t d = (int64_t)target_offset - (int64_t)(x86_offset(e) + 2);
    if (d >= -128 && d <= 127) {
        byte(e, 0xeb);
        byte(e, (uint8_t)(int8_t)d);
        return;
    }
    byte(e, 0xe9);
    u32(e, (uint32_t)(int32_t)((int64_t)target_offset - (int64_t)(x86_offset(e) + 4)));
}
