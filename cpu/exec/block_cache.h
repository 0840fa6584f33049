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
bool code_page_has_blocks(cpu_cluster *cl, uint64_t pa_page);
/* Drops every block on the physical page (a store or DMA hit it). */
void code_page_invalidate(cpu_cluster *cl, uint64_t pa_page);
/* Drops everything (IC IALLU[IS], full arena). */
void block_cache_flush(cpu_cluster *cl);
/* Forgets the core's VA -> block shortcuts (after TLB changes). */
void jump_cache_flush(arm_cpu *c);

#endif
