/* Mapping the code buffer (see code_buffer.h). */
#define _GNU_SOURCE
#include "jit/code_buffer.h"

#include <sys/mman.h>
#include <unistd.h>

/* A hint below the emulator's own text keeps most handler calls within a rel32. */
static void *hint_near(const void *near, size_t size) {
    uintptr_t p = (uintptr_t)near & ~(uintptr_t)0xfffff;
    return p > size + (64u << 20) ? (void *)(p - size - (64u << 20)) : NULL;
}

bool code_buffer_init(code_buffer *b, size_t size, const void *near, bool force_wx) {
    b->size = size;
    b->used = 0;
    void *hint = hint_near(near, size);
    void *p = force_wx ? MAP_FAILED
                       : mmap(hint, size, PROT_READ | PROT_WRITE | PROT_EXEC,
                              MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p != MAP_FAILED) {
        b->write = b->exec = p;
        return true;
    }
    /* W^X: two views of one memfd. */
    int fd = memfd_create("socemu-jit", MFD_CLOEXEC);
    if (fd < 0) return false;
    if (ftruncate(fd, (off_t)size) != 0) {
        close(fd);
        return false;
    }
    void *w = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    void *x = mmap(hint, size, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
    close(fd);
    if (w == MAP_FAILED || x == MAP_FAILED) {
        if (w != MAP_FAILED) munmap(w, size);
        if (x != MAP_FAILED) munmap(x, size);
        return false;
    }
    b->write = w;
    b->exec = x;
    return true;
}

void code_buffer_free(code_buffer *b) {
    if (!b->write) return;
    munmap(b->write, b->size);
    if (b->exec != b->write) munmap(b->exec, b->size);
    b->write = b->exec = NULL;
}
