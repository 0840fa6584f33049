/* Interrupt lines between devices and CPU inputs.
 *
 * An irq_line is the *input* of a sink (an interrupt controller input, a CPU's IRQ/FIQ pin): it
 * holds the sink's handler and the current level. A device's output is a pointer to such a line
 * (NULL when not wired, in which case irq_set does nothing). Level lines call the handler on every
 * change; edge-triggered sinks simply react to the rising transition. Several sources sharing one
 * input are combined with an irq_or gate. */
#ifndef SOC_IRQ_H
#define SOC_IRQ_H

#include <stdbool.h>

typedef void (*irq_handler)(void *opaque, int n, bool level);

typedef struct irq_line {
    irq_handler handler;
    void *opaque;
    int n; /* the sink's input number, passed back to the handler */
    bool level;
    const char *name;
} irq_line;

void irq_line_init(irq_line *l, const char *name, irq_handler handler, void *opaque, int n);
/* Drives the line; the handler runs only when the level changes. l may be NULL. */
void irq_set(irq_line *l, bool level);
/* Raises then lowers the line (an edge for edge-triggered sinks). */
void irq_pulse(irq_line *l);
static inline bool irq_level(const irq_line *l) {
    return l && l->level;
}

/* An OR gate: n inputs, one output. Its inputs are lines that sources point at. */
#define IRQ_OR_MAX_INPUTS 32
typedef struct irq_or {
    irq_line in[IRQ_OR_MAX_INPUTS];
    unsigned n_inputs;
    unsigned mask; /* levels of the inputs */
    irq_line *out;
} irq_or;
void irq_or_init(irq_or *g, const char *name, unsigned n_inputs, irq_line *out);

#endif
