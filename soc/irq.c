/* Interrupt lines: a sink's input with its current level; handlers see only level changes. */
#include <stddef.h>

#include "soc/irq.h"

void irq_line_init(irq_line *l, const char *name, irq_handler handler, void *opaque, int n) {
    l->handler = handler;
    l->opaque = opaque;
    l->n = n;
    l->level = false;
    l->name = name;
}

void irq_set(irq_line *l, bool level) {
    if (!l || l->level == level) return;
    l->level = level;
    if (l->handler) l->handler(l->opaque, l->n, level);
}

/* A line that is already high only falls: sources sharing a line should use an irq_or instead. */
void irq_pulse(irq_line *l) {
    irq_set(l, true);
    irq_set(l, false);
}

static void or_input_changed(void *opaque, int n, bool level) {
    irq_or *g = opaque;
    if (level)
        g->mask |= 1u << n;
    else
        g->mask &= ~(1u << n);
    irq_set(g->out, g->mask != 0);
}

void irq_or_init(irq_or *g, const char *name, unsigned n_inputs, irq_line *out) {
    if (n_inputs > IRQ_OR_MAX_INPUTS) n_inputs = IRQ_OR_MAX_INPUTS;
    g->n_inputs = n_inputs;
    g->mask = 0;
    g->out = out;
    for (unsigned i = 0; i < IRQ_OR_MAX_INPUTS; i++)
        irq_line_init(&g->in[i], name, i < n_inputs ? or_input_changed : NULL, g, (int)i);
}
