/* The store of decoded blocks shared by the cores of a cluster, whatever their instruction set:
 * blocks keyed by physical PC and execution state (XS_* bits), a per-page list of blocks for
 * self-modifying-code invalidation, bump allocation with a full flush when full. It sits beside
 * the soft TLB because stores into code pages (and DMA, IC maintenance) drop blocks here; the
 * block builder that fills it is exec/block_build.c. */
#ifndef CPU_MEM_CODE_CACHE_H
#define CPU_MEM_CODE_CACHE_H

#include "arm_cpu.h"

bool block_cache_init(cpu_cluster *cl);
void block_cache_free(cpu_cluster *cl);
/* A fresh block with room for MAX_BLOCK_INSNS + 1 ops, after a full flush if the store (or the
 * JIT's buffer, cl->jit_full) is full. Filled by the builder, then published by block_insert. */
code_block *block_alloc(cpu_cluster *cl);
/* Takes back the block block_alloc just returned (its fetch faulted). */
void block_unalloc(cpu_cluster *cl, code_block *b);
/* Makes a built block of n ops (+ its end op) findable and tracks its page. */
void block_insert(cpu_cluster *cl, code_block *b);
/* The block decoded at (pa, flags) for virtual pc, or NULL. */
code_block *block_find(cpu_cluster *cl, uint64_t pc, uint64_t pa, uint32_t flags);

static inline unsigned jump_cache_index(uint64_t pc) {
    return (unsigned)((pc >> 2) ^ (pc >> (2 + JUMP_CACHE_BITS))) & ((1u << JUMP_CACHE_BITS) - 1);
}
/* The hit path of block_lookup, for the dispatch loop: the jump-cache entry for the PC if it was
 * decoded for the core's execution state (EL, instruction set, IT state: one compare) and the
 * core's exec TLB still maps the PC's page to the block's physical page, else NULL. */
static inline code_block *block_lookup_cached(arm_cpu *c) {
    uint64_t pc = c->pc;
    code_block *b = c->jump_cache[jump_cache_index(pc)];
    if (!b || b->pc != pc || b->flags != c->xstate || b->dead) return NULL;
    const tlb_entry *e = &c->tlb[c->mmu_idx][tlb_index(pc)];
    if (e->tag_exec != (pc & PAGE_MASK) || e->pa_page != (b->pa & PAGE_MASK)) return NULL;
    return b;
}
/* The end-of-block op's handler, the same for every instruction set: moves the PC past the
 * block's last instruction (the end op's pc_half). */
int block_end_op(arm_cpu *c, const a64_op *op);
bool code_page_has_blocks(cpu_cluster *cl, uint64_t pa_page);
/* Drops every block on the physical page (a store or DMA hit it). */
void code_page_invalidate(cpu_cluster *cl, uint64_t pa_page);
/* Drops everything (full arena, debugger). */
void block_cache_flush(cpu_cluster *cl);
/* IC IALLU[IS]. Every store (CPU, DMA, loader, debugger) into a page holding blocks already
 * dropped them, so only blocks decoded from outside RAM could be stale; the full flush remains
 * with SOCEMU_NO_LAZY_IC=1. */
void block_cache_ic_iallu(cpu_cluster *cl);
/* Forgets the core's VA -> block shortcuts (after TLB changes). */
void jump_cache_flush(arm_cpu *c);

#endif
