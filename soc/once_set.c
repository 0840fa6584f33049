/* Open-addressing hash set of key pairs; grows by doubling, capped at ONCE_SET_LIMIT entries. */
#include <stdlib.h>

#include "once_set.h"
#include "soc/log.h"

typedef struct {
    uint64_t a, b;
    bool used;
} once_entry;

struct once_set {
    once_entry *slots;
    size_t capacity; /* power of two */
    size_t count;
    bool full_reported;
};

static uint64_t mix(uint64_t a, uint64_t b) {
    uint64_t h = a * 0x9e3779b97f4a7c15ull ^ (b + 0x632be59bd9b4e019ull);
    h ^= h >> 31;
    h *= 0xbf58476d1ce4e5b9ull;
    return h ^ (h >> 29);
}

/* Returns the slot holding (a, b) or the empty slot where it belongs. */
static once_entry *probe(once_entry *slots, size_t capacity, uint64_t a, uint64_t b) {
    size_t i = (size_t)mix(a, b) & (capacity - 1);
    while (slots[i].used && (slots[i].a != a || slots[i].b != b))
        i = (i + 1) & (capacity - 1);
    return &slots[i];
}

static bool grow(once_set *s) {
    size_t capacity = s->capacity ? s->capacity * 2 : 64;
    once_entry *slots = calloc(capacity, sizeof *slots);
    if (!slots) return false;
    for (size_t i = 0; i < s->capacity; i++)
        if (s->slots[i].used) *probe(slots, capacity, s->slots[i].a, s->slots[i].b) = s->slots[i];
    free(s->slots);
    s->slots = slots;
    s->capacity = capacity;
    return true;
}

bool once_set_first(once_set **set, uint64_t a, uint64_t b) {
    once_set *s = *set;
    if (!s) {
        s = calloc(1, sizeof *s);
        if (!s) return false;
        *set = s;
    }
    if (s->capacity) {
        once_entry *e = probe(s->slots, s->capacity, a, b);
        if (e->used) return false;
    }
    if (s->count >= ONCE_SET_LIMIT) {
        if (!s->full_reported) {
            s->full_reported = true;
            soc_warn("too many distinct warnings; further ones are suppressed");
        }
        return false;
    }
    /* Keep the load factor under one half so probes stay short. */
    if ((s->count + 1) * 2 > s->capacity && !grow(s)) return false;
    once_entry *e = probe(s->slots, s->capacity, a, b);
    e->a = a;
    e->b = b;
    e->used = true;
    s->count++;
    return true;
}

void once_set_free(once_set *s) {
    if (!s) return;
    free(s->slots);
    free(s);
}
