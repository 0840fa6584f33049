/* The virtual clock: a binary min-heap of event pointers ordered by (deadline, seq). Events live in
 * their devices; the heap stores pointers and each event remembers its slot, so cancel and
 * reschedule are O(log n) and nothing is ever allocated. */
#include <stddef.h>

#include "soc/clock.h"
#include "soc/log.h"

void vclock_init(vclock *c) {
    c->now_ns = 0;
    c->next_seq = 0;
    c->n_events = 0;
    c->earliest_changed = NULL;
    c->earliest_changed_opaque = NULL;
}

void vclock_event_init(vclock_event *e, const char *name, vclock_event_fn fn, void *opaque) {
    e->name = name;
    e->fn = fn;
    e->opaque = opaque;
    e->deadline_ns = VCLOCK_NEVER;
    e->seq = 0;
    e->heap_index = -1;
}

static bool fires_before(const vclock_event *a, const vclock_event *b) {
    if (a->deadline_ns != b->deadline_ns) return a->deadline_ns < b->deadline_ns;
    return a->seq < b->seq;
}

static void place(vclock *c, unsigned i, vclock_event *e) {
    c->heap[i] = e;
    e->heap_index = (int)i;
}

static void sift_up(vclock *c, unsigned i) {
    vclock_event *e = c->heap[i];
    while (i > 0) {
        unsigned parent = (i - 1) / 2;
        if (!fires_before(e, c->heap[parent])) break;
        place(c, i, c->heap[parent]);
        i = parent;
    }
    place(c, i, e);
}

static void sift_down(vclock *c, unsigned i) {
    vclock_event *e = c->heap[i];
    for (;;) {
        unsigned child = 2 * i + 1;
        if (child >= c->n_events) break;
        if (child + 1 < c->n_events && fires_before(c->heap[child + 1], c->heap[child])) child++;
        if (!fires_before(c->heap[child], e)) break;
        place(c, i, c->heap[child]);
        i = child;
    }
    place(c, i, e);
}

static void remove_at(vclock *c, unsigned i) {
    vclock_event *removed = c->heap[i];
    c->n_events--;
    if (i != c->n_events) {
        vclock_event *moved = c->heap[c->n_events];
        place(c, i, moved);
        /* The moved event may belong above or below its new slot. */
        sift_up(c, i);
        sift_down(c, (unsigned)moved->heap_index);
    }
    removed->heap_index = -1;
}

void vclock_cancel(vclock *c, vclock_event *e) {
    if (e->heap_index < 0) return;
    remove_at(c, (unsigned)e->heap_index);
}

bool vclock_schedule(vclock *c, vclock_event *e, uint64_t deadline_ns) {
    if (e->heap_index >= 0) vclock_cancel(c, e);
    if (c->n_events >= VCLOCK_MAX_EVENTS) {
        soc_error("clock: event queue full, cannot schedule '%s'", e->name ? e->name : "?");
        return false;
    }
    e->deadline_ns = deadline_ns < c->now_ns ? c->now_ns : deadline_ns;
    /* A fresh seq on every (re)schedule keeps equal deadlines in scheduling order. */
    e->seq = c->next_seq++;
    unsigned i = c->n_events++;
    place(c, i, e);
    sift_up(c, i);
    if (e->heap_index == 0 && c->earliest_changed)
        c->earliest_changed(c->earliest_changed_opaque, e->deadline_ns);
    return true;
}

uint64_t vclock_next_deadline(const vclock *c) {
    return c->n_events ? c->heap[0]->deadline_ns : VCLOCK_NEVER;
}

void vclock_advance(vclock *c, uint64_t to_ns) {
    while (c->n_events && c->heap[0]->deadline_ns <= to_ns) {
        vclock_event *e = c->heap[0];
        remove_at(c, 0);
        if (e->deadline_ns > c->now_ns) c->now_ns = e->deadline_ns;
        e->fn(e->opaque, c->now_ns);
    }
    if (to_ns > c->now_ns) c->now_ns = to_ns;
}
