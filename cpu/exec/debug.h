/* Debugger support inside cpu/: the breakpoint set the block decoder consults and the op it plants
 * at a breakpointed PC. Only decode time looks at breakpoints; executing blocks never does. */
#ifndef CPU_EXEC_DEBUG_H
#define CPU_EXEC_DEBUG_H

#include "arm_cpu.h"

/* True if a breakpoint is set at virtual address va (called while decoding, never per insn). */
bool debug_breakpoint_at(const cpu_cluster *cl, uint64_t va);
/* The op a block starts with when its first PC is breakpointed: stops the core before it. */
int debug_breakpoint_op(arm_cpu *c, const a64_op *op);

#endif
