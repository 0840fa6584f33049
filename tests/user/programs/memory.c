/* Memory: malloc/free/realloc (brk and mmap paths), mmap/munmap/mprotect, and the string
 * functions of glibc (which use AdvSIMD) over many sizes and alignments. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static uint32_t hash(const unsigned char *p, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

int main(void) {
    /* malloc of many sizes, filled and checked */
    void *blocks[200];
    uint32_t h = 0;
    for (int i = 0; i < 200; i++) {
        size_t n = (size_t)(i * 37 % 1000 + 1) * (i % 7 == 0 ? 300 : 1);
        unsigned char *b = malloc(n);
        for (size_t j = 0; j < n; j++)
            b[j] = (unsigned char)(i + j);
        h ^= hash(b, n);
        blocks[i] = b;
    }
    for (int i = 0; i < 200; i += 2)
        free(blocks[i]);
    for (int i = 1; i < 200; i += 2)
        blocks[i] = realloc(blocks[i], 5000 + (size_t)i * 100);
    for (int i = 1; i < 200; i += 2)
        free(blocks[i]);
    printf("malloc hash %08x\n", h);

    /* big realloc: the mmap path and mremap */
    char *big = malloc(1 << 20);
    memset(big, 'x', 1 << 20);
    big = realloc(big, 8 << 20);
    printf("realloc kept data: %d\n", big[(1 << 20) - 1] == 'x' && big[0] == 'x');
    free(big);

    /* brk */
    void *top = sbrk(0);
    char *more = sbrk(65536);
    more[0] = 1;
    more[65535] = 2;
    printf("sbrk grew: %d\n", (char *)sbrk(0) - (char *)top == 65536);

    /* mmap, mprotect, munmap */
    size_t len = 16 * 4096;
    unsigned char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("mmap ok: %d zero: %d\n", m != MAP_FAILED, m[0] == 0 && m[len - 1] == 0);
    memset(m, 0xab, len);
    printf("mprotect ro: %d\n", mprotect(m, len, PROT_READ));
    printf("still readable: %02x\n", m[100]);
    printf("mprotect rw: %d\n", mprotect(m, len, PROT_READ | PROT_WRITE));
    m[5] = 1;
    printf("munmap: %d\n", munmap(m, len));
    printf("munmap unaligned: %d\n", munmap((char *)m + 1, 4096));
    m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("fresh page zero: %d\n", m[0] == 0);
    munmap(m, 4096);

    /* string functions, all sizes 0..300 and all 16 alignments of source and destination */
    static unsigned char src[1024], dst[1024];
    for (int i = 0; i < 1024; i++)
        src[i] = (unsigned char)(i * 7 + 1);
    uint32_t hc = 0, hs = 0, hl = 0;
    int cmp = 0;
    for (size_t n = 0; n < 300; n += (n < 40 ? 1 : 13))
        for (int sa = 0; sa < 16; sa++)
            for (int da = 0; da < 16; da += 5) {
                memset(dst, 0, sizeof dst);
                memcpy(dst + da, src + sa, n);
                hc = hc * 31 + hash(dst, 400);
                memmove(dst + da + 3, dst + da, n);
                hc = hc * 31 + hash(dst, 400);
                memset(dst + da, sa, n);
                hs = hs * 31 + hash(dst, 400);
                dst[da + n] = 0;
                memset(dst + da, 'a', n);
                hl = hl * 31 + (uint32_t)strlen((char *)dst + da);
                cmp += memcmp(src + sa, src + da, n) > 0;
                cmp += strchr((char *)dst + da, 'b') != NULL;
            }
    printf("memcpy %08x memset %08x strlen %08x cmp %d\n", hc, hs, hl, cmp);
    char s[64];
    snprintf(s, sizeof s, "%s-%d", "abc", 12345);
    printf("%s %zu %d\n", s, strlen(s), strcmp(s, "abc-12345"));
    return 0;
}
