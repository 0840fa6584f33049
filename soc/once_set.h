/* A set of (a, b) key pairs, used to warn once per address or per (device, offset). Internal to
 * soc/: only slow paths (warnings) touch it. */
#ifndef SOC_ONCE_SET_H
#define SOC_ONCE_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Past this many distinct keys we stop remembering (and warning), so a guest scanning memory
 * cannot grow the set without bound. */
#define ONCE_SET_LIMIT (1u << 16)

typedef struct once_set once_set;

/* True the first time (a, b) is seen; *set is created on first use. False once the set is full
 * (after one warning that further messages are suppressed). */
bool once_set_first(once_set **set, uint64_t a, uint64_t b);
void once_set_free(once_set *set);

#endif
