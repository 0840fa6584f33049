/* DMA request (DREQ) lines: how a paced DMA transfer learns that a peripheral has data to give
 * or room to take.
 *
 * A DREQ is a level signal from a peripheral to a DMA controller, exactly like an interrupt line
 * (it is one: a dreq_line is an irq_line), so boards wire it with the same syntax:
 *     [device.sdhost]  irq.dreq = dma:13      ; the DMA controller's DREQ input 13
 * The peripheral keeps its DREQ output high while a paced transfer may move one more word (read:
 * data in its FIFO; write: room in its FIFO) and updates it synchronously as words move, so the
 * DMA controller, which reads/writes the peripheral's data register through the bus, stops at
 * the right word. Rules for both ends:
 *  - the peripheral drives the level from its register handlers (dreq_set may be called from
 *    inside a bus access the DMA controller is making);
 *  - the DMA controller's input handler only records the level and, on a rise, schedules its
 *    work on the virtual clock: it never moves data from inside the handler (no re-entry). */
#ifndef SOC_DREQ_H
#define SOC_DREQ_H

#include <stdbool.h>

#include "soc/irq.h"

typedef irq_line dreq_line;

/* l may be NULL (not wired: the peripheral is then used by PIO only). */
static inline void dreq_set(dreq_line *l, bool ready) {
    irq_set(l, ready);
}
static inline bool dreq_level(const dreq_line *l) {
    return irq_level(l);
}

#endif
