/* The one block builder: fetches guest code for the core's execution state and decodes it through
 * that instruction set's front end (frontend.h) into a block of the shared store
 * (mem/code_cache.h). */
#ifndef CPU_EXEC_BLOCK_BUILD_H
#define CPU_EXEC_BLOCK_BUILD_H

#include "frontend.h"
#include "mem/code_cache.h"

/* The front end of an instruction set (ISA_*), NULL if socemu has none yet (A32, T32). */
const isa_frontend *isa_frontend_of(unsigned isa);
/* Finds or decodes the block at the core's PC for its execution state; NULL if fetching it
 * raised an exception (or the state has no front end: UNDEFINED, logged). */
code_block *block_lookup(arm_cpu *c);

#endif
