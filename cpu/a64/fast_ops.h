/* Specialised handlers for the hottest encodings: at decode time a64_specialize swaps an op's
 * generic handler for one with its operands pre-decoded (register numbers, scaled offsets,
 * bit masks, branch offsets) and the memory fast path inline. Anything unusual (FP registers,
 * signed or writeback corner cases, SP-based alignment checks) keeps the generic handler, which
 * stays the reference: SOCEMU_NO_SPECIALIZE=1 runs without this file. */
#ifndef CPU_A64_FAST_OPS_H
#define CPU_A64_FAST_OPS_H

#include "arm_cpu.h"

/* perf_off: PERF_NO_FASTMEM keeps the generic load/store handlers. */
void a64_specialize(a64_op *op, uint32_t perf_off);

#endif
