/* Trace output: block decode listings, per-instruction execution lines, the log sink. */
#include <capstone/capstone.h>
#include <stdarg.h>
#include <stdio.h>

#include "a64_decode.h"
#include "exec/trace.h"

void cpu_log(arm_cpu *c, unsigned trace_bit, const char *fmt, ...) {
    const cpu_ports *p = &c->cluster->ports;
    if (!p->log) return;
    /* "cpu0: int: ...": the category makes one log of several traces greppable. */
    static const char *const category[] = {"insn", "exec", "int", "mmu", "unimp"};
    unsigned bit = 0;
    while (bit < 4 && !(trace_bit & (1u << bit)))
        bit++;
    char line[512];
    int n = snprintf(line, sizeof line, "cpu%u: %s: ", c->index, category[bit]);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    p->log(p->opaque, line);
}

static csh capstone_handle;
static bool capstone_ready, capstone_failed;

void trace_disasm(uint32_t insn, uint64_t pc, char *buf, size_t len) {
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
    snprintf(buf, len, "<%s>", a64_enc_names[a64_decode(insn)]);
}

void trace_block(arm_cpu *c, const code_block *b) {
    cpu_log(c, TRACE_INSN, "block pc=0x%016llx pa=0x%010llx n=%u EL%u", (unsigned long long)b->pc,
            (unsigned long long)b->pa, b->n_insns, b->flags & 3);
    for (unsigned i = 0; i < b->n_insns; i++) {
        char d[96];
        trace_disasm(b->ops[i].insn, b->pc + 4 * i, d, sizeof d);
        cpu_log(c, TRACE_INSN, "  0x%016llx: %08x  %s", (unsigned long long)(b->pc + 4 * i),
                b->ops[i].insn, d);
    }
}

void trace_exec(arm_cpu *c, const a64_op *op) {
    char d[96];
    uint64_t pc = c->pc + 4 * (uint64_t)op->index;
    trace_disasm(op->insn, pc, d, sizeof d);
    cpu_log(c, TRACE_EXEC, "EL%u 0x%016llx: %08x  %-40s nzcv=%x", c->el, (unsigned long long)pc,
            op->insn, d, c->nzcv >> 28);
}
