/* One instruction set's front end: what the block builder (exec/block_build.c) needs to turn
 * guest memory into ops. The builder owns fetching, the block limits (page end, MAX_BLOCK_INSNS,
 * breakpoints), the block store (mem/code_cache.c) and the end op; the front end owns decoding
 * from its own table (cpu/decode/<isa>.insn) and says which instructions end a block. One front
 * end per ISA_* (A64 today: a64/frontend.c; A32 and T32 to come). */
#ifndef CPU_FRONTEND_H
#define CPU_FRONTEND_H

#include "arm_cpu.h"

/* decode() result bits */
enum {
    FE_STOP = 1,   /* the block ends after this instruction */
    FE_NOCHAIN = 2 /* if it is the block's last: the successor depends on more than the PC
                    * (system instruction, exception generation), so it is never chained */
};

typedef struct isa_frontend {
    const char *name;     /* "A64" */
    unsigned isa;         /* ISA_* */
    unsigned fetch_bytes; /* unit fetched at a time: 4 (A64, A32) or 2 (T32) */
    /* Bytes of the instruction whose first unit is `first` (T32: 2 or 4); NULL: fetch_bytes. A
     * longer instruction is fetched unit by unit, the first unit in the high half of insn. */
    unsigned (*insn_bytes)(uint32_t first);
    /* Decodes insn into op: fn, enc, pre-decoded operands (the builder has set insn, index and
     * pc_half). perf_off: PERF_NO_* bits (PERF_NO_SPECIALIZE: plain handlers). Returns FE_*. */
    unsigned (*decode)(a64_op *op, uint32_t insn, uint32_t perf_off);
    /* The decoder's name for an encoding (traces when the disassembler knows none). */
    const char *(*insn_name)(uint32_t insn);
} isa_frontend;

#endif
