/* Stage 2 of the CPU engine: hot blocks compiled to x86-64. A block that has run
 * SOCEMU_JIT_THRESHOLD times (default 32; 0 = at its first run) is compiled into the code buffer;
 * its code runs the block's ops exactly as the dispatch loop would (inline templates for the hot
 * ones, direct calls of the pre-decoded handlers for the rest) and returns the op that ended the
 * block with the handler result, so cpu_run's accounting is unchanged. SOCEMU_NO_JIT=1 or a
 * non-x86-64 host keeps the interpreter. */
#ifndef CPU_JIT_JIT_H
#define CPU_JIT_JIT_H

#include "arm_cpu.h"

/* What a compiled block returns (in RAX:RDX): the op whose handler result r was non-zero. */
typedef struct jit_exit {
    const a64_op *op;
    uintptr_t r;
} jit_exit;
typedef jit_exit (*jit_block_fn)(arm_cpu *c);
/* r of a jit_exit after a direct jump into a block that had died meanwhile: cpu->pc and the
 * instruction count are up to date, the block that jumped is cpu->jit_block; look up cpu->pc. */
enum { JIT_EXIT_REDISPATCH = 3 };

/* Reads SOCEMU_JIT_THRESHOLD and maps the code buffer unless PERF_NO_JIT; false only on a
 * failure that should stop start-up (none today: without a buffer the interpreter runs). */
bool jit_init(cpu_cluster *cl);
void jit_free(cpu_cluster *cl);
/* The block cache's full flush: every compiled block goes with it. */
void jit_flush(cpu_cluster *cl);
/* Compiles b (sets b->jit_code); false if the JIT is off or the buffer is full (then the next
 * block decode flushes everything, see jit_wants_flush). */
bool jit_compile(cpu_cluster *cl, code_block *b);
/* run.c chained from -> to (same page, see chain_link): from's compiled exit to to->pc now
 * jumps straight into to's code. Both must be compiled. */
void jit_link(cpu_cluster *cl, code_block *from, code_block *to);
/* b died (SMC): jumps into it go back to the dispatcher from now on. */
void jit_block_dead(cpu_cluster *cl, code_block *b);
static inline bool jit_wants_flush(const cpu_cluster *cl) {
    return cl->jit_full;
}

#endif
