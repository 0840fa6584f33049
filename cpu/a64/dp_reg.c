/* Data processing, register: logical/add/sub (shifted, extended), ADC/SBC, CCMP/CCMN, CSEL family,
 * divide, variable shifts, CRC32, bit operations, CLZ/CLS, multiply(-add) and high multiplies. */
#include "a64/a64.h"

static uint64_t shift_reg(uint64_t v, unsigned type, unsigned amount, unsigned sf) {
    unsigned width = sf ? 64 : 32;
    v = sf_mask(sf, v);
    if (!amount) return v;
    switch (type) {
    case 0: return sf_mask(sf, v << amount);
    case 1: return v >> amount;
    case 2:
        return sf ? (uint64_t)((int64_t)v >> amount) : (uint32_t)((int32_t)(uint32_t)v >> amount);
    default: return ror64(v, amount, width);
    }
}

int a64_logic_shift(arm_cpu *c, const a64_op *op) {
    uint32_t i = op->insn;
    unsigned sf = i >> 31, opc = (i >> 29) & 3, type = (i >> 22) & 3, neg = (i >> 21) & 1;
    unsigned amount = (i >> 10) & 63, rm = (i >> 16) & 31, rn = (i >> 5) & 31, rd = i & 31;
    if (!sf && amount >= 32) return a64_undef(c, op);
    uint64_t b = shift_reg(xreg(c, rm), type, amount, sf);
    set_xreg(c, rd, logic_op(c, sf, opc, xreg(c, rn), neg ? ~b : b));
    return A64_NEXT;
}

static void addsub(arm_cpu *c, uint32_t i, uint64_t a, uint64_t b, bool rd_is_sp) {
    unsigned sf = i >> 31, sub = (i >> 30) & 1, setflags = (i >> 29) & 1, rd = i & 31;
    uint64_t r;
    if (setflags) {
        r = add_with_carry(sf, a, sub ? ~b : b, sub, &c->nzcv);
        set_xreg(c, rd, sf_mask(sf, r));
        return;
    }
    r = sf_mask(sf, sub ? a - b : a + b);
    if (rd_is_sp)
        set_xreg_sp(c, rd, r);
    else
        set_xreg(c, rd, r);
}

int a64_addsub_shift(arm_cpu *c, const a64_op *op) {
    uint32_t i = op->insn;
    unsigned sf = i >> 31, type = (i >> 22) & 3, amount = (i >> 10) & 63;
    if (type == 3 || (!sf && amount >= 32)) return a64_undef(c, op);
    uint64_t b = shift_reg(xreg(c, (i >> 16) & 31), type, amount, sf);
    addsub(c, i, xreg(c, (i >> 5) & 31), b, false);
    return A64_NEXT;
}

int a64_addsub_ext(arm_cpu *c, const a64_op *op) {
    uint32_t i = op->insn;
    unsigned option = (i >> 13) & 7, shift = (i >> 10) & 7;
    if (shift > 4) return a64_undef(c, op);
    uint64_t b = extend_reg(xreg(c, (i >> 16) & 31), option, shift);
    addsub(c, i, xreg_sp(c, (i >> 5) & 31), b, true);
    return A64_NEXT;
}

int a64_adc_sbc(arm_cpu *c, const a64_op *op) {
    uint32_t i = op->insn;
    unsigned sf = i >> 31, sub = (i >> 30) & 1, setflags = (i >> 29) & 1;
    uint64_t a = xreg(c, (i >> 5) & 31), b = xreg(c, (i >> 16) & 31);
    uint32_t nzcv;
    uint64_t r = add_with_carry(sf, a, sub ? ~b : b, (c->nzcv >> 29) & 1, &nzcv);
    if (setflags) c->nzcv = nzcv;
    set_xreg(c, i & 31, sf_mask(sf, r));
    return A64_NEXT;
}

int a64_ccmp(arm_cpu *c, const a64_op *op) {
    uint32_t i = op->insn;
    unsigned sf = i >> 31, sub = (i >> 30) & 1, cond = (i >> 12) & 15;
    if (cond_holds(c->nzcv, cond)) {
        uint64_t a = xreg(c, (i >> 5) & 31);
        uint64_t b = (i >> 11) & 1 ? (i >> 16) & 31 : xreg(c, (i >> 16) & 31);
        add_with_carry(sf, a, sub ? ~b : b, sub, &c->nzcv);
    } else {
        c->nzcv = (i & 15) << 28;
    }
    return A64_NEXT;
}

int a64_csel(arm_cpu *c, const a64_op *op) {
    uint32_t i = op->insn;
    unsigned sf = i >> 31, inv = (i >> 30) & 1, inc = (i >> 10) & 1, cond = (i >> 12) & 15;
    uint64_t r;
    if (cond_holds(c->nzcv, cond)) {
        r = xreg(c, (i >> 5) & 31);
    } else {
        r = xreg(c, (i >> 16) & 31);
        if (inv) r = ~r;
        if (inc) r++;
    }
    set_xreg(c, i & 31, sf_mask(sf, r));
    return A64_NEXT;
}

int a64_div(arm_cpu *c, const a64_op *op) {
    uint32_t i = op->insn;
    unsigned sf = i >> 31, is_signed = (i >> 10) & 1;
    uint64_t a = xreg(c, (i >> 5) & 31), b = xreg(c, (i >> 16) & 31), r;
    if (sf) {
        if (!b)
            r = 0;
        else if (!is_signed)
            r = a / b;
        else if ((int64_t)a == INT64_MIN && (int64_t)b == -1)
            r = a;
        else
            r = (uint64_t)((int64_t)a / (int64_t)b);
    } else {
        uint32_t a32 = (uint32_t)a, b32 = (uint32_t)b;
        if (!b32)
            r = 0;
        else if (!is_signed)
            r = a32 / b32;
        else if ((int32_t)a32 == INT32_MIN && (int32_t)b32 == -1)
            r = a32;
        else
            r = (uint32_t)((int32_t)a32 / (int32_t)b32);
    }
    set_xreg(c, i & 31, r);
    return A64_NEXT;
}

int a64_shift_var(arm_cpu *c, const a64_op *op) {
    uint32_t i = op->insn;
    unsigned sf = i >> 31, type = (i >> 10) & 3, width = sf ? 64 : 32;
    unsigned amount = (unsigned)(xreg(c, (i >> 16) & 31) % width);
    set_xreg(c, i & 31, shift_reg(xreg(c, (i >> 5) & 31), type, amount, sf));
    return A64_NEXT;
}

static uint32_t crc32_update(uint32_t crc, uint64_t data, unsigned bytes, uint32_t poly) {
    for (unsigned b = 0; b < bytes; b++) {
        crc ^= (uint8_t)(data >> (8 * b));
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (poly & -(crc & 1));
    }
    return crc;
}

int a64_crc32(arm_cpu *c, const a64_op *op) {
    uint32_t i = op->insn;
    unsigned sf = i >> 31, sz = (i >> 10) & 3, castagnoli = (i >> 12) & 1;
    if ((sz == 3) != (sf == 1)) return a64_undef(c, op);
    uint32_t poly = castagnoli ? 0x82F63B78u : 0xEDB88320u; /* bit-reflected polynomials */
    uint32_t acc = (uint32_t)xreg(c, (i >> 5) & 31);
    set_xreg(c, i & 31, crc32_update(acc, xreg(c, (i >> 16) & 31), 1u << sz, poly));
    return A64_NEXT;
}

static uint64_t bit_reverse(uint64_t v) {
    v = ((v >> 1) & 0x5555555555555555ull) | ((v & 0x5555555555555555ull) << 1);
    v = ((v >> 2) & 0x3333333333333333ull) | ((v & 0x3333333333333333ull) << 2);
    v = ((v >> 4) & 0x0f0f0f0f0f0f0f0full) | ((v & 0x0f0f0f0f0f0f0f0full) << 4);
    return __builtin_bswap64(v);
}

int a64_bitops(arm_cpu *c, const a64_op *op) {
    uint32_t i = op->insn;
    unsigned sf = i >> 31, opc = (i >> 10) & 3;
    uint64_t v = xreg(c, (i >> 5) & 31), r;
    switch (opc) {
    case 0: r = sf ? bit_reverse(v) : bit_reverse(v) >> 32; break; /* RBIT */
    case 1:                                                        /* REV16 */
        r = ((v >> 8) & 0x00ff00ff00ff00ffull) | ((v & 0x00ff00ff00ff00ffull) << 8);
        break;
    case 2: /* REV32 (sf=1) or REV (sf=0) */
        r = sf ? ((uint64_t)__builtin_bswap32((uint32_t)(v >> 32)) << 32) |
                     __builtin_bswap32((uint32_t)v)
               : __builtin_bswap32((uint32_t)v);
        break;
    default:
        if (!sf) return a64_undef(c, op);
        r = __builtin_bswap64(v);
        break;
    }
    set_xreg(c, i & 31, sf_mask(sf, r));
    return A64_NEXT;
}

int a64_clz_cls(arm_cpu *c, const a64_op *op) {
    uint32_t i = op->insn;
    unsigned sf = i >> 31, cls = (i >> 10) & 1, width = sf ? 64 : 32;
    uint64_t v = xreg(c, (i >> 5) & 31);
    if (!sf) v = (uint64_t)(uint32_t)v << 32;
    uint64_t r;
    if (cls) {
        uint64_t x = v ^ ((uint64_t)((int64_t)v >> 1));
        if (!sf) x &= ~0xffffffffull;
        r = x ? (uint64_t)__builtin_clzll(x) - 1 : width - 1;
    } else {
        r = v ? (uint64_t)__builtin_clzll(v) : width;
    }
    set_xreg(c, i & 31, r);
    return A64_NEXT;
}

int a64_madd(arm_cpu *c, const a64_op *op) {
    uint32_t i = op->insn;
    unsigned sf = i >> 31, sub = (i >> 15) & 1;
    uint64_t p = xreg(c, (i >> 5) & 31) * xreg(c, (i >> 16) & 31), a = xreg(c, (i >> 10) & 31);
    set_xreg(c, i & 31, sf_mask(sf, sub ? a - p : a + p));
    return A64_NEXT;
}

int a64_maddl(arm_cpu *c, const a64_op *op) {
    uint32_t i = op->insn;
    unsigned is_unsigned = (i >> 23) & 1, sub = (i >> 15) & 1;
    uint64_t n = xreg(c, (i >> 5) & 31), m = xreg(c, (i >> 16) & 31), p;
    if (is_unsigned)
        p = (uint64_t)(uint32_t)n * (uint32_t)m;
    else
        p = (uint64_t)((int64_t)(int32_t)n * (int64_t)(int32_t)m);
    uint64_t a = xreg(c, (i >> 10) & 31);
    set_xreg(c, i & 31, sub ? a - p : a + p);
    return A64_NEXT;
}

int a64_mulh(arm_cpu *c, const a64_op *op) {
    uint32_t i = op->insn;
    uint64_t n = xreg(c, (i >> 5) & 31), m = xreg(c, (i >> 16) & 31), r;
    if ((i >> 23) & 1)
        r = (uint64_t)(((unsigned __int128)n * m) >> 64);
    else
        r = (uint64_t)(((__int128)(int64_t)n * (int64_t)m) >> 64);
    set_xreg(c, i & 31, r);
    return A64_NEXT;
}
