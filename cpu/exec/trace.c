/* Trace output: block decode listings, per-instruction execution lines, the log sink. */
#include <capstone/capstone.h>
#include <stdio.h>

#include "exec/block_build.h"
#include "exec/trace.h"

static csh capstone_handle;
static bool capstone_ready, capstone_failed;

void trace_disasm(unsigned isa, uint32_t insn, uint64_t pc, char *buf, size_t len) {
    const isa_frontend *fe = isa_frontend_of(isa);
    if (isa != ISA_A64) { /* capstone's ARM/Thumb modes come with those front ends */
        snprintf(buf, len, "<%s>", fe ? fe->insn_name(insn) : "?");
        return;
    }
    if (!capstone_ready && !capstone_failed) {
        if (cs_open(CS_ARCH_ARM64, CS_MODE_ARM, &capstone_handle) == CS_ERR_OK)
            capstone_ready = true;
        else
            capstone_failed = true;
    }
    cs_insn *ci = NULL;
    uint8_t bytes[4] = {(uint8_t)insn, (uint8_t)(insn >> 8), (uint8_t)(insn >> 16),
                        (uint8_t)(insn >> 24)};
    if (capstone_ready && cs_disasm(capstone_handle, bytes, 4, pc, 1, &ci) == 1) {
        snprintf(buf, len, "%s %s", ci->mnemonic, ci->op_str);
        cs_free(ci, 1);
        return;
    }
    snprintf(buf, len, "<%s>", fe ? fe->insn_name(insn) : "?");
}

void trace_block(arm_cpu *c, const code_block *b) {
    cpu_log(c, TRACE_INSN, "block pc=0x%016llx pa=0x%010llx n=%u EL%u", (unsigned long long)b->pc,
            (unsigned long long)b->pa, b->n_insns, xs_el(b->flags));
    for (unsigned i = 0; i < b->n_insns; i++) {
        char d[96];
        uint64_t pc = b->pc + 2 * (uint64_t)b->ops[i].pc_half;
        trace_disasm(xs_isa(b->flags), b->ops[i].insn, pc, d, sizeof d);
        cpu_log(c, TRACE_INSN, "  0x%016llx: %08x  %s", (unsigned long long)pc, b->ops[i].insn, d);
    }
}

void trace_exec(arm_cpu *c, const a64_op *op) {
    char d[96];
    uint64_t pc = op_pc(c, op);
    trace_disasm(xs_isa(c->xstate), op->insn, pc, d, sizeof d);
    cpu_log(c, TRACE_EXEC, "EL%u 0x%016llx: %08x  %-40s nzcv=%x", c->el, (unsigned long long)pc,
            op->insn, d, c->nzcv >> 28);
}
