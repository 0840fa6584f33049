/* Memory copy with misaligned source and destination (malloc'd 8 MiB buffers, copied at offsets 3
 * and 5 bytes and back): glibc's memcpy aligns the destination, so its loads are all misaligned.
 * Same rounds and checksum as memcpy.c. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void) {
    size_t n = 8u << 20;
    unsigned char *a = malloc(n + 16), *b = malloc(n + 16);
    if (!a || !b) return 1;
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < n + 16; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        a[i] = (unsigned char)(x >> 32);
    }
    for (int rep = 0; rep < 20; rep++) {
        memcpy(b + 5, a + 3, n);
        b[5 + (size_t)rep * 419431 % n] ^= (unsigned char)(rep + 1);
        memcpy(a + 3, b + 5, n);
    }
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < n; i += 8) {
        uint64_t w;
        memcpy(&w, a + 3 + i, 8);
        h = (h ^ w) * 1099511628211ull;
        h ^= h >> 29;
    }
    printf("sum=%016llx\n", (unsigned long long)h);
    free(a);
    free(b);
    return 0;
}
