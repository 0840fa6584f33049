/* Memory copy: an 8 MiB buffer of pseudo-random bytes copied back and forth. Each round flips
 * one byte between the copies, and the checksum covers every 64-bit word of the result in order,
 * so a copy that drops, reorders or truncates data prints a different sum. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void) {
    size_t n = 8u << 20;
    unsigned char *a = malloc(n), *b = malloc(n);
    if (!a || !b) return 1;
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        a[i] = (unsigned char)(x >> 32);
    }
    for (int rep = 0; rep < 20; rep++) {
        memcpy(b, a, n);
        b[(size_t)rep * 419431 % n] ^= (unsigned char)(rep + 1);
        memcpy(a, b, n);
    }
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < n; i += 8) {
        uint64_t w;
        memcpy(&w, a + i, 8);
        h = (h ^ w) * 1099511628211ull;
        h ^= h >> 29;
    }
    printf("sum=%016llx\n", (unsigned long long)h);
    free(a);
    free(b);
    return 0;
}
