/* Loads and stores of general-purpose and FP/SIMD registers: literal, pair, unsigned offset,
 * unscaled/pre/post-index/unprivileged, register offset, load-acquire/store-release. */
#include "a64/a64.h"

/* How one encoding transfers: size in bytes (16 = Q), sign extension, destination width. */
typedef struct xfer {
    unsigned size;
    bool load, sign, dest64, fp, prefetch;
} xfer;

/* Integer (size, opc) and FP (size, opc) decode shared by the single-register forms.
 * Returns false for unallocated combinations. */
static bool decode_xfer(unsigned size_field, unsigned opc, bool v, xfer *x) {
    *x = (xfer){0};
    if (v) {
        x->fp = true;
        if (opc & 2) {
            if (size_field != 0) return false;
            x->size = 16;
        } else {
            x->size = 1u << size_field;
        }
        x->load = opc & 1;
        return true;
    }
    x->size = 1u << size_field;
    switch (opc) {
    case 0: return true;
    case 1:
        x->load = true;
        x->dest64 = size_field == 3;
        return true;
    case 2:
        if (size_field == 3) {
            x->prefetch = true;
            return true;
        }
        x->load = x->sign = x->dest64 = true;
        return true;
    default:
        if (size_field >= 2) return false;
        x->load = x->sign = true;
        return true;
    }
}

static bool sp_misaligned(const arm_cpu *c, unsigned rn) {
    if (rn != 31 || !(c->sp & 15)) return false;
    return c->el == 0 ? (c->sctlr[1] >> 4) & 1 : (c->sctlr[c->el] >> 3) & 1;
}

static inline int sp_align_fault(arm_cpu *c, const a64_op *op) {
    return a64_raise(c, op, EC_SP_ALIGN, 0);
}

static unsigned log2_size(unsigned size) {
    return (unsigned)__builtin_ctz(size);
}

/* One register to or from memory; false when an exception was taken. */
static bool transfer(arm_cpu *c, const a64_op *op, const xfer *x, uint64_t addr, unsigned rt,
                     unsigned midx, uint32_t flags, uint32_t iss) {
    if (x->fp) {
        if (x->load) {
            uint64_t lo = 0, hi = 0;
            if (x->size == 16) {
                if (!mem_read(c, op, addr, 8, &lo, midx, flags | MEM_NO_ISV, 0) ||
                    !mem_read(c, op, addr + 8, 8, &hi, midx, flags | MEM_NO_ISV, 0))
                    return false;
            } else if (!mem_read(c, op, addr, x->size, &lo, midx, flags | MEM_NO_ISV, 0)) {
                return false;
            }
            c->v[rt] = ((__uint128_t)hi << 64) | lo;
            return true;
        }
        uint64_t lo = (uint64_t)c->v[rt], hi = (uint64_t)(c->v[rt] >> 64);
        if (x->size == 16) {
            /* Check both halves before writing so a fault on the second leaves memory alone. */
            uint64_t pa;
            if (((addr + 8) & ~PAGE_MASK) < 8 &&
                !mem_translate(c, op, addr + 8, 1, midx, &pa, true, flags | MEM_NO_ISV))
                return false;
            return mem_write(c, op, addr, 8, lo, midx, flags | MEM_NO_ISV, 0) &&
                   mem_write(c, op, addr + 8, 8, hi, midx, flags | MEM_NO_ISV, 0);
        }
        return mem_write(c, op, addr, x->size, lo, midx, flags | MEM_NO_ISV, 0);
    }
    if (x->load) {
        uint64_t v;
        if (!mem_read(c, op, addr, x->size, &v, midx, flags, iss)) return false;
        if (x->sign) {
            v = sign_extend(v, 8 * x->size);
            if (!x->dest64) v = (uint32_t)v;
        }
        set_xreg(c, rt, v);
        return true;
    }
    return mem_write(c, op, addr, x->size, xreg(c, rt), midx, flags, iss);
}

static uint32_t single_iss(const xfer *x, unsigned rt, bool acq_rel) {
    if (x->fp) return 0;
    return mem_iss(log2_size(x->size), x->sign, rt, x->dest64, acq_rel);
}

static unsigned fp_check_needed(const arm_cpu *c, const xfer *x) {
    return x->fp && c->fp_trap_el;
}

int a64_ldst_uimm(arm_cpu *c, const a64_op *op) {
    uint32_t i = op->insn;
    unsigned size = i >> 30, opc = (i >> 22) & 3, rn = (i >> 5) & 31, rt = i & 31;
    xfer x;
    if (!decode_xfer(size, opc, (i >> 26) & 1, &x)) return a64_undef(c, op);
    if (fp_check_needed(c, &x)) return a64_fp_trap(c, op);
    if (x.prefetch) return A64_NEXT;
    if (sp_misaligned(c, rn)) return sp_align_fault(c, op);
    uint64_t addr = xreg_sp(c, rn) + ((uint64_t)((i >> 10) & 0xfff) << log2_size(x.size));
    if (!transfer(c, op, &x, addr, rt, c->mmu_idx, 0, single_iss(&x, rt, false)))
        return A64_EXIT_FAULT;
    return A64_NEXT;
}

int a64_ldst_imm9(arm_cpu *c, const a64_op *op) {
    uint32_t i = op->insn;
    unsigned size = i >> 30, opc = (i >> 22) & 3, mode = (i >> 10) & 3;
    unsigned rn = (i >> 5) & 31, rt = i & 31;
    bool v = (i >> 26) & 1;
    xfer x;
    if (!decode_xfer(size, opc, v, &x)) return a64_undef(c, op);
    if (x.prefetch && mode != 0) return a64_undef(c, op); /* PRFUM only */
    if (mode == 2 && v) return a64_undef(c, op);          /* no unprivileged FP forms */
    if (fp_check_needed(c, &x)) return a64_fp_trap(c, op);
    if (x.prefetch) return A64_NEXT;
    if (sp_misaligned(c, rn)) return sp_align_fault(c, op);
    uint64_t offset = sign_extend((i >> 12) & 0x1ff, 9), base = xreg_sp(c, rn);
    uint64_t addr = mode == 1 ? base : base + offset; /* post-index uses the old base */
    unsigned midx = c->mmu_idx;
    if (mode == 2 && c->el == 1) midx = MMU_IDX_EL0; /* LDTR/STTR at EL1 */
    bool wb = mode == 1 || mode == 3;
    uint32_t iss = wb ? 0 : single_iss(&x, rt, false);
    /* A load whose base is also its destination with writeback: the loaded value wins. */
    if (!transfer(c, op, &x, addr, rt, midx, wb ? MEM_NO_ISV : 0, iss)) return A64_EXIT_FAULT;
    if (wb && !(x.load && !x.fp && rt == rn && rn != 31)) set_xreg_sp(c, rn, base + offset);
    return A64_NEXT;
}

int a64_ldst_reg(arm_cpu *c, const a64_op *op) {
    uint32_t i = op->insn;
    unsigned size = i >> 30, opc = (i >> 22) & 3, option = (i >> 13) & 7, s = (i >> 12) & 1;
    unsigned rm = (i >> 16) & 31, rn = (i >> 5) & 31, rt = i & 31;
    xfer x;
    if (!decode_xfer(size, opc, (i >> 26) & 1, &x) || !(option & 2)) return a64_undef(c, op);
    if (fp_check_needed(c, &x)) return a64_fp_trap(c, op);
    if (x.prefetch) return A64_NEXT;
    if (sp_misaligned(c, rn)) return sp_align_fault(c, op);
    uint64_t addr = xreg_sp(c, rn) + extend_reg(xreg(c, rm), option, s ? log2_size(x.size) : 0);
    if (!transfer(c, op, &x, addr, rt, c->mmu_idx, 0, single_iss(&x, rt, false)))
        return A64_EXIT_FAULT;
    return A64_NEXT;
}

int a64_ld_literal(arm_cpu *c, const a64_op *op) {
    uint32_t i = op->insn;
    unsigned opc = i >> 30, rt = i & 31;
    bool v = (i >> 26) & 1;
    xfer x = {0};
    if (v) {
        if (opc == 3) return a64_undef(c, op);
        x.fp = true;
        x.size = 4u << opc;
        if (c->fp_trap_el) return a64_fp_trap(c, op);
    } else if (opc == 3) {
        return A64_NEXT; /* PRFM (literal) */
    } else {
        x.size = opc == 1 ? 8 : 4;
        x.sign = opc == 2;
        x.dest64 = opc != 0;
    }
    x.load = true;
    uint64_t addr = op_pc(c, op) + (sign_extend(a64_f_LD_LITERAL_i(i), 19) << 2);
    if (!transfer(c, op, &x, addr, rt, c->mmu_idx, 0, single_iss(&x, rt, false)))
        return A64_EXIT_FAULT;
    return A64_NEXT;
}

int a64_ldst_pair(arm_cpu *c, const a64_op *op) {
    uint32_t i = op->insn;
    unsigned opc = i >> 30, mode = (i >> 23) & 3, load = (i >> 22) & 1;
    unsigned rt2 = (i >> 10) & 31, rn = (i >> 5) & 31, rt = i & 31;
    bool v = (i >> 26) & 1;
    xfer x = {0};
    x.load = load;
    if (v) {
        if (opc == 3) return a64_undef(c, op);
        x.fp = true;
        x.size = 4u << opc;
        if (c->fp_trap_el) return a64_fp_trap(c, op);
    } else {
        if (opc == 3 || (opc == 1 && (!load || mode == 0))) return a64_undef(c, op);
        x.size = opc == 2 ? 8 : 4;
        x.sign = opc == 1;
        x.dest64 = opc != 0;
    }
    if (sp_misaligned(c, rn)) return sp_align_fault(c, op);
    uint64_t offset = sign_extend((i >> 15) & 0x7f, 7) << log2_size(x.size);
    uint64_t base = xreg_sp(c, rn), addr = mode == 1 ? base : base + offset;
    unsigned midx = c->mmu_idx;
    if (load) {
        /* Read both into temporaries: a fault on the second leaves the registers unchanged. */
        if (x.fp) {
            __uint128_t save1 = c->v[rt], save2 = c->v[rt2];
            if (!transfer(c, op, &x, addr, rt, midx, MEM_NO_ISV, 0)) return A64_EXIT_FAULT;
            __uint128_t first = c->v[rt];
            c->v[rt] = save1;
            if (!transfer(c, op, &x, addr + x.size, rt2, midx, MEM_NO_ISV, 0)) {
                c->v[rt2] = save2;
                return A64_EXIT_FAULT;
            }
            c->v[rt] = first;
            if (rt == rt2) c->v[rt] = c->v[rt2];
        } else {
            uint64_t a, b;
            if (!mem_read(c, op, addr, x.size, &a, midx, MEM_NO_ISV, 0) ||
                !mem_read(c, op, addr + x.size, x.size, &b, midx, MEM_NO_ISV, 0))
                return A64_EXIT_FAULT;
            if (x.sign) a = sign_extend(a, 32), b = sign_extend(b, 32);
            set_xreg(c, rt, a);
            set_xreg(c, rt2, b);
        }
    } else {
        if (!x.fp) {
            uint64_t pa;
            /* Probe the second element's page first: no partial stores on a fault. */
            if (((addr + x.size) & PAGE_MASK) != (addr & PAGE_MASK) &&
                !mem_translate(c, op, addr + x.size, 1, midx, &pa, true, MEM_NO_ISV))
                return A64_EXIT_FAULT;
            uint64_t a = xreg(c, rt), b = xreg(c, rt2);
            if (!mem_write(c, op, addr, x.size, a, midx, MEM_NO_ISV, 0) ||
                !mem_write(c, op, addr + x.size, x.size, b, midx, MEM_NO_ISV, 0))
                return A64_EXIT_FAULT;
        } else if (!transfer(c, op, &x, addr, rt, midx, MEM_NO_ISV, 0) ||
                   !transfer(c, op, &x, addr + x.size, rt2, midx, MEM_NO_ISV, 0)) {
            return A64_EXIT_FAULT;
        }
    }
    if (mode == 1 || mode == 3) {
        bool base_loaded = load && !x.fp && (rn == rt || rn == rt2) && rn != 31;
        if (!base_loaded) set_xreg_sp(c, rn, base + offset);
    }
    return A64_NEXT;
}

int a64_ldar_stlr(arm_cpu *c, const a64_op *op) {
    uint32_t i = op->insn;
    unsigned size = 1u << (i >> 30), rn = (i >> 5) & 31, rt = i & 31;
    bool load = (i >> 22) & 1;
    if (sp_misaligned(c, rn)) return sp_align_fault(c, op);
    uint64_t addr = xreg_sp(c, rn);
    uint32_t iss = mem_iss(i >> 30, false, rt, size == 8, true);
    if (load) {
        uint64_t v;
        if (!mem_read(c, op, addr, size, &v, c->mmu_idx, MEM_ALIGNED, iss)) return A64_EXIT_FAULT;
        set_xreg(c, rt, v);
    } else if (!mem_write(c, op, addr, size, xreg(c, rt), c->mmu_idx, MEM_ALIGNED, iss)) {
        return A64_EXIT_FAULT;
    }
    return A64_NEXT;
}
