/* Branches: B/BL, B.cond, CBZ/CBNZ, TBZ/TBNZ, BR/BLR/RET. Each ends its block. */
#include "a64/a64.h"

int a64_b(arm_cpu *c, const a64_op *op) {
    uint64_t pc = op_pc(c, op);
    if (op->insn >> 31) set_xreg(c, 30, pc + 4); /* BL */
    return a64_branch(c, pc + (sign_extend(op->insn & 0x3ffffff, 26) << 2));
}

int a64_b_cond(arm_cpu *c, const a64_op *op) {
    uint64_t pc = op_pc(c, op);
    if (cond_holds(c->nzcv, op->insn & 15))
        return a64_branch(c, pc + (sign_extend(a64_f_B_COND_i(op->insn), 19) << 2));
    return a64_branch(c, pc + 4);
}

int a64_cbz(arm_cpu *c, const a64_op *op) {
    uint32_t i = op->insn;
    uint64_t pc = op_pc(c, op), v = sf_mask(i >> 31, xreg(c, i & 31));
    bool nonzero_branch = (i >> 24) & 1;
    if ((v != 0) == nonzero_branch)
        return a64_branch(c, pc + (sign_extend(a64_f_CBZ_CBNZ_i(i), 19) << 2));
    return a64_branch(c, pc + 4);
}

int a64_tbz(arm_cpu *c, const a64_op *op) {
    uint32_t i = op->insn;
    uint64_t pc = op_pc(c, op);
    unsigned bit = a64_f_TBZ_TBNZ_b(i);
    bool set = (xreg(c, i & 31) >> bit) & 1, branch_if_set = (i >> 24) & 1;
    if (set == branch_if_set)
        return a64_branch(c, pc + (sign_extend(a64_f_TBZ_TBNZ_i(i), 14) << 2));
    return a64_branch(c, pc + 4);
}

int a64_br(arm_cpu *c, const a64_op *op) {
    uint32_t i = op->insn;
    uint64_t target = xreg(c, (i >> 5) & 31);
    if (((i >> 21) & 3) == 1) set_xreg(c, 30, op_pc(c, op) + 4); /* BLR */
    return a64_branch(c, target);
}
