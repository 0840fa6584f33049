/* The generic timer of one core: counter derived from virtual time, four timers (EL1 physical
 * secure/non-secure, EL2 physical, virtual), the event stream, outputs via ports->timer_irq. */
#ifndef CPU_TIMER_GENERIC_TIMER_H
#define CPU_TIMER_GENERIC_TIMER_H

#include "arm_cpu.h"

enum { CNT_FREQ_HZ = 19200000 };

uint64_t timer_now_ns(const arm_cpu *c);
/* Physical count (CNTPCT) for architectural reads: monotonic across the cluster and strictly
 * increasing between two reads, even back to back (Linux's entropy loop needs that). */
uint64_t timer_read_cntpct(arm_cpu *c);
/* Re-evaluates the outputs and the event stream at the current virtual time. */
void timer_update(arm_cpu *c);
uint64_t timer_next_deadline(const arm_cpu *c);
/* Called after an MRS read of CNTPCT/CNTVCT at pc by the insn_no-th instruction of the core,
 * which returned value: parks the core for a while when it is provably only waiting for the
 * counter in a tight loop. */
void timer_note_counter_poll(arm_cpu *c, uint64_t pc, uint64_t insn_no, uint64_t value);
/* Called after an MMIO read at pc (the insn_no-th instruction) of physical address pa that
 * returned value: parks the core for a moment when it provably only polls that register. */
void timer_note_mmio_poll(arm_cpu *c, uint64_t pc, uint64_t insn_no, uint64_t pa, uint64_t value);

/* Register accessors: timer = CPU_TIMER_*, reg 0 = CTL, 1 = CVAL, 2 = TVAL. */
uint64_t timer_reg_read(arm_cpu *c, unsigned timer, unsigned reg);
void timer_reg_write(arm_cpu *c, unsigned timer, unsigned reg, uint64_t value);

#endif
