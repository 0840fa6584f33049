/* The decoded-block cache shared by the cores of a cluster: blocks keyed by physical PC and state
 * flags, a per-page list of blocks for self-modifying-code invalidation, bump allocation with a
 * full flush when full. */
#ifndef CPU_EXEC_BLOCK_CACHE_H
#define CPU_EXEC_BLOCK_CACHE_H

#include "arm_cpu.h"

bool block_cache_init(cpu_cluster *cl);
void block_cache_free(cpu_cluster *cl);
/* Finds or decodes the block at the core's PC; NULL if fetching it raised an exception. */
code_block *block_lookup(arm_cpu *c);

static inline unsigned jump_cache_index(uint64_t pc) {
    return (unsigned)((pc >> 2) ^ (pc >> (2 + JUMP_CACHE_BITS))) & ((1u << JUMP_CACHE_BITS) - 1);
}
/* The hit path of block_lookup, for the dispatch loop: the jump-cache entry for the PC if the
 * core's exec TLB still maps the PC's page to the block's physical page, else NULL. Block flags
 * are the EL (see state_flags in block_cache.c). */
static inline code_block *block_lookup_cached(arm_cpu *c) {
    uint64_t pc = c->pc;
    code_block *b = c->jump_cache[jump_cache_index(pc)];
    if (!b || b->pc != pc || b->flags != c->el || b->dead) return NULL;
    const tlb_entry *e = &c->tlb[c->mmu_idx][tlb_index(pc)];
    if (e->tag_exec != (pc & PAGE_MASK) || e->pa_page != (b->pa & PAGE_MASK)) return NULL;
    return b;
}
/* The end-of-block op's handler: moves the PC past the block's last instruction. */
int a64_block_end(arm_cpu *c, const a64_op *op);
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
