/* The machine's virtual clock: guest time in nanoseconds and an ordered event queue.
 *
 * Guest time advances only when the scheduler says so (executed instructions, or a jump to the next
 * deadline when every core is idle), so runs are deterministic. Events with equal deadlines fire in
 * the order they were scheduled. Events are owned (embedded) by their devices; the queue only
 * points at them, so scheduling never allocates. */
#ifndef SOC_CLOCK_H
#define SOC_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#define VCLOCK_MAX_EVENTS 512
#define VCLOCK_NEVER      UINT64_MAX

typedef struct vclock vclock;
typedef void (*vclock_event_fn)(void *opaque, uint64_t now_ns);

typedef struct vclock_event {
    const char *name;
    vclock_event_fn fn;
    void *opaque;
    uint64_t deadline_ns;
    uint64_t seq;   /* tie-break: scheduling order */
    int heap_index; /* -1 when not scheduled */
} vclock_event;

struct vclock {
    uint64_t now_ns;
    uint64_t next_seq;
    unsigned n_events;
    vclock_event *heap[VCLOCK_MAX_EVENTS];
    /* Called when a schedule makes deadline_ns the new earliest one, so the scheduler can end a
     * running CPU slice that would otherwise overshoot it. Optional. */
    void (*earliest_changed)(void *opaque, uint64_t deadline_ns);
    void *earliest_changed_opaque;
};

void vclock_init(vclock *c);
static inline uint64_t vclock_now(const vclock *c) {
    return c->now_ns;
}
void vclock_event_init(vclock_event *e, const char *name, vclock_event_fn fn, void *opaque);
/* (Re)schedules e at deadline_ns (clamped to now). Returns false only if the queue is full. */
bool vclock_schedule(vclock *c, vclock_event *e, uint64_t deadline_ns);
void vclock_cancel(vclock *c, vclock_event *e);
static inline bool vclock_event_pending(const vclock_event *e) {
    return e->heap_index >= 0;
}
/* Earliest pending deadline, VCLOCK_NEVER if none. */
uint64_t vclock_next_deadline(const vclock *c);
/* Moves time forward to to_ns, firing every event due on the way in order; during a callback
 * vclock_now() is that event's deadline. Callbacks may schedule or cancel events. */
void vclock_advance(vclock *c, uint64_t to_ns);

#endif
