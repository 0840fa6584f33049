/* The JIT's code memory: one large mapping with bump allocation, emptied all at once together
 * with the block cache. Executable and writable at once when the kernel allows it, else one
 * memfd mapped twice (a writable view for the emitter, an executable one for running). */
#ifndef CPU_JIT_CODE_BUFFER_H
#define CPU_JIT_CODE_BUFFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct code_buffer {
    uint8_t *write; /* writable view */
    uint8_t *exec;  /* executable view (== write when RWX was granted) */
    size_t size, used;
} code_buffer;

/* Maps size bytes near `near` (so calls into the emulator can use rel32); false if impossible.
 * force_wx: skip the RWX attempt (tests the two-view mapping; SOCEMU_JIT_WX=1). */
bool code_buffer_init(code_buffer *b, size_t size, const void *near, bool force_wx);
void code_buffer_free(code_buffer *b);
static inline void code_buffer_reset(code_buffer *b) {
    b->used = 0;
}

#endif
