/* Traces (--trace insn|exec|int|mmu): disassembly through capstone, lines to ports->log. Called at
 * block decode and exception time only; exec tracing runs a separate, slower dispatch loop. */
#ifndef CPU_EXEC_TRACE_H
#define CPU_EXEC_TRACE_H

#include "arm_cpu.h"

void trace_block(arm_cpu *c, const code_block *b);
void trace_exec(arm_cpu *c, const a64_op *op);
/* Disassembles one instruction of instruction set isa (ISA_*) into buf (falls back to the front
 * end's encoding name). */
void trace_disasm(unsigned isa, uint32_t insn, uint64_t pc, char *buf, size_t len);

#endif
