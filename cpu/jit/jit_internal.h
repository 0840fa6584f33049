/* Shared by the block compiler (jit_compile.c) and its templates (jit_alu.c, jit_mem.c,
 * jit_branch.c). Register use in compiled code: RBX = arm_cpu *, R12 = the block's op array;
 * RAX, RCX, RDX, RSI, RDI, R8-R11 are scratch within one op. Guest state lives in arm_cpu. */
#ifndef CPU_JIT_JIT_INTERNAL_H
#define CPU_JIT_JIT_INTERNAL_H

#include <stddef.h>

#include "a64/a64.h"
#include "jit/jit.h"
#include "jit/x86_emit.h"

enum { JIT_CPU = X86_RBX, JIT_OPS = X86_R12 };
enum { JIT_MAX_SLOW = 4 * (MAX_BLOCK_INSNS + 1), JIT_MAX_EXITS = 2 * (MAX_BLOCK_INSNS + 1) };

typedef struct jit_fixup {
    size_t at;      /* rel32 to patch */
    unsigned index; /* op index */
} jit_fixup;

typedef struct jit_ctx {
    x86_emitter e;
    cpu_cluster *cl;
    const code_block *b;
    /* Branches to "op i returned non-zero in EAX": patched to per-op exit stubs at the end. */
    jit_fixup exits[JIT_MAX_EXITS];
    unsigned n_exits;
    /* Branches to "run op i through its handler, then resume": out-of-line slow paths. */
    struct {
        unsigned index, n_from;
        size_t from[4];
        size_t resume;
    } slow[JIT_MAX_SLOW];
    unsigned n_slow;
    size_t epilogue_jumps[JIT_MAX_EXITS];
    unsigned n_epilogue_jumps;
    struct {
        uint64_t pc;
        size_t patch; /* rel32 of the jmp to the successor */
    } hops[2];
    unsigned n_hops;
    size_t chain_entry, redispatch; /* offsets in the block's code */
    bool chaining;                  /* direct jumps between compiled blocks (not SOCEMU_NO_CHAIN) */
    bool failed;                    /* a table overflowed: give up on the block */
} jit_ctx;

static inline x86_mem jit_xreg(unsigned n) {
    return x86_base(JIT_CPU, (int32_t)(offsetof(arm_cpu, x) + 8 * n));
}
static inline x86_mem jit_cpu_field(size_t off) {
    return x86_base(JIT_CPU, (int32_t)off);
}
static inline x86_mem jit_op_addr(unsigned index) {
    return x86_base(JIT_OPS, (int32_t)(index * sizeof(a64_op)));
}
/* The PC of op i: blocks are entered only at their own pc (block lookup checks it). */
static inline uint64_t jit_op_pc(const jit_ctx *x, unsigned index) {
    return x->b->pc + 4 * (uint64_t)index;
}

/* Guest register access: Rn as XZR (reads 0) or SP. Writes to 31 as XZR are dropped. */
void jit_load_reg(jit_ctx *x, int dst, unsigned n, bool sp, bool w64);
void jit_store_reg(jit_ctx *x, unsigned n, bool sp, int src, bool w64);
/* dst = the byte offset of tlb_index(src)'s entry in one MMU index's TLB (tmp clobbered). */
void jit_tlb_slot(jit_ctx *x, int dst, int src, int tmp);
/* NZCV from the host flags of the arithmetic just emitted (sub: C = not borrow). */
void jit_nzcv_arith(jit_ctx *x, bool sub);
void jit_nzcv_logic(jit_ctx *x);
/* CF = "condition holds" for a 16-bit mask over NZCV values (see cond_holds). */
void jit_cond_to_cf(jit_ctx *x, unsigned mask);
/* Ends the block at op i with result r (RETIRED after setting cpu->pc). */
void jit_exit_now(jit_ctx *x, unsigned index, int r);
/* Ends the block at op i with cpu->pc = target and `count` instructions retired by the block,
 * jumping straight to the compiled successor when linked and nothing is pending (exit request,
 * budget, timer), as cpu_run would run it next. */
void jit_exit_hop(jit_ctx *x, unsigned index, uint64_t target, unsigned count);
/* Ends the block at op i with the target PC in RCX (already in cpu->pc) and `count` instructions
 * retired: cpu_run's next steps inline - nothing pending, the jump-cache entry for the target
 * valid (block_lookup_cached: same PC and EL, alive, the exec TLB still mapping the PC to the
 * block's page) and compiled - then straight into it; otherwise returns r to cpu_run. For
 * BR/BLR/RET and for direct branches leaving the page, which cannot be linked. */
void jit_exit_probe(jit_ctx *x, unsigned index, unsigned count, int r);
/* Calls op i's handler and exits if it returns non-zero. */
void jit_call_op(jit_ctx *x, unsigned index);
/* Branch taken to op i's slow path (handler call) when cc holds; the slow path resumes at the
 * position jit_slow_resume records. Returns the slow-path slot. */
unsigned jit_slow_branch(jit_ctx *x, enum x86_cc cc, unsigned index);
void jit_slow_branch_again(jit_ctx *x, enum x86_cc cc, unsigned slot); /* one more entry */
void jit_slow_resume(jit_ctx *x, unsigned slot);

/* Templates: emit op i inline and return true, or return false (the op is called instead). */
bool jit_emit_alu(jit_ctx *x, unsigned index, const a64_op *op);
bool jit_emit_mem(jit_ctx *x, unsigned index, const a64_op *op);
bool jit_emit_branch(jit_ctx *x, unsigned index, const a64_op *op);

#endif
